"""Execute an admitted operation under the request's deadline: planned, or on graphql-core.

The planner (`planner/`) runs every operation it planned, unless `BFF_PLANNER=off`;
graphql-core's executor, running the same declared behaviours, runs the rest
(introspection) and everything when the planner is off. Both give an `Outcome`
shaped the same way (`app.outcome`). Both give one complete response: an operation
with `@defer` answered in parts runs in `app.incremental` instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from typing import Any, TypeVar

from graphql import (
    REMOVE,
    DirectiveNode,
    DocumentNode,
    ExecutionResult,
    ExperimentalIncrementalExecutionResults,
    GraphQLError,
    GraphQLSchema,
    Visitor,
    experimental_execute_incrementally,
    visit,
)

import planner
from app import errors
from app.admission import Operation
from app.context import RequestContext
from app.outcome import FALLBACK, Outcome, count_degraded, shape_error
from planner.account import actual_cost

T = TypeVar("T")


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
    # The schema declares @defer, so graphql-core's plain `execute()` refuses it; without
    # an active @defer the incremental executor gives one result, and with one the
    # directive is dropped: one complete response, as the same query without it.
    document = operation.document.node
    if operation.plan.deferred:
        document = without_defer(document)
    result = experimental_execute_incrementally(
        schema,
        document,
        context_value=ctx,
        variable_values=raw_variables,
        operation_name=operation.name,
    )
    try:
        if isinstance(result, ExecutionResult | ExperimentalIncrementalExecutionResults):
            done = result
        else:
            try:
                done = await within_deadline(result, ctx)
            except TimeoutError:
                return deadline_ran_out()
        assert isinstance(done, ExecutionResult)  # no @defer left to deliver in parts
        return shape(done, operation, ctx)
    finally:
        ctx.loaders.release()


async def within_deadline(awaitable: Awaitable[T], ctx: RequestContext) -> T:
    """Await graphql-core's work until the deadline (and the backstop's grace) runs out.

    Every upstream call stops at the deadline on its own; this only catches what does not.
    """
    async with asyncio.timeout(ctx.scope.deadline.remaining_s() + planner.BACKSTOP_GRACE_S):
        return await awaitable


def deadline_ran_out() -> Outcome:
    return Outcome(None, [deadline_error()])


def deadline_error(path: Sequence[str | int] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"message": "The request's deadline ran out."}
    if path:
        error["path"] = list(path)
    error["extensions"] = {"code": errors.DEADLINE_EXCEEDED, "retryable": True}
    return error


def shape(result: ExecutionResult, operation: Operation, ctx: RequestContext) -> Outcome:
    outcome = Outcome(result.data, actual_cost=actual_cost(operation.plan, result.data))
    outcome.errors.extend(shape_errors(result.errors, ctx, outcome))
    return outcome


def shape_errors(
    found: Sequence[GraphQLError] | None, ctx: RequestContext, outcome: Outcome
) -> list[dict[str, Any]]:
    """graphql-core's errors as `errors[]` entries (masked unless the BFF's own); the
    degraded components they name recorded in `outcome`."""
    shaped = []
    for error in found or ():
        shaped.append(shape_error(
            error.original_error, error.path,
            [{"line": loc.line, "column": loc.column} for loc in error.locations or ()],
            ctx.scope.request_id, outcome.degraded, error.message,
        ))
        _drop_traceback(error)
    return shaped


class _WithoutDefer(Visitor):
    def enter_directive(self, node: DirectiveNode, *_: Any) -> Any:
        return REMOVE if node.name.value == "defer" else None


def without_defer(document: DocumentNode) -> DocumentNode:
    """The document with every `@defer` dropped."""
    stripped: DocumentNode = visit(document, _WithoutDefer())
    return stripped


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
