"""One benchmark run, in its own process: ``python -m recbole_kgllm.bench.worker REQUEST.json``.

The run follows our quick start (:mod:`recbole_kgllm.recbole_integration.quick_start`): config,
dataset, split, model, RecBole's trainer, ``fit`` with ``saved=True`` and a test of the best
validation checkpoint. Around it, it measures what the harness reports and writes
``result.json`` (and ``config.json``, the full effective config) into the run folder:

* ``best_epoch``: the epoch of the best validation score, from the trainer's own state (last
  evaluated epoch minus ``cur_step * eval_step``, RecBole's own formula);
* ``epochs``: epochs trained (``len(trainer.train_loss_dict)``); ``seconds_per_epoch`` is the
  time of ``fit`` (training and validation) divided by it;
* ``eval_seconds``: the test evaluation; ``feature_seconds``: computing or loading our models'
  KG/text features before the model is built (so that the model's initialisation draws the same
  random numbers whether the features were cached or not); ``setup_seconds``: building the model;
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

import hashlib
import json
import logging
import os
import resource
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

RESULT_FILE, CONFIG_FILE, REQUEST_FILE = "result.json", "config.json", "request.json"


class TimeCapReached(Exception):
    """Raised from the epoch callback to stop ``fit`` at the time cap."""


class EpochMonitor:
    """``fit``'s ``callback_fn``: records each validation and enforces the time cap."""

    def __init__(self, time_cap: float | None) -> None:
        self.time_cap = time_cap
        self.start = time.perf_counter()
        self.evaluated: list[tuple[int, float, float]] = []  # (epoch, valid score, seconds since start)

    def __call__(self, epoch_idx: int, valid_score: float) -> None:
        elapsed = time.perf_counter() - self.start
        self.evaluated.append((int(epoch_idx), float(valid_score), elapsed))
        if self.time_cap is not None and elapsed > self.time_cap:
            raise TimeCapReached(f"stopped after epoch {epoch_idx}: fit ran {elapsed:.0f}s > time cap {self.time_cap:.0f}s")

    def best_epoch(self, trainer: Any, epochs_run: int) -> int:
        """The epoch whose checkpoint is the best one (RecBole's own formula)."""
        if not self.evaluated:
            return epochs_run - 1
        return self.evaluated[-1][0] - int(trainer.cur_step) * int(trainer.eval_step)


def _write_json(path: Path, payload: Any) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(payload, indent=1, sort_keys=True, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def peak_rss_mb() -> float:
    """This process's maximum resident set size in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes on macOS, KiB on Linux


def split_fingerprint(datasets: Sequence[Any]) -> str:
    """sha256 over the sorted (user token, item token) pairs of each split part: equal for two
    runs exactly when they trained, validated and tested on the same interactions."""
    digest = hashlib.sha256()
    for part in datasets:
        uid, iid = part.uid_field, part.iid_field
        users = part.id2token(uid, part.inter_feat[uid].numpy())
        items = part.id2token(iid, part.inter_feat[iid].numpy())
        digest.update("\n".join(sorted(f"{u}\t{i}" for u, i in zip(users, items))).encode())
        digest.update(b"\x00")
    return digest.hexdigest()[:16]


def warm_features(model_name: str, config: Any) -> None:
    """Compute (or load) the KG/text features our registered models will read, before the
    model is built: RecBole models are left alone."""
    from recbole_kgllm.registry import get_registry

    if model_name not in get_registry("model"):
        return
    from recbole_kgllm.features import api

    if config["use_kg"]:
        api.kg_embedding_result(config)
    if config["use_text"]:
        api.text_result(config, "item")
    if config["use_user_text"]:
        api.text_result(config, "user")


def _metrics(result: Any, prefix: str = "") -> dict[str, float]:
    return {f"{prefix}{k}": float(v) for k, v in dict(result or {}).items()}


def execute(request: dict[str, Any]) -> dict[str, Any]:
    """Run one request (see the module doc); returns the result payload."""
    import torch
    from recbole.data import create_dataset, data_preparation
    from recbole.utils import init_logger, init_seed

    from recbole_kgllm.bench.ranking_pass import ranking_pass
    from recbole_kgllm.recbole_integration.config import build_config
    from recbole_kgllm.recbole_integration.model_lookup import resolve_model
    from recbole_kgllm.recbole_integration.preflight import preflight
    from recbole_kgllm.recbole_integration.quick_start import trainer_class
    from recbole_kgllm.recbole_integration.session import prepare_recbole

    run_dir = Path(request["run_dir"])
    model_name = request["model"]
    prepare_recbole()
    config = build_config(model_name, request["dataset"], request.get("config_files") or None, request["config_dict"])
    report = preflight(config)
    init_seed(config["seed"], config["reproducibility"])
    init_logger(config)
    logger = logging.getLogger()
    report.log(logger)
    _write_json(run_dir / CONFIG_FILE, dict(config.final_config_dict))

    clock = time.perf_counter()
    dataset = create_dataset(config)
    logger.info(dataset)
    train_data, valid_data, test_data = data_preparation(config, dataset)
    parts = [train_data._dataset, valid_data._dataset, test_data._dataset]
    facts: dict[str, Any] = {
        "n_users": dataset.user_num - 1, "n_items": dataset.item_num - 1,
        "n_train": len(parts[0].inter_feat), "n_valid": len(parts[1].inter_feat), "n_test": len(parts[2].inter_feat),
        "split_sha": split_fingerprint(parts), "data_seconds": time.perf_counter() - clock,
        "device": str(config["device"]),
    }

    clock = time.perf_counter()
    warm_features(model_name, config)
    facts["feature_seconds"] = time.perf_counter() - clock

    init_seed(config["seed"] + config["local_rank"], config["reproducibility"])
    model_class = resolve_model(model_name)
    clock = time.perf_counter()
    model = model_class(config, train_data._dataset).to(config["device"])
    facts["setup_seconds"] = time.perf_counter() - clock
    facts["n_params"] = sum(p.numel() for p in model.parameters())
    logger.info(model)

    trainer = trainer_class(model_class, config)(config, model)
    monitor = EpochMonitor(request.get("time_cap"))
    facts["time_capped"] = False
    try:
        trainer.fit(train_data, valid_data, saved=True, show_progress=config["show_progress"], callback_fn=monitor)
    except TimeCapReached as stop:
        facts["time_capped"] = True
        logger.info(str(stop))
    facts["fit_seconds"] = time.perf_counter() - monitor.start
    facts["epochs"] = len(trainer.train_loss_dict)
    facts["seconds_per_epoch"] = facts["fit_seconds"] / max(facts["epochs"], 1)
    facts["best_epoch"] = monitor.best_epoch(trainer, facts["epochs"])

    clock = time.perf_counter()
    test_result = trainer.evaluate(test_data, load_best_model=True, show_progress=config["show_progress"])
    facts["eval_seconds"] = time.perf_counter() - clock
    logger.info(f"test result: {dict(test_result)}")
    metrics = {**_metrics(test_result), **_metrics(trainer.best_valid_result, "valid_")}
    clock = time.perf_counter()
    metrics.update(
        ranking_pass(
            model, test_data, train_data._dataset, config, posthoc=request.get("posthoc_metrics", ()),
            cold_items=request.get("cold_items"), slice_ks=request.get("slice_ks", [20]),
        )
    )
    facts["posthoc_seconds"] = time.perf_counter() - clock
    facts["peak_rss_mb"] = peak_rss_mb()
    device = torch.device(config["device"])
    facts["peak_gpu_mb"] = torch.cuda.max_memory_allocated(device) / 2**20 if device.type == "cuda" else None
    return {"status": "ok", "error": "", "metrics": metrics, "facts": facts, "checkpoint": trainer.saved_model_file}


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
