"""One request sent to both executors over real HTTP, and both answers read back.

The two BFF servers differ only in `BFF_PLANNER` and share the demo upstreams,
so whatever differs between their answers is the executors' doing. Requests
go one at a time: the demo's state is the same for both, and neither server
competes with the other for the CPU (they share one process and its GIL), which
matters when a request runs into its deadline: the server's backstop gives
the execution 50 ms past the deadline, and a busy neighbour could take those.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import httpx

from tests.conftest import make_token
from tests.servers import BffServer, Demo

GENEROUS_BUDGET_MS = 5000
"""The budget every request asks for unless it says otherwise (the server's maximum): a
busy machine must not turn slowness into a difference. The deadline is compared where it
is the point, with a hanging service and a short budget (test_generated.py)."""


@dataclass(frozen=True, slots=True)
class Request:
    """What a client sends: the document, its variables, who is signed in, its budget."""

    query: str
    variables: dict[str, Any] | None = None
    operation_name: str | None = None
    user: str | None = None
    timeout_ms: int | None = GENEROUS_BUDGET_MS
    label: str = field(default="", compare=False)

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"query": self.query}
        if self.variables is not None:
            body["variables"] = self.variables
        if self.operation_name is not None:
            body["operationName"] = self.operation_name
        return body

    def headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self.user is not None:
            headers["Authorization"] = f"Bearer {_token(self.user)}"
        if self.timeout_ms is not None:
            headers["X-Request-Timeout-Ms"] = str(self.timeout_ms)
        return headers

    def describe(self) -> str:
        lines = [f"query:\n{self.query}", f"variables: {json.dumps(self.variables)}"]
        if self.operation_name:
            lines.append(f"operationName: {self.operation_name}")
        lines.append(f"user: {self.user or 'anonymous'}")
        if self.timeout_ms is not None:
            lines.append(f"X-Request-Timeout-Ms: {self.timeout_ms}")
        if self.label:
            lines.append(f"from: {self.label}")
        return "\n".join(lines)


@cache
def _token(user: str) -> str:
    """One token per user for the whole session (valid for an hour)."""
    return make_token(user)


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP answer: status and the JSON body (dicts keep the order the server wrote),
    and the X-Request-Id it was sent with (the demo logs it with every upstream call)."""

    status: int
    body: Any
    text: str
    request_id: str = ""

    @classmethod
    def of(cls, response: httpx.Response, request_id: str = "") -> Answer:
        try:
            body = json.loads(response.text)
        except ValueError:
            body = None
        return cls(response.status_code, body, response.text, request_id)


class Pair:
    """The planned server and the reference server, driven together."""

    def __init__(self, planned: BffServer, reference: BffServer, demo: Demo) -> None:
        self.planned = planned
        self.reference = reference
        self.demo = demo
        self.http = httpx.Client(timeout=30)

    def send(
        self, request: Request, *, prepare: Callable[[], None] | None = None
    ) -> tuple[Answer, Answer]:
        """(planned, reference), one after the other; `prepare` runs before each path
        (e.g. reset the carts, so a mutation meets the same state on both)."""
        answers = []
        for server in (self.planned, self.reference):
            if prepare is not None:
                prepare()
            answers.append(self._post(server, request))
        return answers[0], answers[1]

    def send_each(
        self, requests: list[Request], *, prepare: Callable[[], None] | None = None
    ) -> list[tuple[Answer, Answer]]:
        """A sequence (e.g. a mutation and its replay) on the planned server, then on the
        reference server, `prepare` running before each path."""
        paths = []
        for server in (self.planned, self.reference):
            if prepare is not None:
                prepare()
            paths.append([self._post(server, request) for request in requests])
        return list(zip(paths[0], paths[1], strict=True))

    def _post(self, server: BffServer, request: Request) -> Answer:
        request_id = f"differential-{uuid.uuid4().hex}"
        headers = {**request.headers(), "X-Request-Id": request_id}
        response = self.http.post(server.url, json=request.body(), headers=headers)
        return Answer.of(response, request_id)

    def close(self) -> None:
        self.http.close()
