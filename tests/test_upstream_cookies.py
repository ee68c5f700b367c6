"""The shared upstream client keeps no cookies: a service that sets one on every answer
never gets one back, for any user or none, and a client's own cookies (its `bff_session`
included) are never forwarded upstream. Real servers on 127.0.0.1 throughout."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.deadline import Deadline
from app.server import create_app
from app.settings import SERVICES, load_settings
from app.tracing import Tracing
from app.upstream import CallScope, UpstreamClient
from demo.server import DemoServer
from tests.conftest import make_token, operation
from tests.scripted_http import ScriptedServer, Seen, answer
from tests.servers import BffServer

_SET_COOKIES = ("set-cookie: upstream_sid={n}; Path=/",
                "set-cookie: tracking={n}; Domain=127.0.0.1; Path=/; Max-Age=3600")


def _cookie_setter() -> Any:
    numbers = itertools.count(1)

    def handler(seen: Seen) -> Any:
        n = next(numbers)
        return answer(b"{}", headers=tuple(h.format(n=n) for h in _SET_COOKIES))

    return handler


async def test_client_sends_no_cookie_whatever_the_service_sets() -> None:
    with ScriptedServer(_cookie_setter()) as server:
        environ = {f"BFF_UPSTREAM_{s.upper()}_URL": f"{server.url}/{s}" for s in SERVICES}
        client = UpstreamClient(load_settings(environ))
        users = ["u0001", None, "u0002", None, "u0003", "u0001"]
        try:
            for user in users:
                scope = CallScope(f"req-{user}", Deadline(5000), Tracing().background(),
                                  user)
                for component in ("catalog", "pricing", "users"):
                    await client.send(component, "GET", "/things", scope,
                                      params={"ids": "p1,p2"})
                await client.send("cart", "POST", f"/carts/{user}/items", scope,
                                  json={"productId": "p1", "quantity": 1},
                                  headers={"idempotency-key": "k1",
                                           "Cookie": "upstream_sid=1; bff_session=token"})
        finally:
            await client.aclose()
    seen = server.requests
    assert len(seen) == 4 * len(users)
    assert server.opened < len(seen), "kept-alive connections carried the later calls"
    assert [r for r in seen if r.header("cookie")] == []
    assert [r.header("x-user-id") for r in seen] == [
        [user] if user else [] for user in users for _ in range(4)]
    assert all(r.header("idempotency-key") == ["k1"] for r in seen if r.method == "POST")


class CookieProxy:
    """In front of the demo upstreams: sets cookies on every answer, records what came in."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.seen: list[tuple[str, str, list[tuple[str, str]]]] = []
        self._lock = threading.Lock()
        self._count = itertools.count(1)
        self.app = Starlette(routes=[Route("/{path:path}", self._forward,
                                           methods=["GET", "POST", "DELETE"])])

    async def _forward(self, request: Request) -> Response:
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
        with self._lock:
            self.seen.append((request.method, request.url.path, headers))
        async with httpx.AsyncClient(base_url=self.target) as http:
            answer = await http.request(
                request.method, request.url.path, params=request.query_params,
                content=await request.body(),
                headers={k: v for k, v in headers if k not in ("host", "content-length")})
        n = next(self._count)
        response = Response(answer.content, answer.status_code,
                            media_type=answer.headers.get("content-type"))
        response.set_cookie("upstream_sid", str(n))
        response.set_cookie("tracking", f"t{n}", max_age=3600)
        return response

    def requests(self) -> list[tuple[str, str, list[tuple[str, str]]]]:
        with self._lock:
            return list(self.seen)


@pytest.fixture
def proxied_bff(demo_server: DemoServer) -> Iterator[tuple[CookieProxy, str, BffServer]]:
    httpx.post(f"{demo_server.base_url}/__demo/reset").raise_for_status()
    proxy = CookieProxy(demo_server.base_url)
    proxy_server = BffServer(proxy.app).start()  # any Starlette app: a uvicorn thread
    environ = {f"BFF_UPSTREAM_{s.upper()}_URL": f"{proxy_server.base_url}/{s}"
               for s in SERVICES}
    bff = BffServer(create_app(load_settings(environ, breaker_min_calls=100_000))).start()
    try:
        yield proxy, proxy_server.base_url, bff
    finally:
        bff.stop()
        proxy_server.stop()
        httpx.post(f"{demo_server.base_url}/__demo/reset").raise_for_status()


def test_no_cookie_reaches_an_upstream_through_the_bff(
    proxied_bff: tuple[CookieProxy, str, BffServer],
) -> None:
    proxy, proxy_url, bff = proxied_bff
    direct = httpx.get(f"{proxy_url}/catalog/products", params={"ids": "p0001"},
                       headers={"authorization": "Bearer x"})
    assert direct.status_code == 200
    assert direct.headers.get_list("set-cookie")[0].startswith("upstream_sid=")  # it does set
    clients: list[tuple[str, str | None, str]] = [  # request id, user, Cookie header
        ("signed-in-1", "u0001", f"bff_session={make_token('u0001')}; theme=dark; upstream_sid=7"),
        ("anonymous-1", None, "theme=dark; tracking=abc; upstream_sid=3"),
        ("signed-in-2", "u0002", f"theme=light; bff_session={make_token('u0002')}"),
        ("anonymous-2", None, ""),
    ]
    with httpx.Client(timeout=10) as http:
        def post(request_id: str, query: str, variables: dict[str, Any] | None,
                 cookie: str) -> dict[str, Any]:
            headers = {"content-type": "application/json", "x-request-id": request_id}
            if cookie:
                headers["cookie"] = cookie
            response = http.post(bff.url, json={"query": query, "variables": variables or {}},
                                 headers=headers)
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            assert "errors" not in body, body["errors"]
            return body

        for request_id, user, cookie in clients:
            for n in range(2):  # later requests on kept-alive connections too
                home = post(f"{request_id}-home-{n}", operation("HomeScreen"), None, cookie)
                assert (home["data"]["home"]["viewer"] or {}).get("id") == user
            if user:
                post(f"{request_id}-add", operation("AddToCart"), {"input": {
                    "productId": "p0010", "quantity": 1, "idempotencyKey": request_id}}, cookie)
            else:
                post(f"{request_id}-page", operation("ProductPage"),
                     {"id": "p0001", "postcode": "10115"}, cookie)
                post(f"{request_id}-search", operation("SearchResults"),
                     {"query": "lamp", "first": 5}, cookie)
    seen = [(method, path, dict(headers)) for method, path, headers in proxy.requests()
            if dict(headers).get("x-request-id", "").startswith(("signed-in", "anonymous"))]
    assert len(seen) >= 30, "the operations reached the upstreams through the proxy"
    assert [(method, path) for method, path, headers in seen if "cookie" in headers] == []
    for _, _, headers in seen:  # X-User-Id on every call for a signed-in request only
        request_id = headers["x-request-id"]
        user = next(u for rid, u, _ in clients if request_id.startswith(f"{rid}-"))
        assert headers.get("x-user-id") == user, request_id
    assert any(method == "POST" and path == "/cart/carts/u0001/items" for method, path, _ in seen)
