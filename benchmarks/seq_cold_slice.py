"""Sequential comparison with a cold slice: items new at test time, on RecBole's sequential
protocol (time order, leave-one-out, full ranking).

RecBole's leave-one-out split keeps every item in training, so new items need a dataset of
their own. For each seed, ``--share`` of the items (drawn with the seed) are *held out*: every
interaction on a held-out item is removed, except a user's very last one (strictly later than
all the user's other kept interactions), which stays as that user's test target. Held-out items
therefore occur nowhere in training or validation (neither as targets nor in histories) and are
the test target of the users whose last interaction they were. Every model then runs on that
dataset through the run pipeline with the given config files (the protocol), and besides
RecBole's test metrics each row reports, over its test users:

* ``cold_recall@20``, ``cold_ndcg@20``: users whose test item is held out;
* ``warm_recall@20``, ``warm_ndcg@20``: the other users;
* ``cold_users``, ``warm_users``.

An ID-only model has never seen a held-out item except as a negative: its cold values show
what that gives (SASRec: 0). One CSV row per (model, seed), appended as each run ends; a re-run
skips the rows already there.

Usage::

    python benchmarks/seq_cold_slice.py --source DIR/ml-100k --dataset ml-100k --models SASRec,KGLLMSeqRec \
        --config_files configs/sequential.yaml --seeds 2020 --out /tmp/seqcold [--time_cap S] [--key=value ...]
"""
from __future__ import annotations

import argparse
import csv
import shutil
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from recbole_kgllm.datasets.atomic import copy_file, read_atomic_table

COLUMNS = [
    "model", "seed", "status", "error", "epochs", "best_epoch", "fit_seconds", "seconds_per_epoch", "time_capped",
    "held_out_items", "ndcg@10", "recall@10", "ndcg@20", "recall@20", "valid_ndcg@10",
    "cold_recall@20", "cold_ndcg@20", "warm_recall@20", "warm_ndcg@20", "cold_users", "warm_users",
]


def held_out_rows(users: Sequence[str], items: Sequence[str], times: Sequence[float], held: set[str]) -> list[bool]:
    """Which interactions to keep: all on items not in ``held``; on a held item, only a user's
    last interaction, and only when it is strictly later than every other interaction of the
    user that is kept (so time order leaves it last, whatever RecBole does with ties)."""
    by_user: dict[str, list[int]] = defaultdict(list)
    for row, user in enumerate(users):
        by_user[user].append(row)
    keep = [items[row] not in held for row in range(len(users))]
    for rows in by_user.values():
        last = max(rows, key=lambda r: (times[r], r))
        if items[last] in held:
            others = [times[r] for r in rows if r != last and keep[r]]
            keep[last] = bool(others) and times[last] > max(others)
    return keep


def write_cold_dataset(source: Path, name: str, out: Path, share: float, seed: int) -> tuple[Path, list[str]]:
    """Write ``out/<name>-seqcold-s<seed>/`` (the dataset ``<name>-seqcold-s<seed>``) and return its
    ``data_path`` and the held-out item tokens. Files other than ``.inter`` are copied verbatim."""
    target = f"{name}-seqcold-s{seed}"
    folder = out / target
    inter = read_atomic_table(source / f"{name}.inter")
    items = inter.column("item_id")
    catalogue = sorted(set(items))
    rng = np.random.default_rng(seed)
    held = sorted(rng.choice(catalogue, size=round(share * len(catalogue)), replace=False).tolist())
    if not (folder / f"{target}.inter").exists():
        tmp = out / f".{target}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        times = [float(t) for t in inter.column("timestamp")]
        keep = held_out_rows(inter.column("user_id"), items, times, set(held))
        inter.select(keep).write(tmp / f"{target}.inter")
        for suffix in ("item", "user", "kg", "link"):
            if (source / f"{name}.{suffix}").exists():
                copy_file(source / f"{name}.{suffix}", tmp / f"{target}.{suffix}")
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)
    return out, held


def done(path: Path) -> set[tuple[str, str]]:
    if not path.exists():
        return set()
    with path.open(encoding="utf-8", newline="") as handle:
        return {(r["model"], r["seed"]) for r in csv.DictReader(handle) if r["status"] == "ok"}


def append(path: Path, row: dict[str, Any]) -> None:
    new = not path.exists()
    with path.open("a", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, extrasaction="ignore")
        if new:
            writer.writeheader()
        writer.writerow(row)


def run_one(model: str, dataset: str, data_path: Path, held: list[str], config_files: list[str],
            settings: dict[str, Any], time_cap: float | None) -> dict[str, Any]:
    import torch

    from recbole_kgllm.bench.slice_metrics import SliceAccumulator
    from recbole_kgllm.recbole_integration.callbacks import TimeCap
    from recbole_kgllm.recbole_integration.dataset_facts import item_ids
    from recbole_kgllm.recbole_integration.pipeline import run_pipeline
    from recbole_kgllm.recbole_integration.ranking import scored_batches

    result = run_pipeline(model, dataset, config_files, {**settings, "data_path": str(data_path)}, callbacks=[TimeCap(time_cap)])
    assert result.data is not None
    full = result.data.dataset
    cold = torch.zeros(full.item_num, dtype=torch.bool)
    cold[item_ids(full, held)] = True
    acc = SliceAccumulator(ks=(20,))
    device = result.config["device"]
    for scores, positives in scored_batches(result.model, result.data.test, device):
        acc.add("cold", scores, positives & cold.to(device))
        acc.add("warm", scores, positives & ~cold.to(device))
    row: dict[str, Any] = dict(result.test_result)
    row.update(acc.result())
    row.update(
        epochs=result.fit.epochs, best_epoch=result.fit.best_epoch, fit_seconds=round(result.fit.seconds, 1),
        seconds_per_epoch=round(result.fit.seconds_per_epoch, 2), time_capped=result.fit.stopped_by is not None,
        held_out_items=len(held),
    )
    row["valid_ndcg@10"] = (result.best_valid_result or {}).get("ndcg@10")
    if result.checkpoint:
        Path(result.checkpoint).unlink(missing_ok=True)
    return row


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True, help="folder holding <dataset>.inter (with timestamp) etc.")
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--models", default="SASRec,KGLLMSeqRec")
    parser.add_argument("--config_files", default="")
    parser.add_argument("--seeds", default="2020")
    parser.add_argument("--share", type=float, default=0.1)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--time_cap", type=float, default=None)
    args, rest = parser.parse_known_args(argv)
    from recbole_kgllm.bench.spec import split_top_level
    from recbole_kgllm.recbole_integration.config import parse_overrides

    overrides = parse_overrides(rest)
    csv_path = args.out / "results.csv"
    args.out.mkdir(parents=True, exist_ok=True)
    finished = done(csv_path)
    for seed in [int(s) for s in args.seeds.split(",") if s]:
        data_path, held = write_cold_dataset(args.source, args.dataset, args.out / "data", args.share, seed)
        name = f"{args.dataset}-seqcold-s{seed}"
        for model in split_top_level(args.models):
            if (model, str(seed)) in finished:
                continue
            start = time.perf_counter()
            print(f"{model} seed {seed} on {name} ({len(held)} held-out items): running", flush=True)
            settings = {**overrides, "seed": seed, "checkpoint_dir": str(args.out / "checkpoints"), "show_progress": False}
            row: dict[str, Any] = {"model": model, "seed": seed}
            try:
                row.update(run_one(model, name, data_path, held, args.config_files.split(), settings, args.time_cap), status="ok")
            except Exception as error:
                row.update(status="failed", error=f"{type(error).__name__}: {error}".splitlines()[0][:300])
            append(csv_path, row)
            print(f"{model} seed {seed}: {row['status']} in {time.perf_counter() - start:.0f}s, ndcg@10 "
                  f"{row.get('ndcg@10')}, cold recall@20 {row.get('cold_recall@20')}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
