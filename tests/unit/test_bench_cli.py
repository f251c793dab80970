"""The bench command line: usage errors, metric merging, load_col."""
from __future__ import annotations

from pathlib import Path

import pytest

from _bench_data import NAME, write_toy
from recbole_kgllm.bench.cli import bench_main
from recbole_kgllm.bench.invocation import harness_load_col, merged_metrics
from recbole_kgllm.bench.data_prep import AtomicFields


def test_metrics_are_extended_for_the_report() -> None:
    metrics, topk = merged_metrics(["Recall", "MRR", "NDCG"], [10], ["recall@20", "ndcg@10", "itemcoverage@10"])
    assert metrics == ["Recall", "MRR", "NDCG", "itemcoverage"]
    assert topk == [10, 20]
    assert merged_metrics("Recall", 5, ["recall@5"]) == (["Recall"], [5])


def test_load_col_gains_kg_and_link_columns(tmp_path: Path) -> None:
    src = write_toy(tmp_path)
    fields = AtomicFields()
    load_col = harness_load_col({"inter": ["user_id", "item_id"]}, src, NAME, fields)
    assert load_col == {"inter": ["user_id", "item_id"], "kg": ["head_id", "relation_id", "tail_id"], "link": ["item_id", "entity_id"]}
    assert harness_load_col(None, src, NAME, fields) is None
    mine = {"inter": ["user_id", "item_id"], "kg": ["head_id", "tail_id", "relation_id"]}
    assert harness_load_col(mine, src, NAME, fields)["kg"] == ["head_id", "tail_id", "relation_id"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--seed=3"], "--seed is set by the harness"),
        (["--seeds", "0"], "--seeds 0"),
        (["--models", "BPR[x"], "unbalanced"),
        (["--cold_share", "1.5"], "--cold_share"),
        (["--epochs", "1"], "settings are written --key=value"),
        (["--metrics", "ndcg"], "invalid metric 'ndcg'"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(
    extra: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--dataset", "ml-100k", "--models", "BPR", "--out", str(tmp_path / "out"), *extra]
    assert bench_main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and message in err
    assert not (tmp_path / "out").exists()


def test_missing_runs_message_tells_failed_from_not_run() -> None:
    from recbole_kgllm.bench.cli import missing_runs_message

    assert missing_runs_message(0, 0, 5) == ""
    assert missing_runs_message(2, 0, 5) == "2 of 5 runs failed (see results.md, 'Failed runs')"
    only_pending = missing_runs_message(0, 4, 5)
    assert only_pending.startswith("4 of 5 runs have not run yet") and "Failed runs" not in only_pending
    both = missing_runs_message(1, 3, 5)
    assert "1 of 5 runs failed" in both and "3 of 5 runs have not run yet" in both
