"""The serving benchmark scripts: their statistics helpers (the scripts themselves need a checkpoint)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from _scripts import load_script




def test_percentiles_are_in_milliseconds() -> None:
    latency = load_script("recommend_latency")
    stats = latency.percentiles([0.001] * 99 + [0.1])
    assert stats["p50_ms"] == pytest.approx(1.0) and stats["n"] == 100 and 1.0 < stats["p99_ms"] <= 100.0


def test_kg_stats_count_paths_and_lengths() -> None:
    latency = load_script("recommend_latency")
    kg = SimpleNamespace(kind="kg", path=(1, 2))
    text = SimpleNamespace(kind="text", path=())
    items = [SimpleNamespace(reasons=(kg, text)), SimpleNamespace(reasons=(text,)), SimpleNamespace(reasons=())]
    fake = SimpleNamespace(recommend=lambda users, k, explain: [SimpleNamespace(items=items) for _ in users])
    stats = latency.kg_stats(fake, ["a", "b"], 3)
    assert stats["kg_path_share"] == pytest.approx(1 / 3) and stats["mean_path_length"] == 2.0
    assert stats["items_without_reason"] == 2 and stats["path_length_counts"] == {"2": 2}


def test_http_load_script_imports() -> None:
    assert callable(load_script("http_load").level)
