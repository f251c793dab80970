"""Feature store writes are atomic: concurrent runs and killed runs never leave a bad entry."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from recbole_kgllm.store import EntryContent, EntrySpec, FeatureStore

SPEC = {"kind": "demo", "producer": "tests/1", "settings": {"dim": 8}, "inputs": {"f": "1"}, "versions": {}}

WORKER = textwrap.dedent(
    """
    import sys, time, torch
    from recbole_kgllm.store import EntryContent, EntrySpec, FeatureStore
    root, mode, counter = sys.argv[1], sys.argv[2], sys.argv[3]
    spec = EntrySpec(**{spec!r})
    store = FeatureStore(root=root)

    def compute():
        with open(counter, "a") as handle:
            handle.write("computed\\n")
        time.sleep(1.0)
        tokens = [str(i) for i in range(10)]
        return EntryContent(tensors={{"item": torch.arange(80.0).reshape(10, 8)}}, tokens={{"item": tokens}})

    if mode == "get":
        result = store.get_or_compute(spec, compute)
        print(result.status, float(result.entry.tensors["item"].sum()))
    elif mode == "save":
        entry = store.save(spec, compute())
        print("saved", float(entry.tensors["item"].sum()))
    elif mode == "killed":
        import recbole_kgllm.store.store as module
        original = module.save_file
        def slow_save_file(*args, **kwargs):
            original(*args, **kwargs)
            print("tensors written", flush=True)
            time.sleep(120)
        module.save_file = slow_save_file
        store.save(spec, compute())
    """
).format(spec=SPEC)


def _start(tmp_path: Path, mode: str) -> subprocess.Popen[str]:
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    return subprocess.Popen(
        [sys.executable, str(script), str(tmp_path / "store"), mode, str(tmp_path / "counter.txt")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _leftovers(root: Path) -> list[str]:
    return [p.name for p in (root / "demo").iterdir() if p.name.startswith((".tmp-", ".trash-"))]


@pytest.mark.parametrize("mode", ["get", "save"])
def test_concurrent_runs_leave_one_valid_entry(tmp_path: Path, mode: str) -> None:
    workers = [_start(tmp_path, mode) for _ in range(3)]
    outputs = [w.communicate(timeout=240) for w in workers]
    assert all(w.returncode == 0 for w in workers), [err for _, err in outputs]
    lines = [out.split() for out, _ in outputs]
    assert {line[1] for line in lines} == {str(float(sum(range(80))))}
    root = tmp_path / "store"
    entry = FeatureStore(root=root).load(EntrySpec(**SPEC))  # type: ignore[arg-type]
    assert entry is not None and entry.tensors["item"].shape == (10, 8)
    assert _leftovers(root) == []
    computed = (tmp_path / "counter.txt").read_text().split()
    if mode == "get":  # the lock makes later runs wait and reuse the first run's entry
        assert sorted(line[0] for line in lines) == ["cached", "cached", "computed"]
        assert len(computed) == 1
    else:
        assert len(computed) == 3


def test_killed_write_leaves_no_entry_and_is_cleaned_up(tmp_path: Path) -> None:
    worker = _start(tmp_path, "killed")
    assert worker.stdout is not None
    line = worker.stdout.readline()  # blocks until the tensors file is written
    assert line.strip() == "tensors written", worker.stderr.read() if worker.stderr else ""
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)

    root, spec = tmp_path / "store", EntrySpec(**SPEC)  # type: ignore[arg-type]
    store = FeatureStore(root=root)
    assert not store.entry_path(spec).exists() and store.load(spec) is None
    assert len(_leftovers(root)) == 1  # the half-written temporary folder, never read

    fresh = EntryContent(tensors={"item": torch.ones(10, 8)}, tokens={"item": [str(i) for i in range(10)]})
    result = store.get_or_compute(spec, lambda: fresh)
    assert result.status == "computed" and torch.equal(result.entry.tensors["item"], torch.ones(10, 8))
    assert _leftovers(root) == []  # the dead run's folder was removed


def test_failing_computation_or_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store, spec = FeatureStore(root=tmp_path), EntrySpec(**SPEC)  # type: ignore[arg-type]

    def broken() -> EntryContent:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        store.get_or_compute(spec, broken)
    assert store.load(spec) is None

    import recbole_kgllm.store.store as module

    def failing_save_file(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(module, "save_file", failing_save_file)
    content = EntryContent(tensors={"item": torch.ones(2, 2)}, tokens={"item": ["a", "b"]})
    with pytest.raises(OSError, match="disk full"):
        store.save(spec, content)
    assert store.load(spec) is None and _leftovers(tmp_path) == []
