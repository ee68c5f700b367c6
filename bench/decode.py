"""What decoding one upstream answer costs, per way of decoding it: CPU µs per answer.

`python -m bench.decode [--rounds R] [--target-ms T]`: starts the demo upstreams in
this process (a background thread), fetches real answers once (a 20-product catalog
answer, its prices, stock and review summaries, five users, a cart, a page of five
reviews), stops them, then decodes each answer with each candidate:

- pydantic models + `TypeAdapter.validate_json` (the records before msgspec: the baseline),
- frozen slotted pydantic dataclasses + `validate_json`,
- pydantic TypedDicts + `validate_json` (plain dicts: a reference, not a candidate),
- msgspec Structs (`loaders/records.py`, what the BFF uses), `msgspec.json.Decoder`,
- `orjson.loads` with no checks at all (the floor of parsing, not a candidate).

Every candidate must produce the same data as the baseline and none of the
upstream-only fields; the run stops otherwise. Rounds are interleaved and each
figure is the median over the rounds, so every ratio comes from the same run.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import httpx
import msgspec
import orjson
from pydantic import TypeAdapter

from bench.decoding import pydantic_dataclasses, pydantic_models, typed_dicts
from demo.server import DemoServer
from loaders import records

_PRODUCTS = ",".join(f"p{n:04d}" for n in range(1, 21))
_USERS = ",".join(f"u{n:04d}" for n in range(1, 6))

ANSWERS: dict[str, tuple[str, str]] = {
    "catalog, 20 products": ("Products", f"/catalog/products?ids={_PRODUCTS}"),
    "pricing, 20 prices": ("Prices", f"/pricing/prices?ids={_PRODUCTS}&currency=USD"),
    "inventory, 20 stock": ("StockList", f"/inventory/stock?ids={_PRODUCTS}"),
    "reviews, 20 summaries": ("Summaries", f"/reviews/summaries?ids={_PRODUCTS}"),
    "users, 5": ("Users", f"/users/users?ids={_USERS}"),
    "cart": ("Cart", "/cart/carts/u0001"),
    "reviews, page of 5": ("ReviewPage", "/reviews/reviews?productId=p0001&limit=5"),
}
UPSTREAM_ONLY = (
    "internalCost", "supplierId", "sku", "categoryId", "marginBps", "warehouseId",
    "moderationBacklog", "email", "fraudScore", "segmentScore", "internalNote",
    "authorEmail", "moderationScore",
)

Decode = Callable[[bytes], Any]
Dump = Callable[[Any], Any]


def _pydantic(module: Any, shape: str) -> tuple[Decode, Dump]:
    adapter: TypeAdapter[Any] = TypeAdapter(getattr(module, shape))
    return adapter.validate_json, lambda value: adapter.dump_python(value, by_alias=True)


def _msgspec(shape: str) -> tuple[Decode, Dump]:
    return msgspec.json.Decoder(getattr(records, shape)).decode, msgspec.to_builtins


CANDIDATES: dict[str, Callable[[str], tuple[Decode, Dump]]] = {
    "pydantic models (before)": lambda shape: _pydantic(pydantic_models, shape),
    "pydantic dataclasses": lambda shape: _pydantic(pydantic_dataclasses, shape),
    "pydantic TypedDicts": lambda shape: _pydantic(typed_dicts, shape),
    "msgspec Structs (now)": _msgspec,
    "orjson.loads, no checks": lambda shape: (orjson.loads, lambda value: value),
}
BASELINE, CHOSEN, FLOOR = "pydantic models (before)", "msgspec Structs (now)", \
    "orjson.loads, no checks"


def fetch_answers() -> dict[str, bytes]:
    server = DemoServer()
    server.start()
    try:
        with httpx.Client(base_url=server.base_url, timeout=10,
                          headers={"authorization": "Bearer bench"}) as http:
            bodies = {}
            for name, (_, path) in ANSWERS.items():
                response = http.get(path)
                response.raise_for_status()
                bodies[name] = response.content
            return bodies
    finally:
        server.stop()


def check(bodies: dict[str, bytes]) -> None:
    """Every candidate (but the floor) gives the baseline's data and drops the extra fields."""
    for name, (shape, _) in ANSWERS.items():
        decode, dump = CANDIDATES[BASELINE](shape)
        expected = dump(decode(bodies[name]))
        for candidate, make in CANDIDATES.items():
            if candidate == FLOOR:
                continue
            decode, dump = make(shape)
            got = dump(decode(bodies[name]))
            if got != expected:
                raise SystemExit(f"{candidate} decodes {name} differently from {BASELINE}")
            leaked = [key for key in UPSTREAM_ONLY if f'"{key}"' in orjson.dumps(got).decode()]
            if leaked:
                raise SystemExit(f"{candidate} kept upstream-only fields of {name}: {leaked}")


def _time_once(decode: Decode, body: bytes, loops: int) -> float:
    started = time.process_time()
    for _ in range(loops):
        decode(body)
    return (time.process_time() - started) / loops * 1e6


def measure(bodies: dict[str, bytes], rounds: int, target_ms: float
            ) -> dict[str, dict[str, float]]:
    """answer → candidate → median CPU µs per decode."""
    samples: dict[str, dict[str, list[float]]] = {a: {c: [] for c in CANDIDATES} for a in ANSWERS}
    decoders = {a: {c: make(ANSWERS[a][0])[0] for c, make in CANDIDATES.items()}
                for a in ANSWERS}
    loops = {a: {c: max(1, int(target_ms * 1000 / max(_time_once(d, bodies[a], 20), 0.1)))
                 for c, d in decoders[a].items()} for a in ANSWERS}
    for _ in range(rounds):
        for answer in ANSWERS:
            for candidate, decode in decoders[answer].items():
                samples[answer][candidate].append(
                    _time_once(decode, bodies[answer], loops[answer][candidate]))
    return {a: {c: statistics.median(s) for c, s in by_c.items()} for a, by_c in samples.items()}


def table(bodies: dict[str, bytes], results: dict[str, dict[str, float]]) -> str:
    names = list(CANDIDATES)
    lines = ["| answer | bytes | " + " | ".join(names) + " | before / now |",
             "|---|---:|" + "---:|" * len(names) + "---:|"]
    totals = dict.fromkeys(names, 0.0)
    for answer, by_candidate in results.items():
        for name in names:
            totals[name] += by_candidate[name]
        cells = " | ".join(f"{by_candidate[n]:,.1f}" for n in names)
        ratio = by_candidate[BASELINE] / by_candidate[CHOSEN]
        lines.append(f"| {answer} | {len(bodies[answer]):,} | {cells} | {ratio:.1f}x |")
    cells = " | ".join(f"**{totals[n]:,.1f}**" for n in names)
    lines.append(f"| all seven | {sum(len(b) for b in bodies.values()):,} | {cells} | "
                 f"**{totals[BASELINE] / totals[CHOSEN]:.1f}x** |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--target-ms", type=float, default=30.0,
                        help="CPU time of one measurement (loops are sized to it)")
    args = parser.parse_args()
    bodies = fetch_answers()
    check(bodies)
    results = measure(bodies, args.rounds, args.target_ms)
    print("CPU µs per decoded answer (median of "
          f"{args.rounds} interleaved rounds, `python -m bench.decode`):\n")
    print(table(bodies, results))


if __name__ == "__main__":
    main()
