"""The same BFF and schema, executed naively: no batching and no per-request de-duplication.

`python -m bench.naive_server serve [bff serve options]` is `bff serve` with one
change made before the app is imported: every per-request `BatchLoader` is
naive (`BatchLoader.naive`: no batching, no de-duplication), so each key is its
own upstream call at once (the N+1 pattern a loader-free resolver would produce, including
the repeated price lookups of `price`, `compareAtPrice` and `onSale`).
Everything else (HTTP edge, admission, resolvers, upstream client) is the
real server, so the difference with `bff serve` is what batching buys.
"""

from __future__ import annotations

import sys

from loaders.batching import BatchLoader


def make_naive() -> None:
    BatchLoader.naive = True


def main() -> int:
    make_naive()
    from app.cli import main as bff_main

    return bff_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
