"""Which media type answers: the spec's `application/graphql-response+json`, legacy JSON, and
whether a deferred operation may be answered in parts (`multipart/mixed`)."""

from __future__ import annotations

from collections.abc import Iterator

from app import errors

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
MULTIPART = "multipart/mixed"
DEFER_SPEC = "20220824"
"""The incremental format written (`app.incremental`): what Apollo Client and GraphiQL read."""


def _ranges(accept: str) -> Iterator[tuple[str, dict[str, str], float, int]]:
    """Each media range of an Accept header: type, parameters, quality, position."""
    for position, part in enumerate(accept.split(",")):
        media, *raw = (p.strip() for p in part.split(";"))
        params = {}
        quality = 1.0
        for param in raw:
            key, _, value = param.partition("=")
            key, value = key.strip().lower(), value.strip().strip('"')
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
            else:
                params[key] = value
        if quality > 0:
            yield media.lower(), params, quality, position


def response_media_type(accept: str | None) -> str:
    """Pick by the client's Accept (q-values honoured); no Accept means legacy JSON.

    A client that accepts only `multipart/mixed` gets legacy JSON for anything not
    delivered in parts: GraphQL over HTTP lets a server disregard Accept and answer in
    the default media type rather than refuse.
    """
    if not accept:
        return JSON
    best: tuple[float, int, str] | None = None
    for media, _, quality, position in _ranges(accept):
        if media == GRAPHQL_RESPONSE_JSON:
            chosen = GRAPHQL_RESPONSE_JSON
        elif media in (JSON, "application/*", "*/*"):
            chosen = JSON
        else:
            continue
        candidate = (quality, -position, chosen)
        if best is None or candidate > best:
            best = candidate
    if best is None:
        if accepts_multipart(accept):
            return JSON
        raise errors.RequestError(
            errors.BAD_REQUEST,
            f"Cannot answer in the media types accepted; use {GRAPHQL_RESPONSE_JSON} or {JSON}.",
            406,
        )
    return best[2]


def accepts_multipart(accept: str | None) -> bool:
    """`multipart/mixed` named (not merely `*/*`), with our `deferSpec` or none: a client
    that did not ask never gets parts."""
    if not accept:
        return False
    return any(
        media == MULTIPART and params.get("deferspec", DEFER_SPEC) == DEFER_SPEC
        for media, params, _, _ in _ranges(accept)
    )


def wants_html(accept: str | None) -> bool:
    return bool(accept) and "text/html" in accept.lower()  # type: ignore[union-attr]
