"""reviews service: rating summaries by product id, and review pages per product."""

from __future__ import annotations

from msgspec.json import Decoder

from app import errors
from app.upstream import CallScope, UpstreamClient, UpstreamResponse, decode
from loaders import records

COMPONENT = "reviews"
_SUMMARIES = Decoder(records.Summaries)
_PAGE = Decoder(records.ReviewPage)


async def fetch_summaries(
    client: UpstreamClient, scope: CallScope, ids: list[str]
) -> dict[str, records.ReviewSummary]:
    body = await client.get_json(
        COMPONENT, "/summaries", {"ids": ",".join(ids)}, scope, _SUMMARIES, ids=ids
    )
    return {s.product_id: s for s in body.summaries}


async def fetch_page(
    client: UpstreamClient, scope: CallScope, key: tuple[str, int, str | None]
) -> records.ReviewPage:
    product_id, limit, cursor = key
    params = {"productId": product_id, "limit": str(limit)}
    if cursor is not None:
        params["cursor"] = cursor

    def read(response: UpstreamResponse) -> records.ReviewPage:
        if response.status == 400:
            if cursor is not None:
                raise errors.UserInputError("The `after` cursor is not valid for these reviews.")
            raise errors.DependencyError(COMPONENT, errors.DEPENDENCY_ERROR, "reviews refused")
        return decode(COMPONENT, _PAGE, response.content)

    return await client.send(
        COMPONENT, "GET", "/reviews", scope, params=params, ids=[product_id],
        expect=frozenset({200, 400}), read=read,
    )
