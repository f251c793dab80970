"""Unexpected exceptions in the console scripts: one line with a pointer to the traceback."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from recbole_kgllm import cli
from recbole_kgllm.cli_errors import ENV_TRACEBACK


def _boom(*args: object, **kwargs: object) -> None:
    raise ValueError("deep inside a library\nsecond line")


def test_unexpected_error_is_one_line_pointing_to_its_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import recbole_kgllm.recbole_integration.quick_start as quick_start

    monkeypatch.setattr(quick_start, "run", _boom)
    monkeypatch.delenv(ENV_TRACEBACK, raising=False)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert cli.run_recbole_main(["--model=BPR"]) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "unexpected ValueError: deep inside a library" in lines[0] and "Traceback" not in err
    where = Path(re.search(r"full traceback in (\S+);", lines[0]).group(1))  # type: ignore[union-attr]
    assert where.is_file() and "Traceback" in where.read_text() and "second line" in where.read_text()

    monkeypatch.setenv(ENV_TRACEBACK, "1")
    assert cli.run_recbole_main(["--model=BPR"]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_subcommands_report_unexpected_errors_too(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import tempfile

    import recbole_kgllm.features.cli as features_cli

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(features_cli, "features_main", _boom)
    assert cli.main(["features", "kg", "--dataset", "x"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("recbole-kgllm features: error: unexpected ValueError") and err.count("\n") == 1


def test_an_error_in_a_spawned_process_names_its_cause(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import tempfile

    import recbole_kgllm.recbole_integration.quick_start as quick_start
    from torch.multiprocessing.spawn import ProcessRaisedException

    child = "\n\n-- Process 1 terminated with the following error:\nTraceback (most recent call last):\n  File \"x\"\nFileExistsError: [Errno 17] File exists: './log'\n"

    def _spawned(*args: object, **kwargs: object) -> None:
        raise ProcessRaisedException(child, 1, 4242)

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(quick_start, "run", _spawned)
    monkeypatch.delenv(ENV_TRACEBACK, raising=False)
    assert cli.run_recbole_main(["--model=BPR"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "Process 1 terminated" in line and "FileExistsError: [Errno 17] File exists: './log'" in line
