"""Logs every garbage collection pause over 1 ms to stderr: `gc_probe gen=G ms=M collected=N`.

Imported by the experiments' `sitecustomize.py`; `bench.profile` sums these lines.
"""

from __future__ import annotations

import gc
import sys
import time
from typing import Any

_started = [0.0]


def _callback(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _started[0] = time.perf_counter()
        return
    ms = (time.perf_counter() - _started[0]) * 1000
    if ms > 1.0:
        sys.stderr.write(
            f"gc_probe gen={info['generation']} ms={ms:.1f} collected={info['collected']}\n"
        )


gc.callbacks.append(_callback)
