"""The per-request context every resolver sees as `info.context`."""

from __future__ import annotations

from dataclasses import dataclass

from app.settings import Settings
from app.upstream import CallScope
from loaders import Loaders


@dataclass(slots=True)
class RequestContext:
    """Built at the edge for one request and dropped with it (nothing outlives it)."""

    settings: Settings
    scope: CallScope
    loaders: Loaders

    @property
    def user_id(self) -> str | None:
        return self.scope.user_id
