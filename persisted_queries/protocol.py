"""The persisted-query protocol as clients speak it (HTTP.md "Persisted queries").

Reads what a request asks for (APQ `extensions.persistedQuery`, a `documentId`,
or plain text) and defines the protocol's refusals with Apollo Router's codes
and statuses, so Apollo Client and Relay-style clients work unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from app.errors import BAD_REQUEST, RequestError
from app.graphql_http.decode import GraphQLRequest

PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
PERSISTED_QUERY_HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"
PERSISTED_QUERY_NOT_IN_LIST = "PERSISTED_QUERY_NOT_IN_LIST"
QUERY_NOT_IN_SAFELIST = "QUERY_NOT_IN_SAFELIST"

SUPPORTED_VERSION = 1
MAX_KEY_CHARS = 256
# Errors of the protocol must never be cached: the next request may succeed.
NO_CACHE = {"cache-control": "private, no-cache, must-revalidate"}
SHA256_HEX = re.compile(r"^[0-9a-fA-F]{64}$")


@dataclass(frozen=True, slots=True)
class PersistedRef:
    """A request for a stored document: by APQ hash (maybe with its text) or by documentId."""

    kind: Literal["apq", "document_id"]
    key: str
    query: str | None = None


def _bad(message: str) -> RequestError:
    return RequestError(BAD_REQUEST, message, 400, headers=dict(NO_CACHE))


def persisted_ref(request: GraphQLRequest) -> PersistedRef | None:
    """What the request names, or None for plain query text; BAD_REQUEST if malformed."""
    extension = (request.extensions or {}).get("persistedQuery")
    if extension is not None:
        if request.document_id is not None:
            raise _bad("Send either `documentId` or `extensions.persistedQuery`, not both.")
        if not isinstance(extension, dict):
            raise _bad("`extensions.persistedQuery` must be an object.")
        version = extension.get("version")
        if version != SUPPORTED_VERSION or isinstance(version, bool):
            raise _bad(
                f"Unsupported persisted query version {version!r}: this server supports "
                f"version {SUPPORTED_VERSION}."
            )
        key = extension.get("sha256Hash")
        if not isinstance(key, str) or not key or len(key) > MAX_KEY_CHARS:
            raise _bad("`extensions.persistedQuery.sha256Hash` must be a non-empty string.")
        return PersistedRef("apq", _normal_key(key), request.query or None)
    if request.document_id is not None:
        key = request.document_id
        if not key or len(key) > MAX_KEY_CHARS:
            raise _bad("`documentId` must be a non-empty string of at most 256 characters.")
        if request.query:
            raise _bad("Send either `documentId` or `query`, not both.")
        return PersistedRef("document_id", _normal_key(key))
    return None


def _normal_key(key: str) -> str:
    """Hex digests compare case-insensitively; other manifest ids are taken as they are."""
    prefix, _, rest = key.rpartition(":")
    if SHA256_HEX.match(rest) and prefix in ("", "sha256"):
        return key.lower()
    return key


def not_found() -> RequestError:
    """Unknown APQ hash: Apollo Client answers by re-sending with the query text."""
    return RequestError(
        PERSISTED_QUERY_NOT_FOUND, "PersistedQueryNotFound", 200, headers=dict(NO_CACHE)
    )


def hash_mismatch() -> RequestError:
    return RequestError(
        PERSISTED_QUERY_HASH_MISMATCH,
        "The provided sha256Hash does not match the query: it must be the SHA-256 hex "
        "digest of the exact query text.",
        400,
        headers=dict(NO_CACHE),
    )


def not_in_list(key: str) -> RequestError:
    return RequestError(
        PERSISTED_QUERY_NOT_IN_LIST,
        f"Persisted query '{key[:80]}' is not in the persisted query list.",
        404,
        headers=dict(NO_CACHE),
    )


def not_in_safelist() -> RequestError:
    return RequestError(
        QUERY_NOT_IN_SAFELIST,
        "This server only runs operations from its persisted query list; this query is "
        "not in it.",
        403,
        headers=dict(NO_CACHE),
    )
