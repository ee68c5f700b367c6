"""users service: profiles by id."""

from __future__ import annotations

from pydantic import TypeAdapter

from app.upstream import CallScope, UpstreamClient
from loaders import records

COMPONENT = "users"
_USERS = TypeAdapter(records.Users)


async def fetch_users(
    client: UpstreamClient, scope: CallScope, ids: list[str]
) -> dict[str, records.User]:
    body = await client.get_json(COMPONENT, "/users", {"ids": ",".join(ids)}, scope, _USERS,
                                 ids=ids)
    return {u.id: u for u in body.users}
