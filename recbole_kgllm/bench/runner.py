"""Executing one :class:`~recbole_kgllm.bench.plan.Run` in a fresh worker process.

A fresh process per run isolates crashes (a failed run becomes a row with its error), gives an
honest peak memory, a clean RecBole logger and a hard timeout. Each run has its own folder
``<out>/runs/<run id>/`` holding ``request.json``, ``config.json`` (the full effective config),
``result.json``, ``worker.log`` (stdout and stderr), RecBole's ``log/`` and
``log_tensorboard/``, and ``checkpoints/`` (its own ``checkpoint_dir``: RecBole names
checkpoints by model and second, so concurrent runs must not share one).
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from recbole_kgllm.bench.cold_split import SPLIT_NAMES, read_cold_items
from recbole_kgllm.bench.memory_watch import is_oom_message, run_watched
from recbole_kgllm.bench.plan import DataBuilder, Run
from recbole_kgllm.bench.results import STATUS_FAILED, STATUS_OK, STATUS_TIMEOUT
from recbole_kgllm.bench.worker import REQUEST_FILE, RESULT_FILE

#: Settings the harness owns in every run (a user value for them is an error).
RESERVED_SETTINGS = ("seed", "reproducibility", "checkpoint_dir", "benchmark_filename")


@dataclass(frozen=True)
class RunContext:
    """What every run of one invocation shares.

    Attributes:
        dataset: dataset name.
        config_files: global config files (absolute paths).
        settings: global ``--key=value`` settings (strings, as on a command line).
        harness_settings: settings the harness adds to every run (``metrics``, ``topk``, ``load_col``...).
        runs_dir: ``<out>/runs``.
        time_cap: soft cap on ``fit`` seconds, or ``None``.
        hard_timeout: seconds after which the worker is killed, or ``None``.
        slice_ks: cut-offs of the cold/warm slice metrics.
        posthoc_metrics: RecBole metric names the worker computes on the test top-k lists itself
            (see :mod:`recbole_kgllm.bench.ranking_pass`).
        env: extra environment variables of the worker.
        memory_cap_mb: a worker whose peak memory passes this is stopped and reported out-of-memory.
    """

    dataset: str
    config_files: list[str]
    settings: dict[str, str]
    harness_settings: dict[str, Any]
    runs_dir: Path
    time_cap: float | None = None
    hard_timeout: float | None = None
    slice_ks: tuple[int, ...] = (20,)
    posthoc_metrics: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    memory_cap_mb: float | None = None


def build_request(run: Run, ctx: RunContext, builder: DataBuilder) -> dict[str, Any]:
    """The worker request of ``run`` (its data is written first if needed)."""
    run_dir = ctx.runs_dir / run.run_id
    config_dict: dict[str, Any] = {**ctx.settings, **run.spec.settings, **ctx.harness_settings}
    config_dict.update(
        seed=run.seed, reproducibility=True, checkpoint_dir=str(run_dir / "checkpoints"),
        data_path=str(builder.data_path(run.data)),
    )
    cold_items = None
    if run.table == "cold":
        config_dict["benchmark_filename"] = list(SPLIT_NAMES)
        cold_items = read_cold_items(builder.dataset_dir(run.data))
    return {
        "model": run.spec.model, "dataset": builder.dataset_name(run.data), "label": run.spec.label, "seed": run.seed,
        "config_files": [*ctx.config_files, *(str(Path(f).resolve()) for f in run.spec.config_files)],
        "config_dict": config_dict, "run_dir": str(run_dir), "time_cap": ctx.time_cap,
        "cold_items": cold_items, "slice_ks": list(ctx.slice_ks), "posthoc_metrics": list(ctx.posthoc_metrics),
    }


def _last_line(path: Path) -> str:
    try:
        lines = [line.strip() for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    except OSError:
        return ""
    return lines[-1][:500] if lines else ""


def execute_run(run: Run, ctx: RunContext, builder: DataBuilder) -> dict[str, Any]:
    """Run ``run`` in a worker process; returns its ``results.csv`` row (never raises for a
    failure of the run itself)."""
    run_dir = ctx.runs_dir / run.run_id
    shutil.rmtree(run_dir, ignore_errors=True)  # a retry starts clean
    run_dir.mkdir(parents=True)
    row: dict[str, Any] = {
        "dataset": ctx.dataset, "table": run.table, "label": run.spec.label, "seed": run.seed,
        "data": run.data.base, "settings_hash": run.settings_hash, "model": run.spec.model,
        "group": "ours" if run.ours else "baseline", "knowledge": run.knowledge, "ablation": run.spec.ablation,
        "time_cap_s": ctx.time_cap, "run_dir": str(run_dir),
    }
    try:
        request = build_request(run, ctx, builder)
    except Exception as error:  # noqa: BLE001 - data preparation failures are recorded like run failures
        return {**row, "status": STATUS_FAILED, "error": f"{type(error).__name__}: {error}", "finished_at": _now()}
    (run_dir / REQUEST_FILE).write_text(json.dumps(request, indent=1, default=str) + "\n", encoding="utf-8")
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **ctx.env}
    log = run_dir / "worker.log"
    status, error = None, ""
    with open(log, "w", encoding="utf-8") as handle:
        watched = run_watched(
            [sys.executable, "-m", "recbole_kgllm.bench.worker", str(run_dir / REQUEST_FILE)],
            cwd=run_dir, stdout=handle, env=env, timeout=ctx.hard_timeout, memory_cap_mb=ctx.memory_cap_mb,
        )
    if watched.timed_out:
        status, error = STATUS_TIMEOUT, f"killed by the hard timeout of {ctx.hard_timeout:g}s"
    payload: dict[str, Any] = {}
    if (run_dir / RESULT_FILE).is_file():
        payload = json.loads((run_dir / RESULT_FILE).read_text(encoding="utf-8"))
    if status is None:
        status = payload.get("status", STATUS_FAILED)
        error = payload.get("error") or ("" if status == STATUS_OK else f"worker died: {_last_line(log) or 'no output'}")
        error = _memory_error(watched, error, status, ctx.memory_cap_mb)  # issue 15: out-of-memory is named
    facts = {**payload.get("facts", {})}
    if watched.peak_rss_mb is not None:
        facts.setdefault("peak_rss_mb", watched.peak_rss_mb)
    return {**row, **facts, **payload.get("metrics", {}), "status": status, "error": error, "finished_at": _now()}


def _memory_error(watched: Any, error: str, status: str, memory_cap_mb: float | None) -> str:
    """``error``, or the out-of-memory line with the peak when the worker ran out of memory."""
    if status == STATUS_OK:
        return error
    if watched.out_of_memory:
        return watched.oom_error(memory_cap_mb)
    if is_oom_message(error):
        peak = f"{watched.peak_rss_mb:.0f} MB" if watched.peak_rss_mb is not None else "unknown"
        return f"out-of-memory (peak RSS {peak}): {error}"[:500]
    return error


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S")


__all__ = ["RESERVED_SETTINGS", "RunContext", "build_request", "execute_run"]
