"""users service: profiles by id."""

from __future__ import annotations

from msgspec.json import Decoder

from app.upstream import CallScope, UpstreamClient
from loaders import records

COMPONENT = "users"
_USERS = Decoder(records.Users)


async def fetch_users(
    client: UpstreamClient, scope: CallScope, ids: list[str]
) -> dict[str, records.User]:
    body = await client.get_json(COMPONENT, "/users", {"ids": ",".join(ids)}, scope, _USERS,
                                 ids=ids)
    return {u.id: u for u in body.users}
