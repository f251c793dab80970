"""One tuning trial: the run pipeline's stages up to validation (never the test split), with
each epoch's validation score reported to Ray Tune (an ASHA scheduler stops bad trials there)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from recbole_kgllm.recbole_integration.callbacks import RunCallback


class ReportEpochs(RunCallback):
    """Reports ``valid_score`` (the config's ``valid_metric``) after every validation."""

    def __init__(self, report: Any) -> None:
        self.report = report
        self.best: float | None = None
        self.bigger = True

    def on_config(self, config: Any) -> None:
        self.bigger = bool(config["valid_metric_bigger"])

    def on_epoch(self, epoch: int, valid_score: float) -> None:
        better = self.best is None or (valid_score > self.best if self.bigger else valid_score < self.best)
        self.best = valid_score if better else self.best
        self.report({"valid_score": float(valid_score), "best_valid_score": float(self.best), "epoch": int(epoch)})


def run_trial(
    model: str, dataset: str, config_files: Sequence[str], fixed: dict[str, Any], params: dict[str, Any], report: Any
) -> float | None:
    """Train ``model`` with ``fixed`` and ``params`` settings and validate after each epoch.

    Returns:
        The best validation score (``None`` if no validation ran).
    """
    from recbole_kgllm.recbole_integration import pipeline
    from recbole_kgllm.recbole_integration.model_lookup import resolve_model

    reporter = ReportEpochs(report)
    config = pipeline.start(model, dataset, list(config_files) or None, {**fixed, **params})
    reporter.on_config(config)
    data = pipeline.load_data(config)
    model_class = resolve_model(model)
    features = pipeline.feature_stage(config, model_class, data.train_dataset)
    recommender = pipeline.build_model(config, data.train_dataset, model_class, features)
    trainer = pipeline.build_trainer(config, recommender)
    pipeline.fit(trainer, data, saved=False, callbacks=reporter)
    return reporter.best


def trainable(params: dict[str, Any], *, model: str, dataset: str, config_files: Sequence[str], fixed: dict[str, Any]) -> None:
    """The Ray Tune function trainable (runs in a Ray worker process)."""
    from ray.air import session

    run_trial(model, dataset, config_files, fixed, params, session.report)


__all__ = ["ReportEpochs", "run_trial", "trainable"]
