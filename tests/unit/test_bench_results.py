"""results.csv: atomic appends, resume keys, retried failures."""
from __future__ import annotations

import csv
from pathlib import Path

from recbole_kgllm.bench.results import FIXED_COLUMNS, ResultsFile, row_key


def _row(label: str, seed: int, status: str = "ok", **metrics: float) -> dict[str, object]:
    return {"dataset": "ml-100k", "table": "main", "label": label, "seed": seed, "data": "linked",
            "settings_hash": "abc", "status": status, **metrics}


def test_rows_are_appended_and_read_back(tmp_path: Path) -> None:
    results = ResultsFile(tmp_path / "out" / "results.csv")
    assert results.rows() == [] and results.done_keys() == set()
    results.append(_row("BPR", 2020, **{"ndcg@10": 0.25}))
    results.append(_row("KGLLMRec", 2020, **{"ndcg@10": 0.5, "cold_ndcg@20": 0.125}))
    rows = results.rows()
    assert [r["label"] for r in rows] == ["BPR", "KGLLMRec"]
    assert float(rows[1]["ndcg@10"]) == 0.5 and rows[0]["cold_ndcg@20"] == ""
    with open(results.path, newline="") as handle:
        header = next(csv.reader(handle))
    assert header[: len(FIXED_COLUMNS)] == list(FIXED_COLUMNS)
    assert header[len(FIXED_COLUMNS):] == ["ndcg@10", "cold_ndcg@20"]
    assert not list(results.path.parent.glob(".*.tmp"))


def test_only_successful_runs_are_done_unless_failures_are_skipped(tmp_path: Path) -> None:
    results = ResultsFile(tmp_path / "results.csv")
    results.append(_row("BPR", 2020))
    results.append(_row("KGAT", 2020, status="failed"))
    assert results.done_keys() == {row_key(_row("BPR", 2020))}
    assert results.done_keys(failed_count_as_done=True) == {row_key(_row("BPR", 2020)), row_key(_row("KGAT", 2020))}


def test_a_retried_run_replaces_its_row(tmp_path: Path) -> None:
    results = ResultsFile(tmp_path / "results.csv")
    results.append(_row("KGAT", 2020, status="failed"))
    results.append(_row("BPR", 2020))
    results.append(_row("KGAT", 2020, **{"ndcg@10": 0.3}))
    rows = results.rows()
    assert [(r["label"], r["status"]) for r in rows] == [("BPR", "ok"), ("KGAT", "ok")]
    assert row_key(_row("KGAT", 2020)) in results.done_keys()


def test_keys_distinguish_seed_table_data_and_settings(tmp_path: Path) -> None:
    base = _row("BPR", 2020)
    keys = {row_key(base), row_key({**base, "seed": 2021}), row_key({**base, "table": "cold"}),
            row_key({**base, "data": "full"}), row_key({**base, "settings_hash": "def"})}
    assert len(keys) == 5
    assert row_key({**base, "seed": "2020"}) == row_key(base)  # CSV strings match ints
    nan = {**base, "ndcg@10": float("nan")}
    results = ResultsFile(tmp_path / "results.csv")
    results.append(nan)
    assert results.rows()[0]["ndcg@10"] == ""
