"""Decoding upstream answers: the documented shapes only, strictly, and never a value in logs."""

from __future__ import annotations

import logging

import msgspec
import orjson
import pytest
from msgspec.json import Decoder

from app import errors
from app.upstream import decode
from loaders import records

SECRET = "s3cr3t-upstream-value"

PRODUCTS = orjson.dumps({"products": [
    {"id": "p1", "sku": "SKU-1", "title": "Lamp", "description": None, "brand": "Lumo",
     "images": [{"url": "https://img/1.jpg", "alt": None, "internalTag": SECRET},
                {"url": "https://img/2.jpg", "alt": "side"}],
     "categoryId": "c1", "internalCost": {"amount": 100, "currency": "USD"},
     "supplierId": SECRET},
    {"id": "p2", "title": "Chair", "images": []},
]})


def _decode_error(shape: Decoder[object], body: bytes, caplog: pytest.LogCaptureFixture
                  ) -> tuple[errors.DependencyError, list[logging.LogRecord]]:
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="bff.upstream"), \
            pytest.raises(errors.DependencyError) as raised:
        decode("catalog", shape, body)
    return raised.value, caplog.records


def test_undeclared_fields_are_dropped_on_parsing() -> None:
    body = decode("catalog", Decoder(records.Products), PRODUCTS)
    lamp, chair = body.products
    assert (lamp.id, lamp.title, lamp.description, lamp.brand) == ("p1", "Lamp", None, "Lumo")
    assert lamp.images == [records.Image(url="https://img/1.jpg", alt=None),
                           records.Image(url="https://img/2.jpg", alt="side")]
    assert lamp.thumbnail_url == "https://img/1.jpg"
    assert (chair.description, chair.brand, chair.thumbnail_url) == (None, None, None)
    everything = orjson.dumps(msgspec.to_builtins(body)).decode() + repr(body)
    for leaked in ("sku", "internalCost", "internal_cost", "supplierId", "supplier_id",
                   "categoryId", "internalTag", SECRET):
        assert leaked not in everything
    assert not hasattr(lamp, "supplier_id") and not hasattr(lamp, "internal_cost")


def test_users_drop_email_and_fraud_score() -> None:
    body = decode("users", Decoder(records.Users), orjson.dumps({"users": [
        {"id": "u1", "displayName": "Ada", "avatarUrl": None, "loyaltyTier": "GOLD",
         "segment": "vip", "email": "ada@example.com", "fraudScore": 0.9}]}))
    assert body.users == [records.User(id="u1", display_name="Ada", avatar_url=None,
                                       loyalty_tier="GOLD", segment="vip")]
    assert "ada@example.com" not in repr(body) and "0.9" not in repr(body)


def test_prices_keep_their_properties() -> None:
    body = decode("pricing", Decoder(records.Prices), orjson.dumps({"prices": [
        {"productId": "p1", "price": {"amount": 999, "currency": "USD"},
         "compareAt": {"amount": 1299, "currency": "USD"}, "marginBps": 4200},
        {"productId": "p2", "price": {"amount": 999, "currency": "USD"},
         "compareAt": {"amount": 999, "currency": "USD"}},
        {"productId": "p3", "price": {"amount": 999, "currency": "USD"}, "compareAt": None},
    ]}))
    assert [(p.product_id, p.on_sale) for p in body.prices] == [
        ("p1", True), ("p2", False), ("p3", False)]
    assert body.prices[0].compare_at == records.Money(amount=1299, currency="USD")


@pytest.mark.parametrize(("shape", "body", "where"), [
    (records.Prices, {"prices": [{"productId": "p1", "price": {"amount": "999",
                                                                "currency": "USD"}}]},
     "prices.0.price.amount"),  # a string for an int: never coerced
    (records.Prices, {"prices": [{"productId": "p1", "price": {"amount": 9.5,
                                                                "currency": "USD"}}]},
     "prices.0.price.amount"),
    (records.Prices, {"prices": [{"productId": "p1", "price": {"amount": 1,
                                                                "currency": "DOLLARS"}}]},
     "prices.0.price.currency"),
    (records.Users, {"users": [{"id": "u1", "displayName": "Ada", "loyaltyTier": SECRET}]},
     "users.0.loyaltyTier"),  # the enum's offending value is in msgspec's message
    (records.Users, {"users": [{"id": "u1", "loyaltyTier": "GOLD"}]}, "users.0.displayName"),
    (records.ReviewPage, {"reviews": [{"id": "r1", "productId": "p1", "authorId": "u1",
                                       "rating": 6, "body": SECRET, "createdAt": "t"}],
                          "nextCursor": None}, "reviews.0.rating"),
    (records.SearchPage, {"ids": ["p1"], "total": 1}, "nextCursor"),  # nullable, not optional
    (records.SearchPage, {"ids": ["p1"], "nextCursor": None, "total": -1}, "total"),
    (records.Products, [SECRET], "body"),
    (records.Products, {"products": SECRET}, "products"),
])
def test_not_the_documented_shape_is_dependency_error_logged_without_values(
    shape: type, body: object, where: str, caplog: pytest.LogCaptureFixture
) -> None:
    error, logged = _decode_error(Decoder(shape), orjson.dumps(body), caplog)
    assert error.code == errors.DEPENDENCY_ERROR
    assert [getattr(r, "where", None) for r in logged] == [where]
    for record in logged:
        assert SECRET not in record.getMessage()
        assert all(SECRET not in str(value) for value in vars(record).values())
    assert SECRET not in error.message


@pytest.mark.parametrize("body", [b"", b"not json", b'{"products": [', b"\xff\xfe",
                                  b'{"products": []} trailing'])
def test_a_body_that_is_not_json_is_dependency_error(
    body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    error, logged = _decode_error(Decoder(records.Products), body, caplog)
    assert error.code == errors.DEPENDENCY_ERROR
    assert [getattr(r, "where", None) for r in logged] == ["json"]


def test_records_are_frozen_and_hashable_without_list_fields() -> None:
    money = records.Money(amount=1, currency="USD")
    price = records.Price(product_id="p1", price=money)
    with pytest.raises(AttributeError):
        money.amount = 2  # type: ignore[misc]
    with pytest.raises(AttributeError):
        price.compare_at = money  # type: ignore[misc]
    assert {money, records.Money(amount=1, currency="USD")} == {money}
    assert len({price, records.Price(product_id="p1", price=money), records.Stock(
        product_id="p1", available=3), records.ReviewSummary(product_id="p1", average=4.5,
                                                             count=2)}) == 3
    product = records.Product(id="p1", title="Lamp", images=[])
    with pytest.raises(TypeError):  # a list field: unhashable, as the pydantic models were
        hash(product)


def test_records_are_built_by_keyword_only() -> None:
    with pytest.raises(TypeError):
        records.Money(1, "USD")  # type: ignore[misc]
