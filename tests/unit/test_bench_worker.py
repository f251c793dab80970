"""The worker's epoch monitor: best epoch from the trainer state, and the time cap."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from recbole_kgllm.bench.worker import EpochMonitor, TimeCapReached


def test_best_epoch_uses_recboles_formula() -> None:
    monitor = EpochMonitor(time_cap=None)
    for epoch, score in [(1, 0.1), (3, 0.3), (5, 0.2), (7, 0.25)]:  # validated every 2 epochs
        monitor(epoch, score)
    # RecBole: best epoch = last validated epoch - cur_step * eval_step; two validations since the best
    assert monitor.best_epoch(SimpleNamespace(cur_step=2, eval_step=2), epochs_run=8) == 3
    assert EpochMonitor(None).best_epoch(SimpleNamespace(cur_step=0, eval_step=1), epochs_run=4) == 3  # no validation


def test_time_cap_stops_after_a_validation() -> None:
    monitor = EpochMonitor(time_cap=0.0)
    with pytest.raises(TimeCapReached, match="time cap"):
        monitor(0, 0.5)
    assert monitor.evaluated[0][:2] == (0, 0.5)  # recorded before stopping
    free = EpochMonitor(time_cap=None)
    free(0, 0.5)
    assert len(free.evaluated) == 1
