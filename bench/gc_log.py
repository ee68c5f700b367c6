"""The BFF's garbage-collection pauses, from the lines `bench.experiments.gcprobe` logs.

Every BFF the bench starts loads the probe (`bench/experiments/gc_probe` on its
PYTHONPATH) unless another experiment replaces it; a run's pauses are the probe lines
appended to the server's log during that run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

PREFIX = "gc_probe gen="


@dataclass
class GcPauses:
    by_generation: dict[str, list[float]] = field(default_factory=dict)

    def total_ms(self, generation: str | None = None) -> float:
        if generation is not None:
            return sum(self.by_generation.get(generation, []))
        return sum(sum(v) for v in self.by_generation.values())

    def longest_ms(self) -> float:
        return max((max(v) for v in self.by_generation.values() if v), default=0.0)

    def describe(self) -> str:
        if not self.by_generation:
            return "no GC pause over 1 ms logged (probe not loaded?)"
        return "; ".join(
            f"gen{gen}: {len(v)} pauses > 1 ms, {sum(v):.0f} ms in all, longest {max(v):.0f} ms"
            for gen, v in sorted(self.by_generation.items()))


def log_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def read_pauses(path: Path, offset: int = 0) -> GcPauses:
    pauses = GcPauses()
    try:
        with path.open("rb") as log:
            log.seek(offset)
            text = log.read().decode(errors="replace")
    except OSError:
        return pauses
    for line in text.splitlines():
        if not line.startswith(PREFIX):
            continue
        try:
            fields = dict(part.split("=", 1) for part in line.split()[1:])
            pauses.by_generation.setdefault(fields["gen"], []).append(float(fields["ms"]))
        except (KeyError, ValueError):
            continue
    return pauses
