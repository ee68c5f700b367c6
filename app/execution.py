"""Execute an admitted operation under the request's deadline: planned, or on graphql-core.

The planner (`planner/`) runs every operation it planned, unless `BFF_PLANNER=off`;
graphql-core's executor, running the same declared behaviours, runs the rest
(introspection) and everything when the planner is off. Both give an `Outcome`
shaped the same way (`app.outcome`).
"""

from __future__ import annotations

import asyncio
from typing import Any

from graphql import ExecutionResult, GraphQLError, GraphQLSchema, execute

import planner
from app import errors
from app.admission import Operation
from app.context import RequestContext
from app.outcome import FALLBACK, Outcome, count_degraded, shape_error
from planner.account import actual_cost


async def run(
    schema: GraphQLSchema, operation: Operation, raw_variables: dict[str, Any] | None,
    ctx: RequestContext, *, planned: bool,
) -> Outcome:
    if planned and operation.plan.executable:
        outcome = await planner.execute(operation.plan, operation.arguments, ctx)
    else:
        outcome = await _reference(schema, operation, raw_variables, ctx)
    for component in ctx.loaders.fallbacks:  # stale entities served: degraded, not failed
        outcome.degraded.setdefault(component, dict(FALLBACK))
    count_degraded(outcome)
    return outcome


async def _reference(
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
                async with asyncio.timeout(
                    ctx.scope.deadline.remaining_s() + planner.BACKSTOP_GRACE_S
                ):
                    result = await result
            except TimeoutError:
                return Outcome(
                    None,
                    [{"message": "The request's deadline ran out.",
                      "extensions": {"code": errors.DEADLINE_EXCEEDED, "retryable": True}}],
                )
        return _shape(result, operation, ctx)
    finally:
        ctx.loaders.release()


def _shape(result: ExecutionResult, operation: Operation, ctx: RequestContext) -> Outcome:
    outcome = Outcome(result.data, actual_cost=actual_cost(operation.plan, result.data))
    for error in result.errors or ():
        outcome.errors.append(shape_error(
            error.original_error, error.path,
            [{"line": loc.line, "column": loc.column} for loc in error.locations or ()],
            ctx.scope.request_id, outcome.degraded, error.message,
        ))
        _drop_traceback(error)
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
