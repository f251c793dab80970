"""Callbacks of the run pipeline: what the benchmark (or any caller) observes or controls
around each stage, without re-implementing the run.

Every method of :class:`RunCallback` is optional. :meth:`RunCallback.on_epoch` may raise
:class:`StopTraining` to end ``fit`` after a validation (the best checkpoint so far is tested).
"""
from __future__ import annotations

import resource
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


class StopTraining(Exception):
    """Raised by a callback's :meth:`RunCallback.on_epoch` to stop training after a validation."""


@dataclass(frozen=True)
class FitSummary:
    """What ``fit`` did.

    Attributes:
        epochs: epochs trained; best_epoch: the epoch of the best validation (its checkpoint
        is the one tested); seconds: training and validation time; stopped_by: the message of
        the :class:`StopTraining` that ended it, or ``None``.
    """

    epochs: int
    best_epoch: int
    seconds: float
    stopped_by: str | None = None

    @property
    def seconds_per_epoch(self) -> float:
        return self.seconds / max(self.epochs, 1)


class RunCallback:
    """Observer of one pipeline run (see the module docstring); subclass what you need."""

    def on_config(self, config: Any) -> None:
        """The RecBole config is built (before any data is read)."""

    def on_data(self, data: Any, seconds: float) -> None:
        """The dataset is loaded and split (``data`` is a :class:`~recbole_kgllm.recbole_integration.pipeline.DataSplits`)."""

    def on_features(self, features: Any, seconds: float) -> None:
        """The model's frozen views are computed or read (``None`` for a model without any)."""

    def on_model(self, model: Any, seconds: float) -> None:
        """The model is built (for a closed form: fitted) and on its device."""

    def on_epoch(self, epoch: int, valid_score: float) -> None:
        """After each validation during ``fit``; raise :class:`StopTraining` to stop."""

    def on_fit(self, summary: FitSummary) -> None:
        """``fit`` ended."""

    def on_test(self, result: dict[str, float], seconds: float) -> None:
        """The best checkpoint was evaluated on the test split."""


class Callbacks(RunCallback):
    """Several callbacks called in order."""

    def __init__(self, callbacks: Sequence[RunCallback] = ()) -> None:
        self.callbacks = list(callbacks)

    def on_config(self, config: Any) -> None:
        for cb in self.callbacks:
            cb.on_config(config)

    def on_data(self, data: Any, seconds: float) -> None:
        for cb in self.callbacks:
            cb.on_data(data, seconds)

    def on_features(self, features: Any, seconds: float) -> None:
        for cb in self.callbacks:
            cb.on_features(features, seconds)

    def on_model(self, model: Any, seconds: float) -> None:
        for cb in self.callbacks:
            cb.on_model(model, seconds)

    def on_epoch(self, epoch: int, valid_score: float) -> None:
        for cb in self.callbacks:
            cb.on_epoch(epoch, valid_score)

    def on_fit(self, summary: FitSummary) -> None:
        for cb in self.callbacks:
            cb.on_fit(summary)

    def on_test(self, result: dict[str, float], seconds: float) -> None:
        for cb in self.callbacks:
            cb.on_test(result, seconds)


class TimeCap(RunCallback):
    """Stops ``fit`` after the first validation that ends more than ``seconds`` after it began."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.start = time.perf_counter()

    def on_model(self, model: Any, seconds: float) -> None:
        self.start = time.perf_counter()  # fit starts next

    def on_epoch(self, epoch: int, valid_score: float) -> None:
        elapsed = time.perf_counter() - self.start
        if self.seconds is not None and elapsed > self.seconds:
            raise StopTraining(f"stopped after epoch {epoch}: fit ran {elapsed:.0f}s > time cap {self.seconds:.0f}s")


def peak_rss_mb() -> float:
    """This process's maximum resident set size in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes on macOS, KiB on Linux


__all__ = ["Callbacks", "FitSummary", "RunCallback", "StopTraining", "TimeCap", "peak_rss_mb"]
