"""Incremental delivery (`@defer`): the initial part first, each deferred fragment after it.

An operation with an active `@defer`, asked for by a client that reads
`multipart/mixed`, runs on graphql-core's incremental executor with the
reference resolvers (the planner answers such operations only as one complete
response). Early execution is on: a deferred fragment's loads start with the
rest of the operation, as the planner's would, and only its delivery waits.

Each part is shaped as a complete response is (`app.execution.shape_errors`:
masking, degradation codes) and written in the format Apollo Client and
GraphiQL read (`deferSpec=20220824`): `{"data", "errors"?, "hasNext": true}`,
then `{"incremental": [{"data", "path", "label"?, "errors"?}], "hasNext"}` until
`hasNext` is false. graphql-core speaks the newer format (`pending` ids,
`completed`, `subPath`); the ids are turned back into paths here. The run
merges every part into the initial data, so the actual cost and the degraded
components (the endpoint puts them in the last part) cover them all, and it
ends by the request's deadline: what is still pending when the backstop fires
is delivered as null with `DEADLINE_EXCEEDED`.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from typing import Any

from graphql import (
    ExecutionResult,
    ExperimentalIncrementalExecutionResults,
    GraphQLSchema,
    IncrementalDeferResult,
    experimental_execute_incrementally,
)
from graphql.execution import CompletedResult, PendingResult, SubsequentIncrementalExecutionResult

from app.admission import Operation
from app.context import RequestContext
from app.execution import deadline_error, deadline_ran_out, shape, shape_errors, within_deadline
from app.outcome import Outcome, count_degraded
from planner.account import actual_cost


async def start(
    schema: GraphQLSchema, operation: Operation, raw_variables: dict[str, Any] | None,
    ctx: RequestContext,
) -> Outcome | Deferred:
    """Run until the initial part is ready: a `Deferred` delivering the rest, or the whole
    `Outcome` when nothing was left to defer (a deferred fragment under a null, say)."""
    result = experimental_execute_incrementally(
        schema,
        operation.document.node,
        context_value=ctx,
        variable_values=raw_variables,
        operation_name=operation.name,
        enable_early_execution=True,
    )
    try:
        if not isinstance(result, ExecutionResult | ExperimentalIncrementalExecutionResults):
            result = await within_deadline(result, ctx)
    except TimeoutError:
        outcome = deadline_ran_out()
    else:
        if isinstance(result, ExperimentalIncrementalExecutionResults):
            return Deferred(result, operation, ctx)
        outcome = shape(result, operation, ctx)
    ctx.loaders.release()
    count_degraded(outcome)
    return outcome


class Deferred:
    """An operation whose initial part is ready and whose deferred parts are on their way.

    `initial` is the first payload; `parts()` yields the others, the last with
    `hasNext: false`; `outcome` holds the data merged so far, every error and the
    degraded components. `aclose()` ends the run (abandoning what is left) and must be
    called once, whether or not the parts were all read.
    """

    def __init__(
        self, results: ExperimentalIncrementalExecutionResults, operation: Operation,
        ctx: RequestContext,
    ) -> None:
        first = results.initial_result
        self._rest: AsyncGenerator[SubsequentIncrementalExecutionResult, None] = (
            results.subsequent_results
        )
        self._operation = operation
        self._ctx = ctx
        self._pending: dict[str, PendingResult] = {}
        self._finished = False
        self._closed = False
        self.outcome = Outcome(first.data)
        errors = shape_errors(first.errors, ctx, self.outcome)
        self.outcome.errors.extend(errors)
        self._expect(first.pending)
        self.initial: dict[str, Any] = {}
        if errors:
            self.initial["errors"] = errors
        self.initial["data"] = first.data
        self.initial["hasNext"] = True

    async def parts(self) -> AsyncIterator[dict[str, Any]]:
        """The subsequent payloads, until one says `hasNext: false`."""
        while True:
            try:
                result = await within_deadline(anext(self._rest), self._ctx)
            except StopAsyncIteration:  # ended without saying so: say it
                self._finish()
                yield {"hasNext": False}
                return
            except TimeoutError:
                payload = self._cut_short()
                self._finish()
                yield payload
                return
            payload = self._payload(result)
            if not result.has_next:
                self._finish()
                yield payload
                return
            yield payload

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            await self._rest.aclose()  # aborts deferred work still running
        finally:
            self._ctx.loaders.release()
            self._finish()  # cut short (the client went away): what it had is counted

    def _payload(self, result: SubsequentIncrementalExecutionResult) -> dict[str, Any]:
        self._expect(result.pending)
        incremental = [self._delivered(item) for item in result.incremental or ()
                       if isinstance(item, IncrementalDeferResult)]
        for entry in sorted(incremental, key=lambda e: len(e["path"])):  # parents first
            self._merge(entry["path"], entry["data"])
        incremental.extend(self._failed(done) for done in result.completed or () if done.errors)
        for done in result.completed or ():
            self._pending.pop(done.id, None)
        payload: dict[str, Any] = {}
        if incremental:
            payload["incremental"] = incremental
        payload["hasNext"] = result.has_next
        return payload

    def _delivered(self, item: IncrementalDeferResult) -> dict[str, Any]:
        """A deferred fragment's data, at the path its pending entry and sub-path give."""
        pending = self._pending[item.id]
        path = [*pending.path, *(item.sub_path or ())]
        entry: dict[str, Any] = {"data": item.data, "path": path}
        if pending.label is not None:
            entry["label"] = pending.label
        errors = shape_errors(item.errors, self._ctx, self.outcome)
        if errors:
            entry["errors"] = errors
            self.outcome.errors.extend(errors)
        return entry

    def _failed(self, done: CompletedResult) -> dict[str, Any]:
        """A deferred fragment whose null reached the fragment itself: no data, its errors."""
        pending = self._pending[done.id]
        errors = shape_errors(done.errors, self._ctx, self.outcome)
        self.outcome.errors.extend(errors)
        entry: dict[str, Any] = {"data": None, "path": list(pending.path)}
        if pending.label is not None:
            entry["label"] = pending.label
        entry["errors"] = errors
        return entry

    def _cut_short(self) -> dict[str, Any]:
        """The backstop fired: every fragment still pending is null, DEADLINE_EXCEEDED."""
        incremental = []
        for pending in self._pending.values():
            error = deadline_error(pending.path)
            self.outcome.errors.append(error)
            entry: dict[str, Any] = {"data": None, "path": list(pending.path)}
            if pending.label is not None:
                entry["label"] = pending.label
            entry["errors"] = [error]
            incremental.append(entry)
        self._pending.clear()
        payload: dict[str, Any] = {}
        if incremental:
            payload["incremental"] = incremental
        payload["hasNext"] = False
        return payload

    def _expect(self, pending: Sequence[PendingResult] | None) -> None:
        for entry in pending or ():
            self._pending[entry.id] = entry

    def _merge(self, path: Sequence[str | int], data: dict[str, Any]) -> None:
        """Into the data delivered so far (payloads are serialized as they are yielded, so
        changing what they hold afterwards changes nothing sent)."""
        target: Any = self.outcome.data
        for key in path:
            if isinstance(target, dict) and isinstance(key, str):
                target = target.get(key)
            elif isinstance(target, list) and isinstance(key, int) and key < len(target):
                target = target[key]
            else:
                return  # under a null
        if isinstance(target, dict):
            _merge(target, data)

    def _finish(self) -> None:
        """Settle the actual cost and count the degraded components, once, before the last
        part is handed out."""
        if self._finished:
            return
        self._finished = True
        self.outcome.actual_cost = actual_cost(self._operation.plan, self.outcome.data)
        count_degraded(self.outcome)


def _merge(target: dict[str, Any], patch: dict[str, Any]) -> None:
    """Deep-merge a deferred fragment's data into what was delivered before it."""
    for key, value in patch.items():
        present = target.get(key)
        if isinstance(present, dict) and isinstance(value, dict):
            _merge(present, value)
        elif isinstance(present, list) and isinstance(value, list):
            for before, after in zip(present, value, strict=False):
                if isinstance(before, dict) and isinstance(after, dict):
                    _merge(before, after)
        else:
            target[key] = value
