"""``results.md``: the benchmark as tables.

Sections: how it was run; the data each table used; per table (``main``: RecBole's split,
``cold``: the cold-start split) the mean ± sample standard deviation over seeds of every
reported metric, with the best mean in bold, plus best epoch, seconds per epoch, evaluation
seconds and peak memory; for each of our models the paired per-seed difference against each
baseline (mean ± standard deviation, paired t-test); the ablations against the full model;
whether every model saw the same split; the failed runs.
"""
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from recbole_kgllm.bench.ablations import FULL_MODEL, STRATEGY_REFERENCE, is_strategy_ablation
from recbole_kgllm.bench.results import STATUS_OK
from recbole_kgllm.bench.stats import paired_stats
from recbole_kgllm.bench.summary import LabelRuns, TableKey, group_tables, lower_is_better
from recbole_kgllm.bench.tuned import add_tuned_rows, choice_lines, tuned_groups

#: Cost columns of the tables: (column, header, decimals).
COST_COLUMNS = (
    ("best_epoch", "best epoch", 1),
    ("seconds_per_epoch", "s/epoch", 2),
    ("eval_seconds", "eval s", 2),
    ("peak_rss_mb", "peak RSS MB", 0),
)
TABLE_TITLES = {"main": "Main table: RecBole's random split", "cold": "Cold-start slice"}


@dataclass(frozen=True)
class ReportOptions:
    """What the report needs besides the rows.

    Attributes:
        dataset: dataset name.
        command: the command line that produced the results.
        seeds: the seeds asked for.
        data_mode: ``filtered`` or ``split``.
        metrics: accuracy metrics of the main table, e.g. ``["recall@10", "ndcg@10"]``.
        beyond: beyond-accuracy metrics, e.g. ``["itemcoverage@10", "giniindex@10"]``.
        cold_metrics: metrics of the cold table, e.g. ``["cold_recall@20", "warm_ndcg@20"]``.
        data_notes: ``{"linked": "...", "full": "..."}``, what each data base holds.
        time_cap: the soft time cap in seconds, or ``None``.
        cold_share: share of held-out items, or ``None``.
        label_order: row order of the tables.
        other_rows: rows of ``results.csv`` left out because they belong to other settings.
        select_metric: the validation metric that chooses a tuned row's candidate per seed.
        data_summary: what the data mode dropped and which items are candidates (the report's first lines).
    """

    dataset: str
    command: str
    seeds: Sequence[int]
    data_mode: str
    metrics: Sequence[str]
    beyond: Sequence[str] = ()
    cold_metrics: Sequence[str] = ()
    data_notes: Mapping[str, str] = field(default_factory=dict)
    time_cap: float | None = None
    cold_share: float | None = None
    label_order: Sequence[str] = ()
    other_rows: int = 0
    select_metric: str = "ndcg@10"
    data_summary: Sequence[str] = ()


def _fmt(value: float, decimals: int = 4) -> str:
    return f"{value:.{decimals}f}"


def _signed(value: float) -> str:
    return f"{value:+.4f}"


def _name(runs: LabelRuns) -> str:
    name = f"`{runs.label}`" + (f" ({runs.ablation})" if runs.ablation else "")
    return name + (" †" if runs.time_capped else "")


def _metric_table(labels: Mapping[str, LabelRuns], columns: Sequence[str], data: str) -> list[str]:
    header = ["model", "data", "seeds", *columns, *(h for _, h, _ in COST_COLUMNS)]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * 3 + ["---:"] * (len(header) - 3)) + "|"]
    best: dict[str, float] = {}
    for column in columns:
        means = [m[0] for m in (r.mean_std(column) for r in labels.values()) if m is not None]
        if means:
            best[column] = min(means) if lower_is_better(column) else max(means)
    for runs in labels.values():
        cells = [_name(runs), data, str(len(runs.by_seed))]
        for column in columns:
            stat = runs.mean_std(column)
            if stat is None:
                cells.append("–")
                continue
            text = _fmt(stat[0]) + (f" ± {_fmt(stat[1])}" if stat[1] is not None else "")
            cells.append(f"**{text}**" if abs(stat[0] - best[column]) <= 1e-12 else text)
        for column, _, decimals in COST_COLUMNS:
            stat = runs.mean_std(column)
            cells.append("–" if stat is None else _fmt(stat[0], decimals))
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _paired_table(pairs: Sequence[tuple[LabelRuns, LabelRuns, LabelRuns]], columns: Sequence[str], first: str) -> list[str]:
    """One row per ``(a, b, shown)``: the per-seed differences ``a - b`` over their common
    seeds, in a row named after ``shown``."""
    lines = [f"| {first} | seeds | " + " | ".join(f"Δ {c}" for c in columns) + " |", "|---|---:|" + "---:|" * len(columns)]
    for a_runs, b_runs, shown in pairs:
        seeds = sorted(set(a_runs.by_seed) & set(b_runs.by_seed))
        cells = [f"`{shown.label}`" + (f" ({shown.ablation})" if shown.ablation else ""), str(len(seeds))]
        for column in columns:
            a, b = a_runs.values(column, seeds), b_runs.values(column, seeds)
            if not seeds or len(a) != len(seeds) or len(b) != len(seeds):
                cells.append("–")
                continue
            stat = paired_stats(a, b)
            text = _signed(stat.mean) + (f" ± {_fmt(stat.std)}" if stat.std is not None else "")
            text += f" (t={stat.t:.2f}, p={stat.p:.3g})" if stat.p is not None else " (no test)"
            cells.append(text)
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _per_seed_table(ours: LabelRuns, others: Sequence[LabelRuns], column: str, seeds: Sequence[int]) -> list[str]:
    lines = [f"| Δ {column} against | " + " | ".join(str(s) for s in seeds) + " |", "|---|" + "---:|" * len(seeds)]
    for other in others:
        cells = [f"`{other.label}`"]
        for seed in seeds:
            a, b = ours.values(column, [seed]), other.values(column, [seed])
            cells.append(_signed(a[0] - b[0]) if a and b else "–")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _split_check(labels: Mapping[str, LabelRuns]) -> str:
    seeds = sorted({s for r in labels.values() for s in r.by_seed})
    differing = []
    for seed in seeds:
        shas = {r.by_seed[seed].get("split_sha") for r in labels.values() if seed in r.by_seed}
        if len(shas) > 1:
            differing.append(seed)
    if differing:
        return f"**Warning: the models did not all see the same split for seeds {differing}** (column `split_sha`)."
    return "Every model saw the same train/valid/test interactions for each seed (equal `split_sha`)."


def _section(key: TableKey, labels: Mapping[str, LabelRuns], options: ReportOptions) -> list[str]:
    table, data = key
    columns = list(options.metrics) + list(options.beyond) if table == "main" else list(options.cold_metrics) + list(options.metrics)
    lines = [f"## {TABLE_TITLES.get(table, table)} — data: {data}", ""]
    lines += _metric_table(labels, columns, data) + ["", _split_check(labels), ""]
    ours = [r for r in labels.values() if r.group == "ours"]
    baselines = [r for r in labels.values() if r.group != "ours"]
    headline = list(options.cold_metrics[:2] if table == "cold" and options.cold_metrics else options.metrics)
    seeds = sorted({s for r in labels.values() for s in r.by_seed})
    for mine in ours:
        if mine.ablation and mine.ablation != FULL_MODEL:
            continue
        if baselines:
            lines += [f"### `{mine.label}` against each baseline (paired by seed: ours − baseline)", ""]
            lines += _paired_table([(mine, b, b) for b in baselines], headline, "against") + [""]
            lines += [f"Per-seed differences in {headline[0]} (ours − baseline):", ""]
            lines += _per_seed_table(mine, baselines, headline[0], seeds) + [""]
        model = mine.label.split("[")[0]
        variants = [r for r in ours if r.ablation and r.ablation != FULL_MODEL and r.label.split("[")[0] == model]
        if mine.ablation == FULL_MODEL and variants:
            lines += _ablation_tables(mine, variants, headline)
    return lines


def _ablation_tables(full: LabelRuns, variants: Sequence[LabelRuns], columns: Sequence[str]) -> list[str]:
    """The ablations paired against the full model; when the fusion and distiller variants run
    on another backbone than the full model (a closed-form base), they are paired against that
    backbone's reference row instead, since the backbone change would dominate the difference."""
    reference = next((v for v in variants if v.ablation == STRATEGY_REFERENCE), None)
    moved = [v for v in variants if reference is not None and is_strategy_ablation(v.ablation)]
    direct = [v for v in variants if v not in moved]
    lines = [f"### Ablations of `{full.label}` (paired by seed: variant − full model)", ""]
    lines += _paired_table([(v, full, v) for v in direct], columns, "variant") + [""]
    if reference is not None and moved:
        lines += [f"### Fusion and distiller ablations (paired by seed: variant − `{reference.label}`)", ""]
        lines += _paired_table([(v, reference, v) for v in moved], columns, "variant") + [""]
    return lines


def report_tables(rows: Sequence[Mapping[str, str]], options: ReportOptions) -> dict[TableKey, dict[str, LabelRuns]]:
    """The tables of ``rows``, tuned rows included (:mod:`recbole_kgllm.bench.tuned`)."""
    tables = group_tables(rows, options.label_order)
    add_tuned_rows(tables, tuned_groups(rows), options.select_metric)
    return tables


def build_report(rows: Sequence[Mapping[str, str]], options: ReportOptions) -> str:
    """The markdown of ``results.md`` for ``rows`` (the rows of this invocation's runs)."""
    tables = report_tables(rows, options)
    groups = tuned_groups(rows)
    lines = [
        f"# Benchmark: {options.dataset}",
        "",
        *(f"**{line}**" for line in options.data_summary),
        *([""] if options.data_summary else []),
        f"Command: `{options.command}`",
        "",
        f"- seeds: {', '.join(map(str, options.seeds))} (the seed draws the split: every model gets the same split per seed)",
        f"- data mode: `{options.data_mode}`",
        f"- time cap: {f'{options.time_cap:g} s of training per run (rows marked † were stopped by it; their best checkpoint so far was tested)' if options.time_cap else 'none'}",
        "- cells: mean ± sample standard deviation over seeds, test set, best-validation checkpoint; best mean in **bold** "
        "(lowest for Gini index); s/epoch is training plus validation time per epoch",
        "- every run's full settings: `runs/<run>/config.json`; one row per run in `results.csv`",
        "",
        "## Data",
        "",
    ]
    lines += [f"- `{base}`: {note}" for base, note in options.data_notes.items()] + [""]
    if groups:
        lines += [
            f"Tuned rows: per seed, the candidate with the best validation {options.select_metric} "
            "(test metrics are that candidate's):", "",
        ] + choice_lines(tables, groups, options.select_metric) + [""]
    if options.cold_share:
        lines += [
            f"Cold-start slice: {100 * options.cold_share:g}% of the items (drawn per seed) have every interaction moved "
            "to test; the rest is split per user. `cold_*`: Recall/NDCG over held-out test items, `warm_*`: over "
            "the other test items; full ranking over all items.",
            "",
        ]
    if not tables:
        lines += ["No successful run yet.", ""]
    for key, labels in tables.items():
        lines += _section(key, labels, options)
    failed = [r for r in rows if r.get("status") != STATUS_OK]
    if failed:
        lines += ["## Failed runs", "", "| table | model | seed | status | error |", "|---|---|---:|---|---|"]
        lines += [
            f"| {r['table']} | `{r['label']}` | {r['seed']} | {r['status']} | {r.get('error', '').replace('|', '/')} |"
            for r in failed
        ]
        lines.append("")
    if options.other_rows:
        lines += [f"_{options.other_rows} older rows of `results.csv` (other settings) are not part of this report._", ""]
    return "\n".join(lines)


def write_report(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


__all__ = ["ReportOptions", "build_report", "report_tables", "write_report"]
