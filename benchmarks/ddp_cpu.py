"""DDP on CPU: test metrics of 1 process against 2 (gloo) on a slice of ml-100k, over seeds.

The slice is the first ``--users`` users of the ml-100k copy inside the recbole wheel (made at
run time, never stored). For each seed, ``run_recbole`` runs BPR once in one process and once
with ``--nproc=2``; the table gives both test NDCG@10/Recall@10, their difference, and the
spread between seeds of the one-process runs (the training noise the tolerance is set against).

    nice -n 10 python benchmarks/ddp_cpu.py --seeds 2020 2021 2022 --out docs/distributed_cpu.md
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

SETTINGS = [
    "--epochs=3", "--learning_rate=0.01", "--train_batch_size=512", "--eval_batch_size=100000", "--show_progress=False",
    "--metrics=['Recall','NDCG']", "--topk=[10]", "--valid_metric=NDCG@10",
]


def _port() -> str:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return str(s.getsockname()[1])


def _run(cwd: Path, data: Path, seed: int, *extra: str) -> dict[str, float]:
    env = dict(os.environ, PYTHONUNBUFFERED="1", CUDA_VISIBLE_DEVICES="")
    cmd = [str(Path(sys.executable).parent / "run_recbole"), "--model=BPR", "--dataset=ml-slice", f"--data_path={data}",
           f"--seed={seed}", *SETTINGS, *extra]
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env, timeout=1200, check=True)
    line = next(l for l in done.stdout.splitlines() if l.startswith("test result: "))
    return eval(line.removeprefix("test result: "))  # noqa: S307 - our own printed dict


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", nargs="*", type=int, default=[2020, 2021, 2022])
    parser.add_argument("--users", type=int, default=150)
    parser.add_argument("--out", default=None, help="markdown file (default: print)")
    args = parser.parse_args(argv)
    import recbole

    source = Path(recbole.__file__).parent / "dataset_example" / "ml-100k" / "ml-100k.inter"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        (data / "ml-slice").mkdir(parents=True)
        lines = source.read_text().splitlines()
        keep = {str(u) for u in range(1, args.users + 1)}
        (data / "ml-slice" / "ml-slice.inter").write_text("\n".join([lines[0], *(l for l in lines[1:] if l.split("\t")[0] in keep)]) + "\n")
        for seed in args.seeds:
            one_dir, two_dir = Path(tmp) / f"one{seed}", Path(tmp) / f"two{seed}"
            one_dir.mkdir()
            two_dir.mkdir()
            one = _run(one_dir, data, seed)
            two = _run(two_dir, data, seed, "--nproc=2", f"--port={_port()}")
            rows.append((seed, one, two))
            print(seed, one, two, flush=True)
    out = ["| seed | NDCG@10 1 proc | NDCG@10 2 procs | diff | Recall@10 1 proc | Recall@10 2 procs | diff |", "|---|---:|---:|---:|---:|---:|---:|"]
    for seed, one, two in rows:
        out.append(f"| {seed} | {one['ndcg@10']:.4f} | {two['ndcg@10']:.4f} | {two['ndcg@10'] - one['ndcg@10']:+.4f} | "
                   f"{one['recall@10']:.4f} | {two['recall@10']:.4f} | {two['recall@10'] - one['recall@10']:+.4f} |")
    if len(rows) > 1:
        spread = statistics.pstdev([one["ndcg@10"] for _, one, _ in rows])
        out.append(f"\nStandard deviation of 1-process NDCG@10 over seeds: {spread:.4f}.")
    text = "\n".join(out) + "\n"
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
