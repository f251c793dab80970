"""RecBole's multi-process (DDP) path on CPU with gloo, through ``run_recbole --nproc=2``.

Stated tolerance: 2 processes train on the same data as 1 (each rank sees half of every batch,
gradients are averaged, the initial model is the same) but draw different negatives and see the
batches in another order, so their test metrics are equal up to training noise: on this slice
we require |NDCG@10 (2 processes) - NDCG@10 (1 process)| <= 0.02 and |Recall@10 diff| <= 0.03
(about two standard deviations of the difference between two 1-process trainings with other
seeds; measured in docs/distributed.md with benchmarks/ddp_cpu.py).
The checkpoint a DDP run wrote reloads in one process and reproduces the DDP test metrics
(RecBole averages per-rank results; the padding of the distributed sampler repeats at most one
user per rank) within 0.005.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
SETTINGS = [
    "--epochs=3", "--learning_rate=0.01", "--train_batch_size=512", "--eval_batch_size=100000", "--show_progress=False",
    "--metrics=['Recall','NDCG']", "--topk=[10]", "--valid_metric=NDCG@10",
]


def _slice(source: Path, out: Path, users: int = 150) -> Path:
    folder = out / "ml-slice"
    folder.mkdir(parents=True)
    lines = (source / "ml-100k.inter").read_text().splitlines()
    keep = {str(u) for u in range(1, users + 1)}
    body = [line for line in lines[1:] if line.split("\t")[0] in keep]
    (folder / "ml-slice.inter").write_text("\n".join([lines[0], *body]) + "\n")
    return out


def _free_port() -> str:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return str(s.getsockname()[1])


def _run(cwd: Path, data: Path, *extra: str) -> dict[str, float]:
    env = dict(os.environ, PYTHONUNBUFFERED="1", CUDA_VISIBLE_DEVICES="")
    done = subprocess.run(
        [str(BIN / "run_recbole"), "--model=BPR", "--dataset=ml-slice", f"--data_path={data}", *SETTINGS, *extra],
        cwd=cwd, capture_output=True, text=True, env=env, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(l for l in done.stdout.splitlines() if l.startswith("test result: "))
    return eval(line.removeprefix("test result: "))  # noqa: S307 - our own printed dict


def test_two_cpu_processes_match_one_and_the_checkpoint_reloads(tmp_path: Path, ml100k_source: Path) -> None:
    data = _slice(ml100k_source, tmp_path / "data")
    one_dir, two_dir = tmp_path / "one", tmp_path / "two"
    one_dir.mkdir()
    two_dir.mkdir()
    one = _run(one_dir, data)
    two = _run(two_dir, data, "--nproc=2", f"--port={_free_port()}")
    assert 0.0 < two["ndcg@10"] <= 1.0
    assert abs(two["ndcg@10"] - one["ndcg@10"]) <= 0.02, (one, two)
    assert abs(two["recall@10"] - one["recall@10"]) <= 0.03, (one, two)

    (checkpoint,) = (two_dir / "saved").glob("BPR-*.pth")
    from recbole.trainer import Trainer

    from recbole_kgllm import load_data_and_model

    config, model, _dataset, _train, _valid, test_data = load_data_and_model(str(checkpoint))
    assert config["single_spec"] and config["local_rank"] == 0 and str(config["device"]) == "cpu"
    reloaded = Trainer(config, model).evaluate(test_data, load_best_model=False, show_progress=False)
    assert reloaded["ndcg@10"] == pytest.approx(two["ndcg@10"], abs=0.005)


def test_a_gpu_request_without_gpus_is_one_line(tmp_path: Path, ml100k_source: Path) -> None:
    data = _slice(ml100k_source, tmp_path / "data", users=30)
    env = dict(os.environ, CUDA_VISIBLE_DEVICES="")
    done = subprocess.run(
        [str(BIN / "run_recbole"), "--model=BPR", "--dataset=ml-slice", f"--data_path={data}", "--nproc=2", "--ddp_backend=nccl"],
        cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "asks for 2 GPUs" in done.stderr and "--ddp_backend=gloo" in done.stderr


def test_the_closed_form_says_it_runs_in_one_process(tmp_path: Path, ml100k_source: Path) -> None:
    data = _slice(ml100k_source, tmp_path / "data", users=40)
    env = dict(os.environ, CUDA_VISIBLE_DEVICES="", PYTHONUNBUFFERED="1")
    done = subprocess.run(
        [str(BIN / "run_recbole"), "--model=EASE", "--dataset=ml-slice", f"--data_path={data}", "--nproc=2", "--show_progress=False"],
        cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "EASE is fitted in closed form in one process: --nproc=2 is ignored, running 1 process" in done.stdout
    assert "test result: " in done.stdout
