"""Planned execution: one plan per document, fetches as a graph, completion without
per-field machinery.

    plan     once per document and per `@skip`/`@include` values (`build`, kept with
             the document): the collected fields with their behaviours, shapes,
             weights, ranges and cache hints (`plan`)
    check    per request: arguments, their ranges and the estimated cost (`cost`)
    fetch    the loads, each started as soon as its keys are known (`fetch`)
    complete the response, errors and actual cost in one pass (`complete`)
    account  actual cost and cache freshness of any response, by its plan (`account`)

It imports the schema's metadata, the resolvers' declared behaviours, the
loaders, the errors and the deadline, never the HTTP layer. graphql-core's
executor, running the same behaviours (`resolvers.reference`), stays the
reference, and the fallback for what this does not plan (introspection).
"""

from __future__ import annotations

from app.context import RequestContext
from app.outcome import Outcome, shape_error
from planner.complete import Completion
from planner.cost import Arguments
from planner.fetch import Fetches
from planner.plan import Plan

BACKSTOP_GRACE_S = 0.05
"""Every upstream call stops at the deadline on its own; this only catches what does not."""


async def execute(plan: Plan, arguments: Arguments, ctx: RequestContext) -> Outcome:
    """Run an executable plan under the request's deadline."""
    fetches = Fetches(plan, arguments, ctx)
    try:
        finished = await fetches.run(BACKSTOP_GRACE_S)
        completion = Completion(plan, fetches, arguments, ctx, cut_short=not finished)
        data = completion.data()
    finally:
        ctx.loaders.release()
    outcome = Outcome(data, actual_cost=completion.cost)
    request_id = ctx.scope.request_id
    for failure, path, locations in completion.errors:
        outcome.errors.append(
            shape_error(failure, path, locations, request_id, outcome.degraded)
        )
    return outcome
