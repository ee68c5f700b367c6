"""Building blocks shared by the demo services: the request view, errors and parameters."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Final, TypeVar

import orjson
from starlette.types import Receive

if TYPE_CHECKING:
    from demo.state import DemoState

SERVICES: Final = (
    "users", "catalog", "pricing", "inventory", "reviews",
    "recommendations", "cart", "orders", "promotions", "shipping",
)
MAX_BATCH: Final = 100

# Shuffles, fault rates and latency draws: deliberately NOT seeded.
chaos: Final = random.Random()

T = TypeVar("T")


class ServiceError(Exception):
    """An error answer in the contract's shape: ``{"error": code, "message": ...}``."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def body(self) -> bytes:
        return error_body(self.code, self.message)


def error_body(code: str, message: str) -> bytes:
    return orjson.dumps({"error": code, "message": message})


@dataclass(frozen=True, slots=True)
class Raw:
    """A pre-encoded answer (an idempotent replay must be byte-identical)."""

    status: int
    body: bytes


@dataclass(slots=True)
class Call:
    """What a service handler sees of one request."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    path_params: dict[str, str]
    receive: Receive
    state: DemoState

    async def body(self) -> bytes:
        chunks: list[bytes] = []
        while True:
            message = await self.receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def json(self) -> Any:
        try:
            return orjson.loads(await self.body())
        except orjson.JSONDecodeError as exc:
            raise ServiceError(400, "invalid_body", "the body is not valid JSON") from exc


Handler = Callable[[Call], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One route of a service. ``list_key`` is the top-level key the wrong_shape fault breaks."""

    method: str
    template: str
    handler: Handler
    list_key: str


def batch_ids(call: Call) -> list[str]:
    """The ``ids`` parameter, deduplicated, enforcing the contract's 1..100 ids."""
    raw = call.query.get("ids", "")
    ids = [i for i in map(str.strip, raw.split(",")) if i]
    if not ids:
        raise ServiceError(400, "missing_ids", "ids is required: ?ids=a,b,c")
    if len(ids) > MAX_BATCH:
        raise ServiceError(
            400, "too_many_ids", f"at most {MAX_BATCH} ids per call, got {len(ids)}"
        )
    return list(dict.fromkeys(ids))


def required(call: Call, name: str) -> str:
    value = call.query.get(name, "").strip()
    if not value:
        raise ServiceError(400, f"missing_{name.lower()}", f"{name} is required")
    return value


def int_param(call: Call, name: str, low: int, high: int, default: int) -> int:
    """An integer query parameter in ``low..high``; out of range is a 400, never clamped."""
    raw = call.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ServiceError(400, f"invalid_{name}", f"{name} must be an integer") from None
    if not low <= value <= high:
        raise ServiceError(400, f"invalid_{name}", f"{name} must be in {low}..{high}")
    return value


_PERMUTATIONS_PER_SIZE: Final = 64
_permutations: dict[int, list[Callable[[list[Any]], tuple[Any, ...]]]] = {}


def _permutations_of(size: int) -> list[Callable[[list[Any]], tuple[Any, ...]]]:
    getters = _permutations.get(size)
    if getters is None:
        getters = []
        for _ in range(_PERMUTATIONS_PER_SIZE):
            order = list(range(size))
            chaos.shuffle(order)
            getters.append(itemgetter(*order))
        _permutations[size] = getters
    return getters


def shuffled(items: list[T]) -> list[T]:
    """Batch answers come in random order, as the contract allows: clients must map by id.

    One of 64 precomputed permutations per size: random.shuffle costs ~0.7 us per item,
    too much on the benchmarks' hot path.
    """
    if len(items) < 2:
        return items
    return list(chaos.choice(_permutations_of(len(items)))(items))
