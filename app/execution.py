"""Execute an admitted operation under the request's deadline and shape the result.

Shaping is where the whitelist holds for errors: only errors the BFF raised
on purpose keep their message; anything else is masked as
INTERNAL_SERVER_ERROR and its details go to the log alone.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from graphql import ExecutionResult, GraphQLError, GraphQLSchema, execute

from app import errors, metrics
from app.admission import Operation
from app.context import RequestContext

log = logging.getLogger("bff.execution")

# Resolvers stop at the deadline on their own (every upstream call is bounded by
# it); this backstop only fires if something else holds execution up.
BACKSTOP_GRACE_S = 0.05


@dataclass(slots=True)
class Outcome:
    data: dict[str, Any] | None
    errors: list[dict[str, Any]] = field(default_factory=list)
    degraded: dict[str, dict[str, str]] = field(default_factory=dict)


async def run(
    schema: GraphQLSchema, operation: Operation, raw_variables: dict[str, Any] | None,
    ctx: RequestContext,
) -> Outcome:
    result = execute(
        schema,
        operation.document.node,
        context_value=ctx,
        variable_values=raw_variables,
        operation_name=operation.name,
    )
    try:
        if not isinstance(result, ExecutionResult):
            try:
                async with asyncio.timeout(ctx.scope.deadline.remaining_s() + BACKSTOP_GRACE_S):
                    result = await result
            except TimeoutError:
                return Outcome(
                    None,
                    [{"message": "The request's deadline ran out.",
                      "extensions": {"code": errors.DEADLINE_EXCEEDED, "retryable": True}}],
                )
        return shape(result, ctx)
    finally:
        ctx.loaders.release()


def shape(result: ExecutionResult, ctx: RequestContext) -> Outcome:
    outcome = Outcome(result.data)
    for error in result.errors or ():
        outcome.errors.append(_shape_error(error, ctx, outcome.degraded))
        _drop_traceback(error)
    for component, state in outcome.degraded.items():
        metrics.DEGRADED.labels(component, state["reason"]).inc()
    return outcome


def _drop_traceback(error: GraphQLError) -> None:
    """Once shaped (and logged), an error's traceback only keeps its frames alive.

    Those frames hold the executor, which holds the errors: a reference cycle per
    failed field that only a full collection frees (long pauses under a failing
    dependency: bench/results, deadline scenario).
    """
    error.__traceback__ = None
    if error.original_error is not None:
        error.original_error.__traceback__ = None
        error.original_error.__context__ = None


def _shape_error(
    error: GraphQLError, ctx: RequestContext, degraded: dict[str, dict[str, str]]
) -> dict[str, Any]:
    original = error.original_error
    if isinstance(original, errors.FieldError):
        message = original.message
        extensions = original.extensions()
        if isinstance(original, errors.DependencyError):
            degraded.setdefault(original.component, {"status": "error", "reason": original.code})
    else:
        log.error(
            "unexpected error while executing",
            exc_info=(type(original), original, original.__traceback__) if original else None,
            extra={"request_id": ctx.scope.request_id, "path": error.path,
                   "error": error.message if original is None else repr(original)},
        )
        message = "Internal server error."
        extensions = {"code": errors.INTERNAL_SERVER_ERROR}
    shaped: dict[str, Any] = {"message": message}
    if error.locations:
        shaped["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path:
        shaped["path"] = error.path
    shaped["extensions"] = extensions
    return shaped
