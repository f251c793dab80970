"""One paired table from a bench ``results.csv``, across invocations with different settings.

``recbole-kgllm bench`` writes one report per invocation (rows with that invocation's settings
hash). When baselines had to run under another invocation, for example KGAT and KGIN with a
``--time_cap`` the others did not need, this script compares any labels of one table in one
CSV: mean ± sd per label, then ``ours − baseline`` paired by seed (only seeds both have, and only
when both rows saw the same split, ``split_sha``), with the paired t-test of
:func:`recbole_kgllm.bench.stats.paired_stats`. Rows stopped by a time cap are marked †.

Usage::

    python benchmarks/paired_table.py --csv DIR/results.csv --ours KGLLMRec \
        --labels BPR,LightGCN,CKE,KGAT,KGIN,EASE [--table main] [--metrics ndcg@10,recall@10]
"""
from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from recbole_kgllm.bench.spec import split_top_level
from recbole_kgllm.bench.stats import mean_std, paired_stats

Row = Mapping[str, str]


def by_seed(rows: Sequence[Row], label: str, table: str, dataset: str | None) -> dict[int, Row]:
    """The ``ok`` rows of ``label`` in ``table``, keyed by seed (an error if a seed repeats)."""
    out: dict[int, Row] = {}
    for row in rows:
        if row["label"] != label or row["table"] != table or row["status"] != "ok":
            continue
        if dataset and row["dataset"] != dataset:
            continue
        seed = int(row["seed"])
        if seed in out:
            raise SystemExit(f"{label} has two ok rows for seed {seed} (different settings): pass --dataset or clean the CSV")
        out[seed] = row
    return out


def fmt(mean: float, std: float | None, sign: str = "") -> str:
    return f"{mean:{sign}.4f} ± {std:.4f}" if std is not None else f"{mean:{sign}.4f}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", required=True, type=Path)
    parser.add_argument("--ours", required=True, help="label of our model, e.g. KGLLMRec")
    parser.add_argument("--labels", required=True, help="comma-separated labels to compare with (commas inside [...] belong to the label)")
    parser.add_argument("--table", default="main")
    parser.add_argument("--dataset", default=None)
    parser.add_argument("--metrics", default="ndcg@10,recall@10")
    args = parser.parse_args(argv)
    with args.csv.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    metrics = args.metrics.split(",")
    labels = [args.ours, *split_top_level(args.labels)]
    series = {label: by_seed(rows, label, args.table, args.dataset) for label in labels}
    print(f"| model | seeds | {' | '.join(metrics)} | s/epoch |")
    print("|---|---|" + "---|" * (len(metrics) + 1))
    for label in labels:
        runs = series[label]
        if not runs:
            print(f"| {label} | 0 |" + " |" * (len(metrics) + 1))
            continue
        capped = any(r.get("time_capped") in ("True", "true", "1") for r in runs.values())
        cells = [fmt(*mean_std([float(r[m]) for r in runs.values()])) for m in metrics]
        spe = fmt(*mean_std([float(r["seconds_per_epoch"]) for r in runs.values()]))
        name = f"{label} †" if capped else label
        print(f"| {name} | {','.join(map(str, sorted(runs)))} | {' | '.join(cells)} | {spe} |")
    print(f"\nPaired by seed, {args.ours} − baseline (per-seed differences; mean ± sd; paired t-test p):\n")
    print(f"| baseline | seeds | {' | '.join(metrics)} |")
    print("|---|---|" + "---|" * len(metrics))
    ours = series[args.ours]
    for label in labels[1:]:
        seeds = sorted(set(ours) & set(series[label]))
        mismatched = [s for s in seeds if ours[s]["split_sha"] != series[label][s]["split_sha"]]
        if mismatched:
            print(f"| {label} | split differs for seeds {mismatched}: not compared |" + " |" * len(metrics))
            continue
        if not seeds:
            print(f"| {label} | none in common |" + " |" * len(metrics))
            continue
        cells = []
        for m in metrics:
            stats = paired_stats([float(ours[s][m]) for s in seeds], [float(series[label][s][m]) for s in seeds])
            diffs = ", ".join(f"{d:+.4f}" for d in stats.diffs)
            p = f"p={stats.p:.3f}" if stats.p is not None else "p n/a"
            cells.append(f"{fmt(stats.mean, stats.std, '+')} ({p}; {diffs})")
        print(f"| {label} | {','.join(map(str, seeds))} | {' | '.join(cells)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
