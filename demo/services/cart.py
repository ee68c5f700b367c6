"""cart: read, add and remove, with Idempotency-Key replay on the two mutations."""

from __future__ import annotations

import orjson

from demo.core import Call, Endpoint, Raw, ServiceError


def _idempotency_key(call: Call) -> str:
    key = call.headers.get("idempotency-key", "").strip()
    if not key:
        raise ServiceError(400, "missing_idempotency_key", "Idempotency-Key header is required")
    return key


async def get_cart(call: Call) -> object:
    return call.state.carts.view(call.path_params["userId"])


async def add_item(call: Call) -> object:
    user_id = call.path_params["userId"]
    key = _idempotency_key(call)
    body = await call.json()
    if not isinstance(body, dict):
        raise ServiceError(400, "invalid_body", 'expected {"productId": ..., "quantity": ...}')
    product_id, quantity = body.get("productId"), body.get("quantity")
    fingerprint = "POST " + orjson.dumps([product_id, quantity]).decode()
    carts = call.state.carts
    stored = carts.replay(user_id, key, fingerprint)
    if stored is not None:
        return stored
    try:
        answer = Raw(200, orjson.dumps(carts.add(user_id, product_id, quantity)))
    except ServiceError as exc:
        answer = Raw(exc.status, exc.body())
    carts.remember(user_id, key, fingerprint, answer)
    return answer


async def remove_item(call: Call) -> object:
    user_id, product_id = call.path_params["userId"], call.path_params["productId"]
    key = _idempotency_key(call)
    fingerprint = f"DELETE {product_id}"
    carts = call.state.carts
    stored = carts.replay(user_id, key, fingerprint)
    if stored is not None:
        return stored
    answer = Raw(200, orjson.dumps(carts.remove(user_id, product_id)))
    carts.remember(user_id, key, fingerprint, answer)
    return answer


ENDPOINTS = (
    Endpoint("GET", "/carts/{userId}", get_cart, "items"),
    Endpoint("POST", "/carts/{userId}/items", add_item, "items"),
    Endpoint("DELETE", "/carts/{userId}/items/{productId}", remove_item, "items"),
)
