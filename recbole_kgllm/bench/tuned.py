"""Tuned rows: per seed, the candidate variant that is best on validation.

``--models 'EASE[reg_weight=100|250|500|1000]'`` runs four EASE variants per seed (see
:func:`recbole_kgllm.bench.spec.expand_tuned`). A baseline tuned this way is what a careful
user would run, so our models are paired against it: for each seed, the tuned row is the
candidate with the best **validation** score (``--select_metric``, ``valid_ndcg@10`` by default;
the test part never chooses), and its test metrics are that candidate's.
"""
from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence

from recbole_kgllm.bench.summary import LabelRuns, lower_is_better, to_float

#: The column of a tuned row that names the candidate chosen for that seed.
CHOICE_COLUMN = "tuned_choice"


def tuned_groups(rows: Sequence[Mapping[str, str]]) -> dict[str, list[str]]:
    """``{tuned label: [candidate labels]}`` from rows that carry a ``tuned`` column."""
    groups: dict[str, list[str]] = {}
    for row in rows:
        tuned = row.get("tuned") or ""
        if tuned and row["label"] not in groups.setdefault(tuned, []):
            groups[tuned].append(row["label"])
    return groups


def best_on_validation(candidates: Sequence[LabelRuns], seed: int, metric: str) -> LabelRuns | None:
    """The candidate with the best ``valid_<metric>`` on ``seed`` (``None`` unless every
    candidate has a value there: a tuned row is the best of its whole grid or nothing)."""
    scored = []
    for runs in candidates:
        row = runs.by_seed.get(seed)
        value = to_float(row.get(f"valid_{metric}")) if row is not None else None
        if value is None:
            return None
        scored.append((value, runs))
    if not scored:
        return None
    pick = min if lower_is_better(metric) else max
    return pick(scored, key=lambda item: item[0])[1]


def add_tuned_rows(
    tables: MutableMapping[tuple[str, str], dict[str, LabelRuns]], groups: Mapping[str, Sequence[str]], metric: str
) -> None:
    """Insert each tuned row after its last candidate in every table that has candidates."""
    for key, labels in list(tables.items()):
        out: dict[str, LabelRuns] = {}
        pending = {tuned: [labels[c] for c in members if c in labels] for tuned, members in groups.items()}
        last = {tuned: max((list(labels).index(c) for c in members if c in labels), default=-1)
                for tuned, members in groups.items()}
        for index, (label, runs) in enumerate(labels.items()):
            out[label] = runs
            for tuned, candidates in pending.items():
                if last[tuned] != index or not candidates:
                    continue
                row = LabelRuns(tuned, candidates[0].group, "")
                seeds = sorted(set().union(*(c.by_seed for c in candidates)))
                for seed in seeds:
                    best = best_on_validation(candidates, seed, metric)
                    if best is not None:
                        row.by_seed[seed] = {**best.by_seed[seed], "label": tuned, CHOICE_COLUMN: best.label}
                if row.by_seed:
                    out[tuned] = row
        tables[key] = out


def choice_lines(tables: Mapping[tuple[str, str], Mapping[str, LabelRuns]], groups: Mapping[str, Sequence[str]], metric: str) -> list[str]:
    """One markdown line per tuned row and table: the candidate chosen on each seed."""
    lines = []
    for (table, data), labels in tables.items():
        for tuned in groups:
            runs = labels.get(tuned)
            if runs is None:
                continue
            picks = ", ".join(f"{seed}: `{row.get(CHOICE_COLUMN)}`" for seed, row in sorted(runs.by_seed.items()))
            lines.append(f"- `{tuned}` ({table}, {data}), best `valid_{metric}` per seed: {picks}")
    return lines


__all__ = ["CHOICE_COLUMN", "add_tuned_rows", "best_on_validation", "choice_lines", "tuned_groups"]
