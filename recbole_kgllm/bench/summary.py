"""Grouping ``results.csv`` rows for the report and the plots.

Rows are grouped into *tables*: one per (``table``, ``data``) pair, e.g. ``("main", "linked")``.
Within a table, the successful rows of each label are indexed by seed, so paired comparisons
align seeds exactly.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from recbole_kgllm.bench.results import STATUS_OK
from recbole_kgllm.bench.stats import mean_std

#: Metric families where a lower value is better (the rest: higher is better).
LOWER_IS_BETTER = ("giniindex",)


def to_float(value: object) -> float | None:
    """A CSV cell as a float, ``None`` when empty or not a finite number."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def lower_is_better(column: str) -> bool:
    """Whether smaller values of ``column`` are better (Gini index)."""
    return column.split("@")[0].split("_")[-1] in LOWER_IS_BETTER


@dataclass
class LabelRuns:
    """The successful runs of one label in one table, by seed."""

    label: str
    group: str
    ablation: str
    by_seed: dict[int, Mapping[str, str]] = field(default_factory=dict)

    def values(self, column: str, seeds: Iterable[int] | None = None) -> list[float]:
        """The finite values of ``column`` over ``seeds`` (default: all seeds, sorted)."""
        chosen = sorted(self.by_seed) if seeds is None else list(seeds)
        return [v for v in (to_float(self.by_seed[s].get(column)) for s in chosen if s in self.by_seed) if v is not None]

    def mean_std(self, column: str) -> tuple[float, float | None] | None:
        """Mean and sample deviation of ``column`` (``None`` without values)."""
        values = self.values(column)
        return mean_std(values) if values else None

    @property
    def time_capped(self) -> bool:
        return any(str(r.get("time_capped")) == "True" for r in self.by_seed.values())


TableKey = tuple[str, str]


def group_tables(rows: Sequence[Mapping[str, str]], label_order: Sequence[str] = ()) -> dict[TableKey, dict[str, LabelRuns]]:
    """``{(table, data): {label: LabelRuns}}`` of the ``ok`` rows; labels in ``label_order``
    first, then in order of appearance; tables ``main`` before ``cold``."""
    order = {label: i for i, label in enumerate(label_order)}
    tables: dict[TableKey, dict[str, LabelRuns]] = {}
    for row in rows:
        if row.get("status") != STATUS_OK:
            continue
        key = (row["table"], row["data"])
        runs = tables.setdefault(key, {}).setdefault(
            row["label"], LabelRuns(row["label"], row.get("group", ""), row.get("ablation", ""))
        )
        runs.by_seed[int(row["seed"])] = row
    ordered = {}
    for key in sorted(tables, key=lambda k: (k[0] != "main", k[1])):
        labels = tables[key]
        ordered[key] = {
            label: labels[label]
            for label in sorted(labels, key=lambda lab: (order.get(lab, len(order)), list(labels).index(lab)))
        }
    return ordered


def best_label(runs: Mapping[str, LabelRuns], column: str) -> str | None:
    """The label with the best mean of ``column`` (``None`` when nobody has it)."""
    means = {label: r.mean_std(column) for label, r in runs.items()}
    scored = {label: m[0] for label, m in means.items() if m is not None}
    if not scored:
        return None
    pick = min if lower_is_better(column) else max
    return pick(scored, key=scored.__getitem__)


__all__ = ["LOWER_IS_BETTER", "LabelRuns", "best_label", "group_tables", "lower_is_better", "to_float"]
