"""Shared by the resolvers: context access and the per-request loaders."""

from __future__ import annotations

from strawberry import Info

from app.context import RequestContext
from loaders import Loaders


def context(info: Info) -> RequestContext:
    ctx: RequestContext = info.context
    return ctx


def loaders(info: Info) -> Loaders:
    ctx: RequestContext = info.context
    return ctx.loaders
