"""One benchmark run, in its own process: ``python -m recbole_kgllm.bench.worker REQUEST.json``.

The run is the run pipeline's (:func:`recbole_kgllm.recbole_integration.pipeline.run_pipeline`:
config, dataset, split, features, model, trainer, ``fit`` with ``saved=True`` and a test of the
best validation checkpoint). Its callbacks record what the harness reports, written to
``result.json`` (and ``config.json``, the full effective config) in the run folder:

* ``best_epoch``, ``epochs``, ``seconds_per_epoch`` (``fit`` time over epochs): from the
  pipeline's :class:`~recbole_kgllm.recbole_integration.callbacks.FitSummary`;
* ``data_seconds``: loading and splitting; ``feature_seconds``: computing or loading exactly the
  KG/text views the model declared (0 for RecBole models; a view the model does not read is
  never computed); ``setup_seconds``: building the model (a closed form fits here);
  ``eval_seconds``: the test evaluation;
* ``peak_rss_mb``: this process's maximum resident memory; ``peak_gpu_mb``:
  ``torch.cuda.max_memory_allocated`` on CUDA;
* a time cap: after each validation, a run whose ``fit`` has lasted longer than ``time_cap``
  seconds stops; its best checkpoint so far is tested and the row says ``time_capped``;
* one more ranking pass over the test users (:mod:`recbole_kgllm.bench.ranking_pass`) for the
  beyond-accuracy metrics RecBole 1.2.1 cannot collect (item coverage, Gini index) and, with
  ``cold_items``, Recall@k / NDCG@k on held-out items and on the other items.

RecBole writes its ``log/`` and ``log_tensorboard/`` into the working directory: the runner
starts the worker in the run folder.
"""
from __future__ import annotations

import json
import logging
import os
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from recbole_kgllm.recbole_integration.callbacks import FitSummary, RunCallback, TimeCap, peak_rss_mb
from recbole_kgllm.recbole_integration.dataset_facts import dataset_sizes, split_fingerprint
from recbole_kgllm.recbole_integration.pipeline import config_snapshot

RESULT_FILE, CONFIG_FILE, REQUEST_FILE = "result.json", "config.json", "request.json"


def _write_json(path: Path, payload: Any) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(payload, indent=1, sort_keys=True, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)


class RunFacts(RunCallback):
    """Collects the facts of one run (see the module doc) from the pipeline's callbacks."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.facts: dict[str, Any] = {}

    def on_config(self, config: Any) -> None:
        _write_json(self.run_dir / CONFIG_FILE, config_snapshot(config))
        self.facts["device"] = str(config["device"])

    def on_data(self, data: Any, seconds: float) -> None:
        self.facts.update(dataset_sizes(data.dataset, data.parts))
        self.facts.update(split_sha=split_fingerprint(data.parts), data_seconds=seconds)

    def on_features(self, features: Any, seconds: float) -> None:
        self.facts["feature_seconds"] = seconds

    def on_model(self, model: Any, seconds: float) -> None:
        self.facts["setup_seconds"] = seconds
        self.facts["n_params"] = sum(p.numel() for p in model.parameters())

    def on_fit(self, summary: FitSummary) -> None:
        self.facts.update(
            time_capped=summary.stopped_by is not None, fit_seconds=summary.seconds, epochs=summary.epochs,
            seconds_per_epoch=summary.seconds_per_epoch, best_epoch=summary.best_epoch,
        )

    def on_test(self, result: dict[str, float], seconds: float) -> None:
        self.facts["eval_seconds"] = seconds


def _metrics(result: Any, prefix: str = "") -> dict[str, float]:
    return {f"{prefix}{k}": float(v) for k, v in dict(result or {}).items()}


def execute(request: dict[str, Any]) -> dict[str, Any]:
    """Run one request (see the module doc); returns the result payload."""
    import torch

    from recbole_kgllm.bench.ranking_pass import ranking_pass
    from recbole_kgllm.recbole_integration.pipeline import run_pipeline

    facts = RunFacts(Path(request["run_dir"]))
    result = run_pipeline(
        request["model"], request["dataset"], request.get("config_files") or None, request["config_dict"],
        saved=True, callbacks=[facts, TimeCap(request.get("time_cap"))],
    )
    logging.getLogger().info(f"test result: {dict(result.test_result)}")
    metrics = {**_metrics(result.test_result), **_metrics(result.best_valid_result, "valid_")}
    clock = time.perf_counter()
    data, config = result.data, result.config
    assert data is not None
    metrics.update(
        ranking_pass(
            result.model, data.test, data.train_dataset, config, posthoc=request.get("posthoc_metrics", ()),
            cold_items=request.get("cold_items"), slice_ks=request.get("slice_ks", [20]),
        )
    )
    out = dict(facts.facts, posthoc_seconds=time.perf_counter() - clock, peak_rss_mb=peak_rss_mb())
    device = torch.device(config["device"])
    out["peak_gpu_mb"] = torch.cuda.max_memory_allocated(device) / 2**20 if device.type == "cuda" else None
    return {"status": "ok", "error": "", "metrics": metrics, "facts": out, "checkpoint": result.checkpoint}


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}"[:500]


def main(argv: Sequence[str] | None = None) -> int:
    """Read the request, run it, write ``result.json``; exit 0 on success, 1 on failure."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m recbole_kgllm.bench.worker REQUEST.json", file=sys.stderr)
        return 2
    request = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    run_dir = Path(request["run_dir"])
    sys.argv = [sys.argv[0]]  # RecBole's Config reads sys.argv
    from recbole_kgllm.recbole_integration.compat.trust import config_trusts_checkpoints, trusted_checkpoints

    try:
        with trusted_checkpoints(config_trusts_checkpoints(request.get("config_dict") or {})):
            payload = execute(request)
    except (Exception, SystemExit) as error:  # noqa: BLE001 - every failure is recorded (RecBole may exit())
        traceback.print_exc()
        payload = {"status": "failed", "error": _one_line(error), "metrics": {}, "facts": {"peak_rss_mb": peak_rss_mb()}}
    _write_json(run_dir / RESULT_FILE, payload)
    return 0 if payload["status"] == "ok" else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
