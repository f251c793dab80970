"""``recbole-kgllm features kg|text``: computed on the first run, cached on the second."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from recbole_kgllm.features.cli import features_main

KG_SMALL = ["--kg_epochs=1", "--kg_embedding_dim=8", "--kg_eval_max_triples=50", "--kg_batch_size=4096"]


def _field(output: str, name: str) -> str:
    match = re.search(rf"^\s+{name}:\s+(.*)$", output, flags=re.MULTILINE)
    assert match, output
    return match.group(1)


@pytest.mark.parametrize(
    ("what", "settings", "shape"),
    [
        ("kg", KG_SMALL, r"item \[1598, 8\], entity \[34628, 8\], relation \[24, 8\]"),
        ("text", [], r"item \[1682, 384\]"),
    ],
)
def test_second_run_is_cached_in_a_new_process(
    what: str, settings: list[str], shape: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["pytest"])
    argv = [what, "--dataset", "ml-100k", f"--feature_cache_dir={tmp_path / 'cache'}", *settings]
    assert features_main(argv) == 0
    first = capsys.readouterr().out
    assert re.search(rf"features for ml-100k: computed", first), first
    assert re.fullmatch(shape, _field(first, "shape"))
    coverage = _field(first, "coverage")
    kg_coverage, text_coverage = "95.0% of items have a KG entity (1598 of 1682)", "100.0% of items have text (1682 of"
    expected = kg_coverage if what == "kg" else text_coverage
    assert coverage.startswith(expected)
    where = Path(_field(first, "where"))
    assert where.is_dir() and where.parent.parent == tmp_path / "cache"

    second = subprocess.run(
        [sys.executable, "-m", "recbole_kgllm.features.cli", *argv],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert second.returncode == 0, second.stderr
    assert "features for ml-100k: cached" in second.stdout
    assert _field(second.stdout, "where") == str(where) and _field(second.stdout, "coverage") == coverage
    assert re.fullmatch(r"[\d.]+ of feature work \(config [\d.]+\)", _field(second.stdout, "seconds"))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["kg", "--dataset", "no-such-dataset"], "dataset 'no-such-dataset' not found"),
        (["text", "--dataset", "ml-100k", "--text_pooling"], "settings are written --key=value"),
        (["text", "--dataset", "ml-100k", "--text_pooling=max"], "setting 'text_pooling' must be one of mean, cls"),
    ],
)
def test_user_mistakes_are_one_line_errors(
    argv: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["pytest"])
    assert features_main([*argv, f"--feature_cache_dir={tmp_path}"]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and err.startswith("error: ") and "\n" not in err


def test_damaged_entry_is_reported_and_recomputed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["pytest"])
    folder = tmp_path / "tiny"
    folder.mkdir()
    (folder / "tiny.inter").write_text("user_id:token\titem_id:token\n1\t1\n2\t2\n")
    (folder / "tiny.item").write_text("item_id:token\tmovie_title:token_seq\n1\tToy Story\n2\tHeat\n")
    argv = ["text", "--dataset", "tiny", f"--data_path={tmp_path}", f"--feature_cache_dir={tmp_path / 'cache'}"]
    assert features_main(argv) == 0
    where = Path(_field(capsys.readouterr().out, "where"))
    tensors = where / "tensors.safetensors"
    tensors.write_bytes(tensors.read_bytes()[:100])
    assert features_main(argv) == 0
    out = capsys.readouterr().out
    status = re.search(r"features for tiny: (.*) \(hf:", out)
    assert status and status.group(1).startswith("recomputed (the stored entry was damaged: ")
    assert "truncated" in status.group(1) and _field(out, "where") == str(where)
    assert features_main(argv) == 0 and "features for tiny: cached" in capsys.readouterr().out
