"""`bff cost`: what a query will cost, field by field, for client developers."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

import orjson

from app import errors
from app.admission import Admission
from app.limits import query_limits
from app.settings import Settings
from planner.cost import estimate


def report(settings: Settings, query: str, variables: dict[str, Any] | None,
           operation_name: str | None) -> tuple[str, bool]:
    """The breakdown as text, and whether the cost is over the limit.

    Raises `RequestError` for a query refused for any other reason (invalid,
    too deep, ...).
    """
    from schema import build_schema

    schema = build_schema()._schema
    limits = dataclasses.replace(query_limits(settings), max_cost=sys.maxsize)
    admission = Admission(schema, cache_size=0, introspection=True, limits=limits)
    document = admission.document(query)
    operation = admission.operation(document, operation_name, variables)
    analysis = estimate(operation.plan, operation.arguments, breakdown=True)
    width = max([len(f.path) for f in analysis.fields] + [5])
    lines = [f"{'field':<{width}}  weight  x size  = total"]
    for item in sorted(analysis.fields, key=lambda f: f.path):
        lines.append(f"{item.path:<{width}}  {item.weight:>6}  {item.multiplier:>6}  "
                     f"{item.total:>7}")
    over = analysis.cost > settings.max_cost
    verdict = "OVER the limit" if over else "within the limit"
    lines.append(f"{'TOTAL':<{width}}  {'':>6}  {'':>6}  {analysis.cost:>7}"
                 f"   ({verdict} BFF_MAX_COST={settings.max_cost})")
    return "\n".join(lines), over


def run(settings: Settings, query: str | None, file: str | None, variables: str | None,
        operation_name: str | None) -> int:
    if file:
        query = Path(file).read_text(encoding="utf-8")
    if not query:
        print("bff cost: give a QUERY or --file FILE", file=sys.stderr)
        return 2
    try:
        parsed = orjson.loads(variables) if variables else None
    except orjson.JSONDecodeError:
        print("bff cost: --variables is not valid JSON", file=sys.stderr)
        return 2
    try:
        text, over = report(settings, query, parsed, operation_name)
    except errors.RequestError as refusal:
        extra = refusal.extensions
        figures = f" (limit {extra['limit']}, measured {extra['measured']})" \
            if "limit" in extra else ""
        print(f"bff cost: {refusal.code}: {refusal.message}{figures}", file=sys.stderr)
        return 1
    print(text)
    return 1 if over else 0
