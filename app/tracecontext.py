"""W3C trace context: the `traceparent` the BFF forwards to upstreams."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")


@dataclass(frozen=True, slots=True)
class TraceContext:
    trace_id: str
    span_id: str
    flags: str = "01"

    @classmethod
    def from_header(cls, value: str | None) -> TraceContext:
        """Continue the client's trace with a new span of ours, or start a new trace."""
        if value:
            match = _TRACEPARENT.match(value.strip().lower())
            if match and match.group(1) != "0" * 32 and match.group(2) != "0" * 16:
                return cls(match.group(1), secrets.token_hex(8), match.group(3))
        return cls(secrets.token_hex(16), secrets.token_hex(8))

    def child_header(self) -> str:
        """A traceparent for one upstream call: same trace, a fresh span id."""
        return f"00-{self.trace_id}-{secrets.token_hex(8)}-{self.flags}"
