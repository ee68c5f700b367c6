"""The answers made of a cacheable answer's stored bytes, and the shortest way to one.

`shared_response` builds every answer whose bytes are shared (a cacheable answer
executed now, or one from the response cache): one function, so an executed answer
and a hit carry the same headers.

`FastHits` serves the commonest hit, an anonymous persisted GET whose answer is in
the near-cache (or the memory store), straight from the request's raw query string:
no Starlette `Request` parsing of the query string, no JSON decoding of `variables`
and `extensions`, no document lookup, no variable coercion. The query string is an
alias the response cache learned when the full pipeline answered that same GET (for
anonymous requests only, and public entries only). Anything else, or any doubt,
goes through the full pipeline: a request with `Authorization` or a cookie (its
token must be checked, and may be refused), one the CSRF guard would refuse, one
whose Accept is not one of the few plain ones (GraphiQL's `text/html` included), and
an entry that is stale (its revalidation needs the prepared operation).
"""

from __future__ import annotations

import time
from collections.abc import MutableMapping
from typing import Any

from starlette.responses import Response

from app import cache_policy, edge
from app.cache_policy import Freshness
from app.graphql_http import negotiate
from app.response_cache import HIT, ResponseCache
from app.response_cache.cache import Alias
from app.response_cache.entry import Entry

_PREFLIGHT = frozenset({b"x-apollo-operation-name", b"apollo-require-preflight",
                        b"x-requested-with"})
_MEDIA_TYPES: dict[bytes | None, str] = {
    None: negotiate.JSON,
    b"*/*": negotiate.JSON,
    b"application/json": negotiate.JSON,
    negotiate.GRAPHQL_RESPONSE_JSON.encode(): negotiate.GRAPHQL_RESPONSE_JSON,
}
"""The Accept values clients send (Apollo Client: `*/*`); any other is negotiated in full."""
_NOT_MODIFIED = 304


class RawResponse(Response):
    """A response whose header list is already built (Starlette's `init_headers` skipped)."""

    def __init__(self, status_code: int, content: bytes,
                 raw_headers: list[tuple[bytes, bytes]]) -> None:
        self.status_code = status_code
        self.background = None
        self.body = content
        self.raw_headers = raw_headers


def shared_response(
    content: bytes, etag: str, freshness: Freshness, media_type: str, request_id: str,
    *, http_cacheable: bool, if_none_match: str | None, x_cache: str | None, age: int | None,
) -> tuple[Response, int]:
    """A cacheable answer, executed or from the response cache: the same bytes either way.

    A persisted GET gets Cache-Control from the cache hints, a strong ETag (304 on a
    match) and, from the cache, its `Age`; any other request's answer stays `no-store`,
    as executed."""
    headers = [(b"x-request-id", request_id.encode())]
    if http_cacheable:
        headers += [(b"cache-control", freshness.header().encode()),
                    (b"vary", cache_policy.VARY.encode()), (b"etag", etag.encode())]
        if age:
            headers.append((b"age", str(age).encode()))
    else:
        headers.append((b"cache-control", b"no-store"))
    if x_cache is not None:
        headers.append((b"x-cache", x_cache.encode()))
    if http_cacheable and cache_policy.matches(if_none_match, etag):
        return RawResponse(_NOT_MODIFIED, b"", headers), _NOT_MODIFIED
    headers += [(b"content-length", str(len(content)).encode()),
                (b"content-type", media_type.encode())]
    return RawResponse(200, content, headers), 200


class FastHits:
    def __init__(self, cache: ResponseCache) -> None:
        self._cache = cache

    def serve(self, scope: MutableMapping[str, Any]) -> tuple[Response, int, Alias, str] | None:
        """The answer to an anonymous persisted GET from a fresh public entry kept in process;
        None: the full pipeline decides. Also gives the entry's alias and the request id."""
        query = scope["query_string"]
        if not query:
            return None
        accept = if_none_match = request_id = None
        csrf_safe = False
        for name, value in scope["headers"]:
            if name == b"authorization" or name == b"cookie":
                return None
            if name == b"accept":
                accept = value
            elif name == b"if-none-match":
                if_none_match = value.decode("latin-1")
            elif name in _PREFLIGHT or (name == b"content-type"
                                        and value.split(b";")[0].strip() == b"application/json"):
                csrf_safe = True
            elif name == b"x-request-id":
                request_id = value
        media_type = _MEDIA_TYPES.get(accept)
        if not csrf_safe or media_type is None:
            return None
        found = self._cache.fast(query, time.time())
        if found is None:
            return None
        entry, alias = found
        rid = edge.request_id(request_id)
        response, status = answer_from(entry, media_type, rid, if_none_match)
        return response, status, alias, rid


def answer_from(entry: Entry, media_type: str, request_id: str, if_none_match: str | None
                ) -> tuple[Response, int]:
    return shared_response(entry.body, entry.etag, entry.freshness, media_type, request_id,
                           http_cacheable=True, if_none_match=if_none_match, x_cache=HIT,
                           age=entry.age(time.time()))
