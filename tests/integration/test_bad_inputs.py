"""The bad-input corpus (``_bad_inputs.CASES``) against every entry point that reads data:
``run_recbole`` (in-process and, for a few cases, the installed scripts), ``recbole-kgllm
features`` and the benchmark's data preparation.

Each faulty file either stops the command with exit code 2 and one line naming the file (no
traceback, nothing written to the feature store or checkpoints, and before RecBole's
configuration dump), or the command goes on and a warning line names the file.
"""
from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from _bad_inputs import CASES, NAME, Case, build

from recbole_kgllm import cli

BIN = Path(sys.executable).parent
SMALL = ["--kg_epochs=1", "--kg_embedding_dim=8", "--kg_eval_max_triples=20", "--show_progress=False"]


def _cases(entry: str) -> list[Case]:
    return [case for case in CASES if entry in case.reads]


def _ids(cases: list[Case]) -> list[str]:
    return [case.name for case in cases]


def _check(case: Case, code: int, out: str, err: str, caplog: pytest.LogCaptureFixture, data: Path) -> None:
    """The corpus contract for one entry point's outcome."""
    assert "Traceback" not in out + err, err[-2000:]
    culprit_path = str(data / NAME / f"{NAME}.{case.culprit}")
    if case.culprit is not None:
        assert code == 2, (out[-1500:], err[-1500:])
        errors = [line for line in err.splitlines() if "error:" in line]
        assert len(errors) == 1 and culprit_path in errors[0], err[-1500:]
        assert "unexpected" not in errors[0], errors[0]
        assert "General Hyper Parameters" not in out + err  # the error comes before RecBole's config dump
        return
    assert code == 0, (out[-1500:], err[-1500:])
    if case.warns is not None:
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert any(case.warns in w and w.startswith(str(data / NAME)) and "\n" not in w for w in warnings), warnings


def _nothing_written(store: Path, checkpoints: Path) -> None:
    assert not any(p.is_file() for p in store.rglob("*")) if store.exists() else True
    assert not list(checkpoints.rglob("*.pth")) if checkpoints.exists() else True


@pytest.fixture
def store(tmp_path: Path, feature_cache: Path) -> Path:
    """Per-test store for failing cases (must stay empty); the shared store serves the others."""
    return tmp_path / "store"


def _run_settings(case: Case) -> list[str]:
    """KG cases train the lightgcn backbone, whose KG view PyKEEN actually computes."""
    return ["--backbone=lightgcn"] if case.name.startswith(("kg_", "link_")) else []


@pytest.mark.parametrize("case", _cases("run"), ids=_ids(_cases("run")))
def test_run_recbole(
    case: Case, in_tmp: Path, fresh_plugins: None, feature_cache: Path, store: Path,
    capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture,
) -> None:
    data = build(case, in_tmp / "data")
    cache = store if case.culprit else feature_cache
    caplog.set_level(logging.WARNING)
    code = cli.run_recbole_main([
        "--model=KGLLMRec", f"--dataset={NAME}", f"--data_path={data}", "--epochs=1", f"--feature_cache_dir={cache}",
        f"--checkpoint_dir={in_tmp / 'saved'}", *SMALL, *_run_settings(case), *case.settings,
    ])
    out, err = capfd.readouterr()
    _check(case, code, out, err, caplog, data)
    if case.culprit:
        _nothing_written(store, in_tmp / "saved")
        assert not (in_tmp / "log").exists()  # stopped before RecBole's logger started


@pytest.mark.parametrize("case", _cases("kg") + _cases("text"), ids=[f"kg-{n}" for n in _ids(_cases("kg"))] + [f"text-{n}" for n in _ids(_cases("text"))])
def test_features(
    case: Case, request: pytest.FixtureRequest, tmp_path: Path, fresh_plugins: None, feature_cache: Path, store: Path,
    capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
) -> None:
    what = request.node.callspec.id.split("-")[0]
    monkeypatch.chdir(tmp_path)
    data = build(case, tmp_path / "data")
    cache = store if case.culprit else feature_cache
    caplog.set_level(logging.WARNING)
    code = cli.main(["features", what, f"--dataset={NAME}", f"--data_path={data}", f"--feature_cache_dir={cache}", *SMALL, *case.settings])
    out, err = capfd.readouterr()
    _check(case, code, out, err, caplog, data)
    if case.culprit:
        _nothing_written(store, tmp_path / "saved")


@pytest.mark.parametrize("case", _cases("bench"), ids=_ids(_cases("bench")))
def test_bench_data_preparation(
    case: Case, tmp_path: Path, fresh_plugins: None, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    data = build(case, tmp_path / "data")
    caplog.set_level(logging.WARNING)
    argv = ["bench", f"--dataset={NAME}", "--models=BPR,KGLLMRec", "--seeds=1", f"--out={tmp_path / 'out'}", "--dry_run",
            f"--data_path={data}", *case.settings]
    code = cli.main(argv)
    out, err = capfd.readouterr()
    _check(case, code, out, err, caplog, data)
    if case.culprit:
        assert not (tmp_path / "out" / "data").exists()
        return
    if (data / NAME / f"{NAME}.kg").is_file():  # the derived linked-items dataset is written from the odd files
        from recbole_kgllm.bench.invocation import plan
        from recbole_kgllm.bench.cli import _parser
        from recbole_kgllm.bench.plan import DataVariant
        from recbole_kgllm.recbole_integration.config import parse_overrides

        args, rest = _parser().parse_known_args(argv[1:])
        bench = plan(args, parse_overrides(rest))
        folder = bench.builder.dataset_dir(DataVariant("linked"))
        bench.builder.data_path(DataVariant("linked"))
        assert (folder / f"{bench.builder.derived_name}.inter").is_file()


def _script(name: str) -> Path:
    path = BIN / name
    if not path.exists():
        pytest.skip(f"the {name} console script is not installed")
    return path


@pytest.mark.parametrize("name", ["inter_bom", "inter_gzip", "kg_trailing_tab"])
def test_installed_run_recbole_script(name: str, tmp_path: Path) -> None:
    case = next(c for c in CASES if c.name == name)
    data = build(case, tmp_path / "data")
    done = subprocess.run(
        [str(_script("run_recbole")), "--model=KGLLMRec", f"--dataset={NAME}", f"--data_path={data}", "--epochs=1",
         "--use_text=False", f"--feature_cache_dir={tmp_path / 'store'}", f"--checkpoint_dir={tmp_path / 'saved'}", *SMALL],
        cwd=tmp_path, capture_output=True, text=True, timeout=600, env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    assert "Traceback" not in done.stdout + done.stderr, done.stderr[-2000:]
    if case.culprit is None:
        assert done.returncode == 0, done.stderr[-2000:]
        assert case.warns in done.stdout + done.stderr
        return
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("run_recbole: error: ") and f"{NAME}.{case.culprit}" in lines[0]
    assert done.stdout == ""
    assert not (tmp_path / "store").exists() and not (tmp_path / "saved").exists() and not (tmp_path / "log").exists()


def test_installed_features_script(tmp_path: Path) -> None:
    case = next(c for c in CASES if c.name == "kg_two_column_row")
    data = build(case, tmp_path / "data")
    done = subprocess.run(
        [str(_script("recbole-kgllm")), "features", "kg", f"--dataset={NAME}", f"--data_path={data}",
         f"--feature_cache_dir={tmp_path / 'store'}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [next(l for l in done.stderr.splitlines() if "tiny.kg line" in l)]
    assert not (tmp_path / "store").exists()


def test_corpus_has_at_least_30_cases() -> None:
    assert len(CASES) >= 30 and len({c.name for c in CASES}) == len(CASES)
    assert sum(c.culprit is not None for c in CASES) >= 25 and sum(c.culprit is None for c in CASES) >= 5
