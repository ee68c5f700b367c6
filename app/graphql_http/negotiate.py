"""Which media type answers: the spec's `application/graphql-response+json`, or legacy JSON."""

from __future__ import annotations

from app import errors

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"


def response_media_type(accept: str | None) -> str:
    """Pick by the client's Accept (q-values honoured); no Accept means legacy JSON."""
    if not accept:
        return JSON
    best: tuple[float, int, str] | None = None
    for position, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        media = media.lower()
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
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
        raise errors.RequestError(
            errors.BAD_REQUEST,
            f"Cannot answer in the media types accepted; use {GRAPHQL_RESPONSE_JSON} or {JSON}.",
            406,
        )
    return best[2]


def wants_html(accept: str | None) -> bool:
    return bool(accept) and "text/html" in accept.lower()  # type: ignore[union-attr]
