"""Grid search of a gradient-trained model's recipe on the validation split (any model: ours or
RecBole's), resumable, with a per-run time cap.

For each seed the run pipeline builds the config, dataset and split once; every grid point
then sets its keys, builds the model (its features from the feature store), trains it with
RecBole's trainer (early stopping on ``valid_metric``; the ``--time_cap`` stops a run after the
first validation past the cap) and evaluates the best checkpoint on validation (selection) and
on test (reported only, never used to choose). One CSV row per (model, seed, point) is appended
as each run ends; a re-run skips the rows already there. ``--report`` prints the markdown
table of a CSV, best validation first.

The grid file (YAML) holds ``base`` (settings of every point) and either ``grid`` (key ->
list of values, every combination) or ``points`` (a list of settings), or both::

    base: {learning_rate: 0.005, stopping_step: 20}
    grid: {reg_weight: [1.0e-05, 1.0e-04], backbone_kwargs: [{n_layers: 2}, {n_layers: 3}]}

Usage::

    python benchmarks/tune_gradient.py --model LightGCN --dataset ml-100k-bench --data_path DIR \
        --grid grids/lightgcn.yaml --seeds 2020 --out /tmp/tune/lightgcn.csv --time_cap 900 [--key=value ...]
    python benchmarks/tune_gradient.py --report /tmp/tune/lightgcn.csv [--report_metric ndcg@10]
"""
from __future__ import annotations

import argparse
import csv
import itertools
import json
import logging
import shutil
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

COLUMNS = [
    "model", "seed", "point", "status", "error", "epochs", "best_epoch", "fit_seconds", "seconds_per_epoch",
    "time_capped", "valid_ndcg@10", "valid_recall@10", "valid_mrr@10", "test_ndcg@10", "test_recall@10",
    "test_ndcg@20", "test_recall@20",
]


def expand(spec: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The points of a grid spec: ``base`` updated by every combination of ``grid`` and by every
    entry of ``points`` (in that order); ``[base]`` when it has neither."""
    base = dict(spec.get("base") or {})
    grid = spec.get("grid") or {}
    points: list[dict[str, Any]] = []
    if grid:
        keys = list(grid)
        points += [{**base, **dict(zip(keys, values))} for values in itertools.product(*(grid[k] for k in keys))]
    points += [{**base, **dict(p)} for p in spec.get("points") or []]
    return points or [base]


def point_key(point: Mapping[str, Any]) -> str:
    """Canonical JSON of a point (sorted keys): its identity in the CSV."""
    return json.dumps(point, sort_keys=True, default=str)


def done_keys(path: Path) -> set[tuple[str, str, str]]:
    """(model, seed, point) of the ``ok`` rows of a results CSV (empty when there is none)."""
    if not path.exists():
        return set()
    with path.open(encoding="utf-8", newline="") as handle:
        return {(r["model"], r["seed"], r["point"]) for r in csv.DictReader(handle) if r["status"] == "ok"}


def append_row(path: Path, row: Mapping[str, Any]) -> None:
    new = not path.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, extrasaction="ignore")
        if new:
            writer.writeheader()
        writer.writerow(row)


def report(rows: Iterable[Mapping[str, str]], metric: str = "ndcg@10") -> str:
    """Markdown table of ``ok`` rows per model and seed, best validation ``metric`` first."""
    rows = [r for r in rows if r["status"] == "ok"]
    rows.sort(key=lambda r: (r["model"], int(r["seed"]), -float(r[f"valid_{metric}"])))
    lines = [
        "| model | seed | point | valid NDCG@10 | valid Recall@10 | test NDCG@10 | test Recall@10 | epochs (best) | s/epoch |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        point = ", ".join(f"{k}={v}" for k, v in json.loads(r["point"]).items())
        capped = " †" if r["time_capped"] == "True" else ""
        lines.append(
            f"| {r['model']} | {r['seed']} | {point} | {float(r['valid_ndcg@10']):.4f} | {float(r['valid_recall@10']):.4f} | "
            f"{float(r['test_ndcg@10']):.4f} | {float(r['test_recall@10']):.4f} | {r['epochs']} ({r['best_epoch']}){capped} | "
            f"{float(r['seconds_per_epoch']):.1f} |"
        )
    return "\n".join(lines)


def run_point(config: Any, data: Any, model_class: type, point: Mapping[str, Any], base_values: Mapping[str, Any],
              time_cap: float | None) -> dict[str, Any]:
    """Train and evaluate one point on the loaded split (the config is restored afterwards)."""
    from recbole.utils import init_seed

    from recbole_kgllm.recbole_integration import pipeline
    from recbole_kgllm.recbole_integration.callbacks import Callbacks, RunCallback, TimeCap

    class Progress(RunCallback):
        """One line per validation (the logger is quiet)."""

        def __init__(self) -> None:
            self.start = time.perf_counter()

        def on_epoch(self, epoch: int, valid_score: float) -> None:
            print(f"    epoch {epoch}: valid {valid_score:.4f} ({time.perf_counter() - self.start:.0f}s)", flush=True)

    for key, value in point.items():
        config[key] = value
    try:
        init_seed(config["seed"], config["reproducibility"])
        data.train.update_config(config)
        data.train.generator.manual_seed(config["seed"])
        features = pipeline.feature_stage(config, model_class, data.train_dataset)
        model = pipeline.build_model(config, data.train_dataset, model_class, features)
        trainer = pipeline.build_trainer(config, model)
        cap = TimeCap(time_cap)
        cap.on_model(model, 0.0)
        summary = pipeline.fit(trainer, data, saved=True, callbacks=Callbacks([cap, Progress()]))
        valid = dict(trainer.best_valid_result or {})
        test = pipeline.evaluate(trainer, data.test, load_best=True)
        Path(trainer.saved_model_file).unlink(missing_ok=True)
    finally:
        for key, value in base_values.items():
            config[key] = value
    row: dict[str, Any] = {
        "epochs": summary.epochs, "best_epoch": summary.best_epoch, "fit_seconds": round(summary.seconds, 1),
        "seconds_per_epoch": round(summary.seconds_per_epoch, 2), "time_capped": summary.stopped_by is not None,
    }
    row.update({f"valid_{k}": v for k, v in valid.items()})
    row.update({f"test_{k}": v for k, v in test.items()})
    return row


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model")
    parser.add_argument("--dataset")
    parser.add_argument("--grid", type=Path)
    parser.add_argument("--seeds", default="2020")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--time_cap", type=float, default=None)
    parser.add_argument("--report", type=Path, default=None, help="print the table of this CSV and exit")
    parser.add_argument("--report_metric", default="ndcg@10")
    args, rest = parser.parse_known_args(argv)
    if args.report is not None:
        with args.report.open(encoding="utf-8", newline="") as handle:
            print(report(csv.DictReader(handle), args.report_metric))
        return 0
    if not (args.model and args.dataset and args.grid and args.out):
        parser.error("--model, --dataset, --grid and --out are required (or --report)")

    from recbole_kgllm.recbole_integration import pipeline
    from recbole_kgllm.recbole_integration.config import parse_overrides
    from recbole_kgllm.recbole_integration.model_lookup import resolve_model

    points = expand(yaml.safe_load(args.grid.read_text()))
    overrides: dict[str, Any] = dict(parse_overrides(rest))
    done = done_keys(args.out)
    checkpoints = args.out.parent / f"{args.out.stem}-checkpoints"
    model_class = resolve_model(args.model)
    for seed in [int(s) for s in args.seeds.split(",") if s]:
        todo = [p for p in points if (args.model, str(seed), point_key(p)) not in done]
        if not todo:
            continue
        settings = {**overrides, "seed": seed, "checkpoint_dir": str(checkpoints), "show_progress": False}
        config = pipeline.start(args.model, args.dataset, config_dict=settings, log=False)
        logging.getLogger().setLevel(logging.WARNING)
        data = pipeline.load_data(config)
        keys = {k for p in todo for k in p}
        base_values = {k: config[k] for k in keys}
        for i, point in enumerate(todo, 1):
            start = time.perf_counter()
            print(f"[{i}/{len(todo)}] {args.model} seed {seed}: {point_key(point)}", flush=True)
            row: dict[str, Any] = {"model": args.model, "seed": seed, "point": point_key(point)}
            try:
                row.update(run_point(config, data, model_class, point, base_values, args.time_cap), status="ok")
            except Exception as error:  # a failing point is recorded; the grid goes on
                row.update(status="failed", error=f"{type(error).__name__}: {error}".splitlines()[0][:300])
            append_row(args.out, row)
            print(f"    {row['status']} in {time.perf_counter() - start:.0f}s: valid ndcg@10 "
                  f"{row.get('valid_ndcg@10', float('nan')):.4f}, epochs {row.get('epochs')}", flush=True)
    shutil.rmtree(checkpoints, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
