"""``recbole-kgllm tune``: two one-epoch trials on a tiny slice of ml-100k, on local cores."""
from __future__ import annotations

import csv
from pathlib import Path

import yaml

from recbole_kgllm import cli


def _slice(source: Path, out: Path, users: int = 60) -> Path:
    folder = out / "ml-tiny"
    folder.mkdir(parents=True)
    lines = (source / "ml-100k.inter").read_text().splitlines()
    keep = {str(u) for u in range(1, users + 1)}
    (folder / "ml-tiny.inter").write_text("\n".join([lines[0], *(l for l in lines[1:] if l.split("\t")[0] in keep)]) + "\n")
    return out


def test_tune_two_trials_writes_table_and_a_best_config_run_recbole_accepts(tmp_path: Path, ml100k_source: Path, monkeypatch) -> None:
    data = _slice(ml100k_source, tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    params = tmp_path / "hyper.test"
    params.write_text("learning_rate loguniform -8,0\nembedding_size choice [8,16]\n")
    code = cli.main([
        "tune", "--model=BPR", "--dataset=ml-tiny", f"--params_file={params}", "--num_samples=2", "--out=runs",
        "--seed=1", f"--data_path={data}", "--epochs=1", "--eval_batch_size=100000",
    ])
    assert code == 0
    folder = tmp_path / "runs" / "BPR-ml-tiny"
    rows = list(csv.DictReader(open(folder / "results.csv", encoding="utf-8")))
    assert len(rows) == 2 and all(r["status"] == "done" for r in rows)
    scores = [float(r["best_valid_score"]) for r in rows]
    assert scores == sorted(scores, reverse=True)
    best = yaml.safe_load((folder / "best.yaml").read_text())
    assert {"learning_rate", "embedding_size", "epochs", "data_path"} <= set(best)
    assert best["embedding_size"] in (8, 16)
    from recbole_kgllm.recbole_integration.config import build_config

    config = build_config("BPR", "ml-tiny", [str(folder / "best.yaml")])
    assert config["learning_rate"] == best["learning_rate"]

    # --resume on the finished search restores it: the same trials with the same scores
    before = {r["trial"]: r["best_valid_score"] for r in rows}
    assert cli.main([
        "tune", "--model=BPR", "--dataset=ml-tiny", f"--params_file={params}", "--num_samples=2", "--out=runs",
        "--resume", f"--data_path={data}", "--epochs=1", "--eval_batch_size=100000",
    ]) == 0
    again = list(csv.DictReader(open(folder / "results.csv", encoding="utf-8")))
    assert all(r["status"] == "done" for r in again)
    assert {r["trial"]: r["best_valid_score"] for r in again} == before


def test_resume_without_a_search_is_one_error(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    params = tmp_path / "hyper.test"
    params.write_text("learning_rate loguniform -8,0\n")
    code = cli.main(["tune", "--model=BPR", "--dataset=ml-100k", f"--params_file={params}", "--out=runs", "--resume"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "nothing to resume" in err[0]
