"""``convert_main``: exit codes, one-line errors, the printed report."""
from __future__ import annotations

from pathlib import Path

import pytest
from _convert_bundle import write_bundle

from recbole_kgllm.datasets.cli import convert_main


def test_convert_main_prints_the_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bundle = write_bundle(tmp_path / "src")
    code = convert_main(["ml-1m", "--source", str(bundle), "--out", str(tmp_path / "out"), "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Dataset 'ml-1m'" in out and "linked items" in out
    assert (tmp_path / "out" / "ml-1m" / "ml-1m.inter").is_file()


def test_convert_main_missing_source_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = convert_main(["ml-1m", "--source", str(tmp_path / "missing"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("error: ml-1m source folder not found") and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_convert_main_bad_usage_returns_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert convert_main(["ml-1m", "--source", str(tmp_path), "--out", str(tmp_path), "--variant", "x"]) == 2
    assert "invalid choice" in capsys.readouterr().err
