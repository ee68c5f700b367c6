"""From an HTTP request to a GraphQL request: `{query, operationName, variables, extensions,
documentId}`, or a BAD_REQUEST naming what is wrong."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from app import errors

FIELDS = ("query", "operationName", "variables", "extensions", "documentId")


@dataclass(frozen=True, slots=True)
class GraphQLRequest:
    query: str | None
    operation_name: str | None
    variables: dict[str, Any] | None
    extensions: dict[str, Any] | None
    document_id: str | None


def bad_request(message: str) -> errors.RequestError:
    return errors.RequestError(errors.BAD_REQUEST, message, 400)


def from_json_body(body: bytes) -> GraphQLRequest:
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise bad_request("The request body is not valid JSON.") from None
    if isinstance(payload, list):
        raise bad_request("Batched operations are not supported: send one operation per request.")
    if not isinstance(payload, dict):
        raise bad_request("The request body must be a JSON object.")
    return _from_mapping(payload)


def from_query_params(params: Mapping[str, str]) -> GraphQLRequest:
    decoded: dict[str, Any] = {key: params[key] for key in FIELDS if key in params}
    for key in ("variables", "extensions"):
        if key in decoded:
            raw = decoded[key]
            if raw == "":
                decoded[key] = None
                continue
            try:
                decoded[key] = orjson.loads(raw)
            except orjson.JSONDecodeError:
                raise bad_request(f"The `{key}` parameter is not valid JSON.") from None
    return _from_mapping(decoded)


def _from_mapping(payload: Mapping[str, Any]) -> GraphQLRequest:
    query = payload.get("query")
    operation_name = payload.get("operationName")
    variables = payload.get("variables")
    extensions = payload.get("extensions")
    document_id = payload.get("documentId")
    if query is not None and not isinstance(query, str):
        raise bad_request("`query` must be a string.")
    if operation_name is not None and not isinstance(operation_name, str):
        raise bad_request("`operationName` must be a string.")
    if variables is not None and not isinstance(variables, dict):
        raise bad_request("`variables` must be a JSON object.")
    if extensions is not None and not isinstance(extensions, dict):
        raise bad_request("`extensions` must be a JSON object.")
    if document_id is not None and not isinstance(document_id, str):
        raise bad_request("`documentId` must be a string.")
    return GraphQLRequest(query, operation_name or None, variables, extensions, document_id)
