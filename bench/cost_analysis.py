"""What static cost analysis adds per request, next to what it saves.

`python -m bench.cost_analysis [--rounds N] [--iterations N]` (self-contained: no
servers). For each contract operation, median CPU time per request, in microseconds:

1. parse + validate (what the admission cache saves on a repeated document);
2. `Admission.operation()`: select the operation, coerce variables, find its plan,
   check argument ranges and compute the cost (runs on every request: the cost
   depends on variables);
3. of which the cost estimate over the plan alone (`planner.cost.estimate`).

Prints a Markdown table. The ratio to compare is (2) against the BFF's whole CPU per
request measured by `python -m bench` (throughput scenario).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from app.admission import Admission
from app.limits import query_limits
from app.settings import load_settings
from planner.cost import estimate
from schema import build_schema

OPERATIONS = Path(__file__).resolve().parents[2] / "shared" / "contract" / "operations"
VARIABLES: dict[str, dict[str, object]] = {
    "SearchResults": {"query": "lamp", "first": 20},
    "ProductPage": {"id": "p0001", "postcode": "10115"},
    "HomeScreen": {"recoCount": 6},
    "CartView": {},
    "AddToCart": {"input": {"productId": "p0010", "quantity": 1, "idempotencyKey": "k"}},
    "RemoveFromCart": {"input": {"productId": "p0010", "idempotencyKey": "k"}},
}


def _per_call_us(call: Callable[[], object], iterations: int, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(iterations):
            call()
        samples.append((time.process_time() - started) / iterations * 1e6)
    return statistics.median(samples)


def measure(iterations: int, rounds: int) -> list[tuple[str, int, float, float, float]]:
    schema = build_schema()._schema
    limits = query_limits(load_settings({}))
    cached = Admission(schema, cache_size=64, introspection=True, limits=limits)
    uncached = Admission(schema, cache_size=0, introspection=True, limits=limits)
    rows = []
    for name, variables in VARIABLES.items():
        text = (OPERATIONS / f"{name}.graphql").read_text()
        document = cached.document(text)
        operation = cached.operation(document, None, variables)
        parse_validate = _per_call_us(lambda: uncached.document(text), iterations, rounds)  # noqa: B023
        admit = _per_call_us(lambda: cached.operation(document, None, variables),  # noqa: B023
                             iterations, rounds)
        walk = _per_call_us(
            lambda: estimate(operation.plan, operation.arguments),  # noqa: B023
            iterations, rounds,
        )
        rows.append((name, operation.cost, parse_validate, admit, walk))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    rows = measure(args.iterations, args.rounds)
    print("| operation | cost | parse + validate (µs) | admit per request (µs) "
          "| of which cost estimate (µs) |")
    print("|---|---:|---:|---:|---:|")
    for name, cost, parse_validate, admit, walk in rows:
        print(f"| {name} | {cost} | {parse_validate:.0f} | {admit:.0f} | {walk:.0f} |")


if __name__ == "__main__":
    main()
