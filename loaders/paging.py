"""Cursor pages (search, reviews): the one place a 400 is read as the client's bad cursor."""

from __future__ import annotations

from typing import TypeVar

from msgspec.json import Decoder

from app import errors
from app.upstream import CallScope, UpstreamClient, UpstreamResponse, decode

T = TypeVar("T")


async def fetch_page(
    client: UpstreamClient, scope: CallScope, component: str, path: str,
    params: dict[str, str], cursor: str | None, decoder: Decoder[T], *, what: str,
    ids: list[str] | None = None,
) -> T:
    """A service answers 400 to a cursor it does not know: with a cursor, that is the
    client's `after` (BAD_USER_INPUT); without one, the service refusing the call."""
    if cursor is not None:
        params = {**params, "cursor": cursor}

    def read(response: UpstreamResponse) -> T:
        if response.status == 400:
            if cursor is not None:
                raise errors.UserInputError(f"The `after` cursor is not valid for {what}.")
            raise errors.DependencyError(component, errors.DEPENDENCY_ERROR, f"{path} refused")
        return decode(component, decoder, response.content)

    return await client.send(component, "GET", path, scope, params=params, ids=ids,
                             expect=frozenset({200, 400}), read=read)
