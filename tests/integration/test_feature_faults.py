"""Faults during real KG and text feature computation (``recbole-kgllm features`` in real
processes, synthetic ``tiny`` dataset): ``kill -9`` mid-computation leaves no entry a later run
takes as complete and no temporary folders; two processes computing the same entry at once leave
one valid entry (one computes, the other waits and reuses it)."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from _bad_inputs import NAME, base_files, write_dataset

KG = ["--kg_epochs=2", "--kg_embedding_dim=8", "--kg_eval_max_triples=20"]

#: Runs ``features_main`` with the computation paused after the real work, before the store
#: writes anything ("COMPUTED" is printed then), so that the test can kill it at that moment.
PAUSED = textwrap.dedent(
    """
    import sys, time
    what = sys.argv[1]
    if what == "kg":
        import recbole_kgllm.features.kg.pipeline as module
        real = module.train_kg_embeddings
    else:
        import recbole_kgllm.features.text.pipeline as module
        real = module.make_encoder

    def paused(*args, **kwargs):
        result = real(*args, **kwargs)
        if what == "text":
            encode = result.encode
            def slow_encode(texts):
                values = encode(texts)
                print("COMPUTED", flush=True)
                time.sleep(300)
                return values
            result.encode = slow_encode
            return result
        print("COMPUTED", flush=True)
        time.sleep(300)
        return result

    setattr(module, "train_kg_embeddings" if what == "kg" else "make_encoder", paused)
    from recbole_kgllm.features.cli import features_main
    sys.exit(features_main(sys.argv[1:]))
    """
)


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return write_dataset(tmp_path / "data", base_files())  # type: ignore[arg-type]


def _argv(what: str, tiny: Path, store: Path) -> list[str]:
    return [what, f"--dataset={NAME}", f"--data_path={tiny}", f"--feature_cache_dir={store}", *(KG if what == "kg" else [])]


def _features(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """``recbole-kgllm features`` in this process: (exit code, stdout + stderr)."""
    from recbole_kgllm.features.cli import features_main

    code = features_main(argv)
    out, err = capsys.readouterr()
    return code, out + err


def _status(output: str, what: str) -> str:
    match = re.search(rf"^{'kg' if what == 'kg' else 'item text'} features for {NAME}: (\w+)", output, flags=re.MULTILINE)
    assert match, output
    return match.group(1)


def _leftovers(store: Path) -> list[str]:
    return [p.name for p in store.rglob("*") if p.name.startswith((".tmp-", ".trash-"))]


@pytest.mark.parametrize("what", ["kg", "text"])
def test_kill_during_feature_computation_leaves_nothing_taken_as_complete(
    what: str, tiny: Path, tmp_path: Path, fresh_plugins: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    script = tmp_path / "paused.py"
    script.write_text(PAUSED)
    worker = subprocess.Popen(
        [sys.executable, str(script), *_argv(what, tiny, store)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        cwd=tmp_path, env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert worker.stdout is not None
    line = worker.stdout.readline()  # blocks until the real computation is done and paused
    assert line.strip() == "COMPUTED", worker.stderr.read() if worker.stderr else ""
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)

    monkeypatch.chdir(tmp_path)
    code, output = _features(_argv(what, tiny, store), capsys)
    assert code == 0, output[-2000:]
    assert _status(output, what) == "computed"  # nothing from the killed run was taken as complete
    assert "damaged" not in output
    assert _leftovers(store) == []
    assert _status(_features(_argv(what, tiny, store), capsys)[1], what) == "cached"


def test_two_processes_computing_the_same_entry_leave_one_valid_entry(
    tiny: Path, tmp_path: Path, fresh_plugins: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    argv = [sys.executable, "-m", "recbole_kgllm.features.cli", *_argv("kg", tiny, store)]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    workers = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=env) for _ in range(2)]
    outputs = [w.communicate(timeout=600) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], [err[-2000:] for _, err in outputs]
    statuses = sorted(_status(out, "kg") for out, _ in outputs)
    assert statuses == ["cached", "computed"]  # the second waited on the lock and reused the entry
    wheres = {re.search(r"^\s+where:\s+(.*)$", out, flags=re.MULTILINE).group(1) for out, _ in outputs}  # type: ignore[union-attr]
    assert len(wheres) == 1
    entries = [p for p in (store / "kg_embedding").iterdir() if not p.name.startswith(".")]
    assert len(entries) == 1 and _leftovers(store) == []
    monkeypatch.chdir(tmp_path)
    assert _status(_features(_argv("kg", tiny, store), capsys)[1], "kg") == "cached"  # a third run reads that entry
