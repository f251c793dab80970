"""benchmarks/gpu_check.py without a GPU, benchmarks/scale.py's resumable results and report."""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def test_gpu_check_without_cuda_says_so_and_exits_0(tmp_path: Path) -> None:
    env = dict(os.environ, CUDA_VISIBLE_DEVICES="")
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gpu_check.py"), "--out", str(tmp_path / "g")],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0
    assert "no CUDA GPU" in done.stdout and "nothing measured" in done.stdout
    assert not (tmp_path / "g").exists()


def test_scale_skips_measured_cells_and_larger_sizes_after_a_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scale = _load("scale")
    data = tmp_path / "data"
    for name, items in (("s1", 10), ("s2", 100)):
        (data / name).mkdir(parents=True)
        (data / name / "synthetic.json").write_text(json.dumps({"spec": {"n_items": items}}))
    calls: list[tuple[str, str]] = []

    def fake(dataset: str, data_path: str, model: str, out: Path, **_: object) -> dict[str, object]:
        calls.append((dataset, model))
        failed = model == "ease"
        return {"dataset": dataset, "model": model, "n_items": scale._items(data_path, dataset), "seconds": 1.0,
                "status": "oom" if failed else "ok", "error": "out-of-memory: x" if failed else "",
                "peak_rss_mb": 100.0, "ndcg@10": None if failed else 0.1}

    monkeypatch.setattr(scale, "run_cell", fake)
    args = ["--out", str(tmp_path / "o"), "--data_path", str(data), "--datasets", "s1", "s2", "--models", "default", "ease"]
    assert scale.main(args) == 0
    assert calls == [("s1", "default"), ("s1", "ease"), ("s2", "default")]
    assert scale.main(args) == 0  # resumed: nothing measured again
    assert len(calls) == 3
    rows = [json.loads(l) for l in (tmp_path / "o" / "results.jsonl").read_text().splitlines()]
    assert [r["status"] for r in rows] == ["ok", "oom", "ok", "skipped"]
    assert scale.main(["--out", str(tmp_path / "o"), "--report"]) == 0
    table = (tmp_path / "o" / "results.md").read_text()
    assert "out-of-memory: x" in table and "failed at 10 items" in table
    assert (tmp_path / "o" / "scale.png").is_file()
