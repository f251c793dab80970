"""Choose the EASE backbone's ``cold_scale`` on validation data only (nested cold-start split).

Historical: it chose the former fixed default; the default model now chooses its cold scale itself
(``docs/tuning.md``).

The benchmark's cold-start slice holds out a share of items and tests on them, so its test
numbers cannot choose a setting. This script rebuilds, for each seed, the benchmark's outer
cold-start split (:func:`recbole_kgllm.bench.cold_split.cold_split`, same share and seed),
**drops its test part**, and writes the remaining train + valid interactions as a new dataset.
On that dataset ``recbole-kgllm bench --cold_share`` draws an inner cold split (other items held
out, other users' interactions held back) and runs each candidate ``cold_scale``. The inner
test part therefore consists of outer training/validation interactions only: it is validation
data for the outer benchmark.

Selection rule (stated before looking at the numbers): the largest inner warm NDCG@20 among the
candidates whose inner cold Recall@20 is at least half of their inner warm Recall@20 (the
cold-start target of the benchmark issue); if none qualifies, the largest cold Recall@20.

Usage::

    python benchmarks/tune_cold_scale.py --data_path DIR --dataset NAME --seeds 2020,2021 \
        --out /tmp/tune-cold [--scales 0.25,0.5,0.75,1.0] [--key=value ...]

``DIR/NAME`` is the dataset the benchmark reads (for ml-100k, the bench's linked copy
``<bench out>/data/linked/ml-100k-bench``). Extra ``--key=value`` settings go to every run.
Prints a markdown table per seed and the choice; ``docs/tuning.md`` records them.
"""
from __future__ import annotations

import argparse
import csv
import statistics
import subprocess
import sys
from pathlib import Path

from recbole_kgllm.bench.cold_split import cold_split
from recbole_kgllm.bench.data_prep import AtomicFields, copy_dataset_for_items

#: Name of the nested (validation-only) dataset written per seed.
INNER_NAME = "coldtune"


def write_inner_dataset(src: Path, name: str, dst: Path, *, share: float, seed: int) -> int:
    """Write ``dst/coldtune.*``: the outer split's train + valid interactions, other files copied.

    Returns the number of interactions written.
    """
    fields = AtomicFields()
    inter = fields.read(src, name, "inter")
    outer = cold_split(inter.column(fields.user), inter.column(fields.item), share=share, seed=seed)
    keep = sorted(outer.train + outer.valid)
    dst.mkdir(parents=True, exist_ok=True)
    inner = inter.with_rows(inter.rows[r] for r in keep)
    inner.write(dst / f"{INNER_NAME}.inter")
    copy_dataset_for_items(src, dst, name, fields, set(inner.column(fields.item)), skip=("inter",), dst_name=INNER_NAME)
    return len(keep)


def variant(scale: float | None) -> str:
    """The bench variant of one candidate (``None``: no calibration, ``cold_start=none``)."""
    if scale is None:
        return "KGLLMRec[cold_start=none]"
    return f"KGLLMRec[backbone_kwargs={{'cold_scale': {scale:g}}}]"


def read_rows(results: Path) -> list[dict[str, str]]:
    """Successful rows of a bench ``results.csv`` (none when the file does not exist)."""
    if not results.is_file():
        return []
    with results.open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle) if row["status"] == "ok"]


def choose(table: list[dict[str, float]]) -> dict[str, float]:
    """The selection rule of the module docstring over rows with warm/cold metrics."""
    ok = [row for row in table if row["cold_recall@20"] >= 0.5 * row["warm_recall@20"]]
    if ok:
        return max(ok, key=lambda row: row["warm_ndcg@20"])
    return max(table, key=lambda row: row["cold_recall@20"])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data_path", required=True, type=Path)
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--seeds", default="2020,2021")
    parser.add_argument("--share", type=float, default=0.1)
    parser.add_argument("--scales", default="0.25,0.5,0.6,0.7,0.75,1.0")
    parser.add_argument("--out", required=True, type=Path)
    args, rest = parser.parse_known_args(argv)
    scales: list[float | None] = [None] + [float(s) for s in args.scales.split(",")]
    models = ",".join(variant(s) for s in scales)
    src = args.data_path / args.dataset
    chosen: list[float | None] = []
    for seed in [int(s) for s in args.seeds.split(",")]:
        data = args.out / f"data-s{seed}"
        n = write_inner_dataset(src, args.dataset, data / INNER_NAME, share=args.share, seed=seed)
        print(f"seed {seed}: nested dataset with {n:,} outer train+valid interactions in {data}", flush=True)
        out = args.out / f"bench-s{seed}"
        cmd = [
            str(Path(sys.executable).with_name("recbole-kgllm")), "bench", "--dataset", INNER_NAME,
            f"--data_path={data}", "--models", models, "--seeds", f"{seed},", "--cold_share", str(args.share),
            "--out", str(out), "--skip_failed", *rest,
        ]
        subprocess.run(cmd, check=False)
        rows = read_rows(out / "results.csv")
        table = []
        for scale in scales:
            name = variant(scale)
            main_row = next((r for r in rows if r["label"] == name and r["table"] == "main"), None)
            cold_row = next((r for r in rows if r["label"] == name and r["table"] == "cold"), None)
            if main_row is None or cold_row is None:
                print(f"  {name}: missing result, see {out}", flush=True)
                continue
            table.append({
                "scale": -1.0 if scale is None else scale,
                "ndcg@10": float(main_row["ndcg@10"]),
                **{k: float(cold_row[k]) for k in ("warm_recall@20", "warm_ndcg@20", "cold_recall@20", "cold_ndcg@20")},
            })
        print(f"\n| seed {seed}: cold_scale | nested main NDCG@10 | warm Recall@20 | warm NDCG@20 | cold Recall@20 | cold NDCG@20 | cold/warm Recall@20 |")
        print("|---|---|---|---|---|---|---|")
        for row in table:
            label = "none (no calibration)" if row["scale"] < 0 else f"{row['scale']:g}"
            ratio = row["cold_recall@20"] / row["warm_recall@20"] if row["warm_recall@20"] else float("nan")
            print(f"| {label} | {row['ndcg@10']:.4f} | {row['warm_recall@20']:.4f} | {row['warm_ndcg@20']:.4f} | "
                  f"{row['cold_recall@20']:.4f} | {row['cold_ndcg@20']:.4f} | {ratio:.2f} |")
        if table:
            best = choose(table)
            chosen.append(None if best["scale"] < 0 else best["scale"])
            print(f"\nseed {seed}: chosen cold_scale {chosen[-1]}\n", flush=True)
    numeric = [c for c in chosen if c is not None]
    if numeric:
        print(f"median of the per-seed choices: {statistics.median(numeric):g}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
