"""Experiment: `gc.freeze()` once the GraphQL endpoint is built (process start-up).

Moves the ~85k long-lived objects of start-up (schema, Strawberry and graphql-core
types, pydantic validators) to the permanent generation, so that the full (gen2)
collections triggered by per-request cyclic garbage stop re-scanning them. The real
change: `gc.collect(); gc.freeze()` at the end of start-up in app/server.py.
"""

from __future__ import annotations

import gc
import sys
from typing import Any

import bench.experiments.gcprobe  # noqa: F401  (GC pauses logged, as in the baseline)

try:
    import app.graphql_http.endpoint as _endpoint
except Exception as exc:  # the server's code may be mid-edit
    sys.stderr.write(f"gc_freeze experiment not applied: {exc}\n")
else:
    _original = _endpoint.GraphQLEndpoint.__init__

    def _init_then_freeze(self: Any, *args: Any, **kwargs: Any) -> None:
        _original(self, *args, **kwargs)
        gc.collect()
        gc.freeze()
        sys.stderr.write(f"gc_freeze experiment: {gc.get_freeze_count()} objects frozen\n")

    _endpoint.GraphQLEndpoint.__init__ = _init_then_freeze  # type: ignore[method-assign]
