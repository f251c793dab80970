"""The pipeline's fit stage: best epoch from the trainer state, callbacks, and the time cap."""
from __future__ import annotations

from typing import Any

import pytest

from recbole_kgllm.recbole_integration.callbacks import FitSummary, RunCallback, StopTraining, TimeCap
from recbole_kgllm.recbole_integration.pipeline import DataSplits, fit


class FakeTrainer:
    """Validates at ``validated`` epochs (scores given), like RecBole's ``Trainer.fit``."""

    def __init__(self, scores: dict[int, float], *, epochs: int, eval_step: int, cur_step: int) -> None:
        self.scores, self.epochs, self.eval_step, self.final_cur_step = scores, epochs, eval_step, cur_step
        self.config = {"show_progress": False}
        self.train_loss_dict: dict[int, float] = {}
        self.cur_step = 0

    def fit(self, train: Any, valid: Any, *, saved: bool, show_progress: bool, callback_fn: Any) -> None:
        for epoch in range(self.epochs):
            self.train_loss_dict[epoch] = 1.0
            if epoch in self.scores:
                self.cur_step = self.final_cur_step
                callback_fn(epoch, self.scores[epoch])


DATA = DataSplits(dataset=None, train=None, valid=None, test=None)


class Recorder(RunCallback):
    def __init__(self) -> None:
        self.epochs: list[tuple[int, float]] = []
        self.summary: FitSummary | None = None

    def on_epoch(self, epoch: int, valid_score: float) -> None:
        self.epochs.append((epoch, valid_score))

    def on_fit(self, summary: FitSummary) -> None:
        self.summary = summary


def test_best_epoch_uses_recboles_formula_and_callbacks_see_every_validation() -> None:
    trainer = FakeTrainer({1: 0.1, 3: 0.3, 5: 0.2, 7: 0.25}, epochs=8, eval_step=2, cur_step=2)
    recorder = Recorder()
    summary = fit(trainer, DATA, callbacks=recorder)
    # RecBole: best epoch = last validated epoch - cur_step * eval_step; two validations since the best
    assert summary.best_epoch == 3 and summary.epochs == 8 and summary.stopped_by is None
    assert recorder.epochs == [(1, 0.1), (3, 0.3), (5, 0.2), (7, 0.25)]
    assert recorder.summary == summary
    assert summary.seconds_per_epoch == pytest.approx(summary.seconds / 8)


def test_without_validation_the_last_epoch_is_best() -> None:
    summary = fit(FakeTrainer({}, epochs=4, eval_step=1, cur_step=0), DATA)
    assert summary.best_epoch == 3


def test_a_callback_stops_training_after_a_validation() -> None:
    class StopAtThree(RunCallback):
        def on_epoch(self, epoch: int, valid_score: float) -> None:
            if epoch == 3:
                raise StopTraining("enough")

    trainer = FakeTrainer({1: 0.1, 3: 0.3, 5: 0.2}, epochs=8, eval_step=2, cur_step=0)
    summary = fit(trainer, DATA, callbacks=StopAtThree())
    assert summary.stopped_by == "enough" and summary.epochs == 4 and summary.best_epoch == 3


def test_time_cap_stops_after_the_first_validation_past_it() -> None:
    with pytest.raises(StopTraining, match="time cap"):
        TimeCap(0.0).on_epoch(0, 0.5)
    TimeCap(None).on_epoch(0, 0.5)  # no cap: never stops
    summary = fit(FakeTrainer({0: 0.1, 1: 0.2}, epochs=3, eval_step=1, cur_step=0), DATA, callbacks=TimeCap(0.0))
    assert summary.epochs == 1 and "time cap" in (summary.stopped_by or "")
