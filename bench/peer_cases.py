"""What the peers scenario sends to every server, and the first answer checked before load.

Three cases, the same request bytes to the BFF and to each Node peer: the search grid and
the signed-in home screen by POST, and the home screen as a hash-only APQ GET. Before a
server is loaded with a case, one request shows whether it answers it completely (data,
no errors) and with which data: a server answering less, or differently, would not be
measured doing the same work. For the GET, the hash is registered the way Apollo Client
does it (hash-only GET; on `PERSISTED_QUERY_NOT_FOUND`, POST the query with the hash; GET
again); a server that still does not answer the hash-only GET is reported as not
supporting it, and is not measured with anything else instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from bench import operations
from bench.loadgen.spec import LoadSpec

CURSOR_KEYS = frozenset({"cursor", "startCursor", "endCursor"})
"""Opaque per the contract: each server encodes its own, so data is compared without them."""


@dataclass(frozen=True)
class Case:
    key: str
    request: operations.Request
    method: str
    executed_target: bool
    """Whether the issue's req/s goal against Mercurius applies (the two POSTed operations)."""

    def headers(self) -> dict[str, str]:
        base = self.request.post_headers() if self.method == "POST" else {
            **operations.GET_HEADERS, **self.request.headers}
        return {**base, **operations.LONG_BUDGET}

    def url(self, graphql_url: str) -> str:
        return graphql_url if self.method == "POST" else operations.persisted_get_url(
            graphql_url, self.request)

    def spec(self, graphql_url: str, clients: int, duration_s: float) -> LoadSpec:
        bodies = [self.request.body()] if self.method == "POST" else []
        return LoadSpec(self.url(graphql_url), self.method, self.headers(), bodies, clients,
                        duration_s)


def cases() -> list[Case]:
    search = operations.search_results()
    home = operations.home_screen(signed_in=True)
    return [
        Case("SearchResults POST", search, "POST", True),
        Case("HomeScreen POST", home, "POST", True),
        Case("HomeScreen APQ GET", home, "GET", False),
    ]


@dataclass
class Answer:
    """A server's first answer to a case: complete or not, its data, what it took."""

    complete: bool
    detail: str
    data: Any = None
    size: int = 0
    steps: list[dict[str, Any]] = field(default_factory=list)


def _observe(step: str, response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    errors = body.get("errors") if isinstance(body, dict) else None
    codes = [e.get("extensions", {}).get("code") for e in errors or [] if isinstance(e, dict)]
    return {"step": step, "status": response.status_code, "error_codes": codes,
            "has_data": isinstance(body, dict) and body.get("data") is not None,
            "first_error": (errors or [{}])[0].get("message") if errors else None}


def _complete(response: httpx.Response) -> bool:
    if response.status_code != 200:
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("data") is not None and not body.get("errors")


def _answer(response: httpx.Response, steps: list[dict[str, Any]]) -> Answer:
    if not _complete(response):
        last = steps[-1]
        detail = f"HTTP {last['status']}"
        if last["error_codes"] or last["first_error"]:
            detail += f", errors {last['error_codes']}: {last['first_error']}"
        return Answer(False, detail, steps=steps)
    return Answer(True, "complete", without_cursors(response.json()["data"]),
                  len(response.content), steps)


def first_answer(case: Case, graphql_url: str) -> Answer:
    with httpx.Client(timeout=30.0) as client:
        if case.method == "POST":
            response = client.post(graphql_url, content=case.request.body(),
                                   headers=case.headers())
            return _answer(response, [_observe("POST query", response)])
        url = case.url(graphql_url)
        response = client.get(url, headers=case.headers())
        steps = [_observe("GET hash only", response)]
        if _complete(response):
            steps[-1]["note"] = "hash already known (e.g. a shipped manifest)"
            return _answer(response, steps)
        if "PERSISTED_QUERY_NOT_FOUND" not in steps[-1]["error_codes"]:
            answer = _answer(response, steps)
            answer.detail = f"hash-only GET not accepted ({answer.detail})"
            return answer
        req = case.request
        register = orjson.dumps({
            "query": req.query, "variables": req.variables, "operationName": req.name,
            "extensions": {"persistedQuery": {"version": 1, "sha256Hash": req.sha256}},
        })
        posted = client.post(graphql_url, content=register, headers=req.post_headers())
        steps.append(_observe("APQ register (POST query + hash)", posted))
        response = client.get(url, headers=case.headers())
        steps.append(_observe("GET hash only, after registering", response))
        answer = _answer(response, steps)
        if not answer.complete:
            answer.detail = f"hash-only GET not answered after registering ({answer.detail})"
        return answer


def without_cursors(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_cursors(v) for k, v in value.items() if k not in CURSOR_KEYS}
    if isinstance(value, list):
        return [without_cursors(v) for v in value]
    return value


def apq_protocol(steps: list[dict[str, Any]]) -> str:
    """How a server took the hash-only GET, in one line for the results."""
    first = steps[0]
    if first.get("note"):
        return f"hash-only GET answered at once (HTTP {first['status']}: {first['note']})"
    parts = [f"unknown hash: HTTP {first['status']} {','.join(map(str, first['error_codes']))}"]
    parts += [f"{s['step']}: HTTP {s['status']}" for s in steps[1:]]
    return "; ".join(parts)
