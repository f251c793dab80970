"""The benchmark harness end to end on ml-100k (real RecBole, PyKEEN and MiniLM runs, 1 epoch)."""
from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from recbole_kgllm import cli
from recbole_kgllm.bench.cli import bench_main
from recbole_kgllm.bench.cold_split import read_cold_items, write_cold_dataset
from recbole_kgllm.bench.data_prep import AtomicFields, write_linked_dataset

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
LOAD_COL = {"inter": ["user_id", "item_id", "rating", "timestamp"], "kg": ["head_id", "relation_id", "tail_id"],
            "link": ["item_id", "entity_id"]}


@pytest.fixture(autouse=True)
def _private_default_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers inherit the environment: any feature work without feature_cache_dir stays in tmp."""
    monkeypatch.setenv("RECBOLE_KGLLM_CACHE", str(tmp_path / "default_cache"))


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _pairs(dataset: object) -> list[tuple[str, str]]:
    uid, iid = dataset.uid_field, dataset.iid_field  # type: ignore[attr-defined]
    feat = dataset.inter_feat  # type: ignore[attr-defined]
    users = dataset.id2token(uid, np.asarray(feat[uid]))  # type: ignore[attr-defined]
    items = dataset.id2token(iid, np.asarray(feat[iid]))  # type: ignore[attr-defined]
    return sorted(zip(map(str, users), map(str, items)))


def test_bench_two_models_writes_every_output_and_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], small_features: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["x"])
    out = tmp_path / "bench"
    argv = ["--dataset", "ml-100k", "--models", "BPR,KGLLMRec", "--seeds", "1", "--out", str(out), "--epochs=1",
            "--eval_batch_size=100000", *small_features]
    assert bench_main(argv) == 0
    printed = capsys.readouterr().out
    assert printed.count(": running") == 2 and printed.count(": ok in") == 2

    rows = _csv(out / "results.csv")
    assert sorted((r["label"], r["status"], r["seed"], r["data"]) for r in rows) == [
        ("BPR", "ok", "2020", "linked"), ("KGLLMRec", "ok", "2020", "linked")]
    assert len({r["split_sha"] for r in rows}) == 1, "the two models did not get the same split"
    for row in rows:
        assert 0.0 < float(row["ndcg@10"]) <= 1.0 and 0.0 < float(row["recall@20"]) <= 1.0
        assert 0.0 < float(row["itemcoverage@10"]) <= 1.0 and 0.0 <= float(row["giniindex@10"]) <= 1.0
        assert row["epochs"] == "1" and row["best_epoch"] == "0"
        assert float(row["seconds_per_epoch"]) > 0 and float(row["eval_seconds"]) > 0 and float(row["peak_rss_mb"]) > 0
        assert int(row["n_train"]) + int(row["n_valid"]) + int(row["n_test"]) == 97554  # linked interactions of ml-100k
        run_dir = Path(row["run_dir"])
        config = json.loads((run_dir / "config.json").read_text())
        assert config["seed"] == 2020 and config["reproducibility"] is True
        assert Path(config["checkpoint_dir"]) == run_dir / "checkpoints"
        assert list((run_dir / "checkpoints").glob(f"{row['model']}-*.pth")), "best checkpoint not saved"
        assert (run_dir / "log").is_dir()  # RecBole's log folder went to the run folder, not the cwd
    assert not (tmp_path / "log").exists() and not (tmp_path / "saved").exists()

    report = (out / "results.md").read_text()
    assert "`BPR`" in report and "`KGLLMRec`" in report and "against each baseline" in report
    assert "97,554 of 100,000 interactions" in report and "Failed runs" not in report
    plots = sorted(out.glob("*.png"))
    assert plots and all(p.read_bytes()[:8] == PNG_MAGIC for p in plots)

    before = (out / "results.csv").read_bytes()
    assert cli.main(["bench", *argv]) == 0  # through the subcommand this time
    printed = capsys.readouterr().out
    assert printed.count("done before, skipped") == 2 and ": running" not in printed
    assert (out / "results.csv").read_bytes() == before

    # a later invocation with ablations reuses the KGLLMRec row under its ablation name
    assert bench_main([*argv, "--ablations", "modalities", "--report_only"]) == 1  # 4 ablations not run yet
    assert "| `KGLLMRec` (+KG+text) |" in (out / "results.md").read_text()
    assert "4 of 6 runs have not run yet" in capsys.readouterr().out


def test_linked_copy_holds_exactly_what_recbole_keeps_for_knowledge_models(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ml100k_source: Path,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["x"])
    from recbole.data import create_dataset

    from recbole_kgllm.recbole_integration.config import build_config
    from recbole_kgllm.recbole_integration.session import prepare_recbole

    prepare_recbole()
    recbole_kept = _pairs(create_dataset(build_config("CKE", "ml-100k", None, {"load_col": LOAD_COL})))
    report = write_linked_dataset(ml100k_source, tmp_path / "ml-100k-bench", "ml-100k", AtomicFields(), dst_name="ml-100k-bench")
    assert report.interactions_kept == len(recbole_kept) < report.interactions
    settings = {"load_col": LOAD_COL, "data_path": str(tmp_path)}
    general = _pairs(create_dataset(build_config("BPR", "ml-100k-bench", None, settings)))
    knowledge = _pairs(create_dataset(build_config("CKE", "ml-100k-bench", None, settings)))
    assert general == knowledge == recbole_kept


def test_cold_split_reaches_recbole_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ml100k_source: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["x"])
    from recbole.data import create_dataset, data_preparation

    from recbole_kgllm.recbole_integration.config import build_config
    from recbole_kgllm.recbole_integration.session import prepare_recbole

    prepare_recbole()
    folder = tmp_path / "ml-100k-bench"
    write_cold_dataset(ml100k_source, folder, "ml-100k", AtomicFields(), share=0.1, seed=2020, dst_name="ml-100k-bench")
    cold = set(read_cold_items(folder))
    config = build_config("BPR", "ml-100k-bench", None, {
        "data_path": str(tmp_path), "benchmark_filename": ["train", "valid", "test"], "load_col": LOAD_COL,
        "checkpoint_dir": str(tmp_path / "saved"),
    })
    train, valid, test = (d._dataset for d in data_preparation(config, create_dataset(config)))
    train_items, valid_items, test_items = ({i for _, i in _pairs(d)} for d in (train, valid, test))
    assert len(cold) == 168  # 10% of ml-100k's 1,682 items
    assert not cold & (train_items | valid_items)
    assert cold <= test_items
    assert len(train.inter_feat) + len(valid.inter_feat) + len(test.inter_feat) == 100000


def test_a_failed_run_is_recorded_and_the_rest_go_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["x"])
    out = tmp_path / "bench"
    argv = ["--dataset", "ml-100k", "--models", "BPR[embedding_size=-1],Pop", "--seeds", "1", "--out", str(out), "--epochs=1"]
    assert bench_main(argv) == 1
    rows = {r["label"]: r for r in _csv(out / "results.csv")}
    assert rows["BPR[embedding_size=-1]"]["status"] == "failed"
    assert "negative dimension" in rows["BPR[embedding_size=-1]"]["error"]
    assert rows["Pop"]["status"] == "ok" and float(rows["Pop"]["ndcg@10"]) > 0
    assert "## Failed runs" in (out / "results.md").read_text()
    assert "1 of 2 runs failed (see results.md, 'Failed runs')" in capsys.readouterr().out

    assert bench_main([*argv, "--skip_failed"]) == 1  # nothing runs, the failure still counts
    assert ": running" not in capsys.readouterr().out
    assert bench_main(argv) == 1  # the failed run is retried, the finished one is not
    printed = capsys.readouterr().out
    assert printed.count(": running") == 1 and "BPR[embedding_size=-1] seed=2020 data=linked: running" in printed
