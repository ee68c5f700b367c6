"""The same BFF and schema, executed naively: no batching and no per-request de-duplication.

`python -m bench.naive_server serve [bff serve options]` is `bff serve` with one
change made before the app is imported: every `aiodataloader.DataLoader` is
created with `batch=False, cache=False`, so each `load()` is its own upstream
call at once (the N+1 pattern a loader-free resolver would produce, including
the repeated price lookups of `price`, `compareAtPrice` and `onSale`).
Everything else (HTTP edge, admission, resolvers, upstream client) is the
real server, so the difference with `bff serve` is what batching buys.
"""

from __future__ import annotations

import sys
from typing import Any

import aiodataloader


def make_naive() -> None:
    original = aiodataloader.DataLoader.__init__

    def naive_init(self: aiodataloader.DataLoader, *args: Any, **kwargs: Any) -> None:
        kwargs["batch"] = False
        kwargs["cache"] = False
        original(self, *args, **kwargs)

    aiodataloader.DataLoader.__init__ = naive_init  # type: ignore[method-assign]


def main() -> int:
    make_naive()
    from app.cli import main as bff_main

    return bff_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
