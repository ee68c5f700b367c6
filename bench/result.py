"""What a scenario reports: tables, ratios, targets (met or not), notes, raw figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["ok", "skipped", "error"]
Cell = str | int | float | None


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)

    def add(self, *cells: Cell) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"{self.title}: {len(cells)} cells for {len(self.columns)} columns")
        self.rows.append(list(cells))

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "columns": self.columns, "rows": self.rows}


@dataclass
class Target:
    name: str
    goal: str
    measured: str
    met: bool | None
    """None: could not be measured in this run (see `measured`)."""

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "goal": self.goal, "measured": self.measured, "met": self.met}


@dataclass
class ScenarioResult:
    scenario: str
    title: str
    status: Status = "ok"
    reason: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)
    ratios: dict[str, float | None] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)
    elapsed_s: float = 0.0

    def table(self, title: str, columns: list[str]) -> Table:
        table = Table(title, columns)
        self.tables.append(table)
        return table

    def target(self, name: str, goal: str, measured: str, met: bool | None) -> None:
        self.targets.append(Target(name, goal, measured, met))

    def skip(self, reason: str) -> ScenarioResult:
        self.status = "skipped"
        self.reason = reason
        return self

    def to_json(self, run: dict[str, Any]) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "title": self.title,
            "status": self.status,
            "reason": self.reason,
            "run": run,
            "elapsed_s": round(self.elapsed_s, 1),
            "params": self.params,
            "tables": [t.to_json() for t in self.tables],
            "ratios": {k: (None if v is None else round(v, 3)) for k, v in self.ratios.items()},
            "targets": [t.to_json() for t in self.targets],
            "notes": self.notes,
            "raw": self.raw,
        }


def fmt(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}"
