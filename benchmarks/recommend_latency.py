"""Latency of ``recommend`` from a warm process, ``--all`` time, the cost of ``--explain``, and
the KG-path statistics of the top-10 lists.

Loads the checkpoint (or export) once, then times ``Recommender.recommend([user], k)`` for a
fixed random sample of users (seed 0), without and with reasons (the explainer is built first
and its build time reported apart), streams every user to a CSV file as ``recommend --all`` does,
and counts over ``--kg-users`` users the share of top-10 items with a KG path from the history
and the mean path length. Prints one JSON object (also written to ``--out``).

    nice -n 10 python benchmarks/recommend_latency.py --checkpoint saved/KGLLMRec-....pth --out r.json
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np


def percentiles(seconds: list[float]) -> dict[str, float]:
    """p50/p99/mean in milliseconds."""
    ms = np.asarray(seconds) * 1000.0
    return {"p50_ms": float(np.percentile(ms, 50)), "p99_ms": float(np.percentile(ms, 99)),
            "mean_ms": float(ms.mean()), "n": int(len(ms))}


def time_users(recommender: Any, users: list[str], k: int, explain: bool) -> list[float]:
    out = []
    for user in users:
        start = time.perf_counter()
        recommender.recommend([user], k, explain=explain)
        out.append(time.perf_counter() - start)
    return out


def kg_stats(recommender: Any, users: list[str], k: int, batch: int = 256) -> dict[str, float]:
    """Share of top-k items with at least one KG path, mean path length, reason kinds present."""
    items = with_path = 0
    lengths: list[int] = []
    kinds = {"kg": 0, "text": 0, "cf": 0}
    no_reason = 0
    for start in range(0, len(users), batch):
        for user in recommender.recommend(users[start : start + batch], k, explain=True):
            for item in user.items:
                items += 1
                no_reason += not item.reasons
                for reason in item.reasons:
                    kinds[reason.kind] += 1
                    if reason.kind == "kg":
                        with_path += 1
                        lengths.append(len(reason.path))
    return {"users": len(users), "items": items, "kg_path_share": with_path / max(items, 1),
            "mean_path_length": statistics.fmean(lengths) if lengths else float("nan"),
            "path_length_counts": {str(n): lengths.count(n) for n in sorted(set(lengths))},
            "reason_share": {k2: v / max(items, 1) for k2, v in kinds.items()}, "items_without_reason": no_reason}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", required=True, help="a .pth checkpoint or an export folder")
    parser.add_argument("-k", type=int, default=10)
    parser.add_argument("--users", type=int, default=300, help="sampled users timed one by one")
    parser.add_argument("--kg-users", type=int, default=0, help="users for the KG statistics (0: all)")
    parser.add_argument("--skip-all", action="store_true", help="do not time --all")
    parser.add_argument("--out", help="write the JSON result here too")
    args = parser.parse_args(argv)
    from recbole_kgllm.serving.loading import load_recommender
    from recbole_kgllm.serving.output import write_csv

    start = time.perf_counter()
    recommender = load_recommender(args.checkpoint)
    load_s = time.perf_counter() - start
    tokens = recommender.catalog.user_tokens[1:].tolist()
    rng = np.random.default_rng(0)
    sample = [tokens[i] for i in rng.choice(len(tokens), size=min(args.users, len(tokens)), replace=False)]
    time_users(recommender, sample[:20], args.k, explain=False)  # warm-up
    plain = percentiles(time_users(recommender, sample, args.k, explain=False))
    start = time.perf_counter()
    _ = recommender.explainer
    explainer_s = time.perf_counter() - start
    time_users(recommender, sample[:5], args.k, explain=True)  # warm-up
    explained = percentiles(time_users(recommender, sample, args.k, explain=True))
    result: dict[str, Any] = {
        "checkpoint": args.checkpoint, "info": recommender.info, "k": args.k, "load_s": load_s,
        "one_user": plain, "one_user_explain": explained, "explainer_build_s": explainer_s,
    }
    if not args.skip_all:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "all.csv"
            start = time.perf_counter()
            with path.open("w", encoding="utf-8", newline="") as out:
                n = write_csv(recommender.iter_all(args.k, progress=False), out)
            result["all"] = {"users": n, "seconds": time.perf_counter() - start, "bytes": path.stat().st_size}
    kg_users = tokens if args.kg_users <= 0 else sample[: args.kg_users]
    start = time.perf_counter()
    result["kg"] = kg_stats(recommender, kg_users, args.k)
    result["kg"]["seconds"] = time.perf_counter() - start
    result["machine"] = {"cpus_visible": os.cpu_count(), "python": platform.python_version(),
                         "torch_threads": __import__("torch").get_num_threads()}
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
