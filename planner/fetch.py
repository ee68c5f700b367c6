"""The fetch graph: every load starts the moment its keys are known, and waits for nothing
else.

A selection is started over all the objects of one list level at once (the
20 products of a search page, the 4 related products): one batch per `Load`
for the level, one task per `Call`, the entity's own record alongside. When a
fetch answers, the objects below it are started in turn. Nothing waits for a
sibling: a product's reviews and their authors, or its related products and
their prices, go ahead while its stock call hangs; only the response waits,
for everything or the deadline.

What the fetches give is kept on `Node`s (one per object that has anything
fetched), for `planner.complete` to read: an outcome per fetched field, which
is the value (with `Node`s in place of the objects below), or the exception
that failed it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from graphql import OperationType

from app import errors
from app.context import RequestContext
from planner.cost import Arguments
from planner.plan import FieldPlan, Plan, Selection, Shape
from resolvers.declare import Call, Load, Read

log = logging.getLogger("bff.planner")

PENDING: Any = type("Pending", (), {"__repr__": lambda self: "PENDING"})()
"""An outcome that had not arrived when the response was made."""


class Node:
    """One object of the response that has fetched fields (or is an entity).

    For an entity, `source` is its key and `record` what its loader said (the
    record, None: it does not exist, or the exception); otherwise `source` is the
    object its fields read.
    """

    __slots__ = ("record", "source", "values")

    def __init__(self, source: Any, size: int) -> None:
        self.source = source
        self.record: Any = PENDING
        self.values: list[Any] = [PENDING] * size


class Fetches:
    """One request's fetch graph over one plan."""

    def __init__(self, plan: Plan, arguments: Arguments, ctx: RequestContext) -> None:
        self.plan = plan
        self.arguments = arguments
        self.ctx = ctx
        self.loaders = ctx.loaders
        self.root = Node(None, len(plan.root.fetched))
        self._pending = 0
        self._idle: asyncio.Future[None] | None = None
        self._calls: set[asyncio.Future[Any]] = set()
        self.broken: BaseException | None = None

    async def run(self, grace_s: float) -> bool:
        """Fetch everything the plan needs; False if the deadline (plus `grace_s`: every
        call stops at the deadline by itself, this is a backstop) came first."""
        root = self.plan.root
        if self.plan.kind is OperationType.MUTATION:  # root fields one after another
            for f in root.fetched:
                self._field(f, [self.root], [None])
                if not await self._settled(grace_s):
                    return False
            return True
        self.start(root, [self.root])
        return await self._settled(grace_s)

    async def _settled(self, grace_s: float) -> bool:
        if self._pending == 0:
            return True
        self._idle = asyncio.get_running_loop().create_future()
        budget_s = self.ctx.scope.deadline.remaining_s() + grace_s
        try:
            async with asyncio.timeout(max(budget_s, 0.0)):
                await self._idle
        except TimeoutError:
            for call in self._calls:
                call.cancel()
            return False
        return True

    def start(self, selection: Selection, nodes: list[Node]) -> None:
        """Start everything `selection` fetches for these objects of one list level."""
        if not nodes:
            return
        entity = selection.entity
        if entity is not None:
            loader = getattr(self.loaders, entity.loader)
            self._track(loader.load_many([node.source for node in nodes]),
                        partial(self._exist, selection, nodes))
        sources = [node.source for node in nodes]
        for f in selection.fetched:
            if entity is None or f.on_key:
                self._field(f, nodes, sources)

    def _exist(self, selection: Selection, nodes: list[Node], records: list[Any]) -> None:
        """An entity's record arrived: the reads that lead to more fetches can go now."""
        found = []
        for node, record in zip(nodes, records, strict=True):
            node.record = record
            if record is not None and not isinstance(record, BaseException):
                found.append(node)
        for f in selection.fetched:
            if not f.on_key and found:
                self._field(f, found, [node.record for node in found])

    def _field(self, f: FieldPlan, nodes: list[Node], sources: Sequence[Any]) -> None:
        behaviour = f.behaviour
        args = self.arguments.of(f)
        slot = f.slot
        if isinstance(behaviour, Load):
            keys, keyed = [], []
            for node, source in zip(nodes, sources, strict=True):
                try:
                    key = behaviour.key(source, args, self.ctx)
                except Exception as failure:
                    node.values[slot] = failure
                    continue
                if key is None:
                    node.values[slot] = None
                else:
                    keys.append(key)
                    keyed.append(node)
            if keys:
                loader = getattr(self.loaders, behaviour.loader)
                self._track(loader.load_many(keys), partial(self._loaded, f, keyed, args))
            return
        if isinstance(behaviour, Call):
            task = asyncio.ensure_future(_call_each(behaviour, sources, args, self.ctx))
            self._calls.add(task)
            task.add_done_callback(self._calls.discard)
            self._track(task, partial(self._prepared, f, nodes))
            return
        assert isinstance(behaviour, Read)
        children: list[Node] = []
        for node, source in zip(nodes, sources, strict=True):
            try:
                node.values[slot] = self._wrap(f.shape, behaviour.get(source, args, self.ctx),
                                               children)
            except Exception as failure:
                node.values[slot] = failure
        self._below(f, children)

    def _loaded(self, f: FieldPlan, nodes: list[Node], args: Any, outcomes: list[Any]) -> None:
        behaviour = f.behaviour
        assert isinstance(behaviour, Load)
        value = behaviour.value
        children: list[Node] = []
        slot = f.slot
        for node, outcome in zip(nodes, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                node.values[slot] = outcome
                continue
            try:
                node.values[slot] = self._wrap(f.shape, value(outcome, args), children)
            except Exception as failure:
                node.values[slot] = _quiet(failure)
        self._below(f, children)

    def _prepared(self, f: FieldPlan, nodes: list[Node], outcomes: list[Any]) -> None:
        children: list[Node] = []
        slot = f.slot
        for node, outcome in zip(nodes, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                node.values[slot] = outcome
            else:
                node.values[slot] = self._wrap(f.shape, outcome, children)
        self._below(f, children)

    def _wrap(self, shape: Shape, value: Any, children: list[Node]) -> Any:
        """The value with a `Node` for each object below that fetches (collected in
        `children`, to be started together)."""
        if value is None:
            return None
        if shape.item is not None:
            if not isinstance(value, list | tuple):
                return value  # completion says it is not a list
            item = shape.item
            return [self._wrap(item, each, children) for each in value]
        selection = shape.selection
        if selection is None or not selection.fetches:
            return value
        node = Node(value, len(selection.fetched))
        children.append(node)
        return node

    def _below(self, f: FieldPlan, children: list[Node]) -> None:
        if children:
            assert f.child is not None
            self.start(f.child, children)

    def _track(self, future: asyncio.Future[Any], then: Callable[[Any], None]) -> None:
        self._pending += 1
        future.add_done_callback(partial(self._done, then))

    def _done(self, then: Callable[[Any], None], future: asyncio.Future[Any]) -> None:
        try:
            if not future.cancelled():
                then(future.result())
        except Exception as bug:  # the response masks what is left unfilled
            log.exception("planned fetch failed", extra={
                "request_id": self.ctx.scope.request_id})
            self.broken = bug
        finally:
            self._pending -= 1
            if self._pending == 0 and self._idle is not None and not self._idle.done():
                self._idle.set_result(None)


async def _call_each(
    call: Call, sources: Sequence[Any], args: Any, ctx: RequestContext
) -> list[Any]:
    """One call per source, concurrently; each outcome its value or its exception."""
    if len(sources) == 1:
        try:
            return [await call.run(sources[0], args, ctx)]
        except Exception as failure:
            return [_quiet(failure)]
    outcomes = await asyncio.gather(*(call.run(source, args, ctx) for source in sources),
                                    return_exceptions=True)
    return [_quiet(o) if isinstance(o, Exception) else o for o in outcomes]


def _quiet(failure: Exception) -> Exception:
    """A field's expected failure keeps no traceback (its frames would hold the request);
    anything else keeps it for the log."""
    if isinstance(failure, errors.FieldError):
        failure.__traceback__ = None
    return failure
