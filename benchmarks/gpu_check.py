"""GPU measurements in one short script (for a machine with a CUDA GPU; elsewhere it says so and exits 0).

What it measures, each as a subprocess with a timeout, into ``<out>/gpu_check.json``:

1. text encoding: the pipeline's MiniLM encoder (fp16 on CUDA) against a bare transformers loop
   (``benchmarks/text_encoding.py --device cuda``);
2. seconds per epoch on ml-1m of ``LightGCN`` and ``KGLLMRec[backbone=lightgcn]``, AMP off and on
   (RecBole's ``enable_amp``), 2 epochs each (the first includes warm-up; the fit time over epochs
   is reported by the log);
3. DDP: ``LightGCN`` on ml-1m with 1 and 2 processes (NCCL) when two GPUs are present;
4. the default model at 200k items (synthetic), sparse solver (the dense one needs 160 GB at
   200k items, above any single GPU and this machine).

    python benchmarks/gpu_check.py --ml1m /tmp/ml1m_atomic --synth /tmp/kgscale/data --out /tmp/gpu_check
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _run(args: list[str], timeout: float) -> dict[str, Any]:
    start = time.perf_counter()
    try:
        done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        out, code = done.stdout + done.stderr, done.returncode
    except subprocess.TimeoutExpired as error:
        out, code = (error.stdout or b"").decode() if isinstance(error.stdout, bytes) else (error.stdout or ""), 124
    seconds = time.perf_counter() - start
    epochs = [float(s) for s in re.findall(r"epoch \d+ training \[time: ([0-9.]+)s", out)]
    test = re.findall(r"test result: (\{.*\})", out)
    return {"command": " ".join(args[1:]), "returncode": code, "wall_seconds": round(seconds, 1),
            "epoch_seconds": epochs, "test_result": test[-1] if test else None, "tail": out[-800:] if code else ""}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ml1m", default="/tmp/ml1m_atomic", help="data_path holding ml-1m (recbole-kgllm convert ml-1m)")
    parser.add_argument("--synth", default="/tmp/kgscale/data", help="data_path holding synth-200k (recbole-kgllm synth)")
    parser.add_argument("--out", default="gpu_check", help="folder of gpu_check.json")
    parser.add_argument("--timeout", type=float, default=240.0, help="seconds per measurement")
    args = parser.parse_args(argv)
    import torch

    if not torch.cuda.is_available():
        print("gpu_check: no CUDA GPU on this machine: nothing measured (run it where `torch.cuda.is_available()`)")
        return 0
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    py = sys.executable
    run = [py, "-m", "recbole_kgllm.cli", "run", "--show_progress=False", "--epochs=2", "--eval_step=2"]
    ml1m = ["--dataset=ml-1m", f"--data_path={args.ml1m}"]
    results: dict[str, Any] = {"device": torch.cuda.get_device_name(0), "gpus": torch.cuda.device_count()}
    results["text_encoding"] = _run([py, "benchmarks/text_encoding.py", "--dataset", "ml-100k", "--repeats", "3"], args.timeout)
    for amp in (False, True):
        for label, model in (("lightgcn", ["--model=LightGCN"]), ("kgllm_lightgcn", ["--model=KGLLMRec", "--backbone=lightgcn"])):
            results[f"{label}_amp_{amp}"] = _run([*run, *model, *ml1m, f"--enable_amp={amp}"], args.timeout)
    if torch.cuda.device_count() >= 2:
        for nproc in (1, 2):
            results[f"ddp_lightgcn_nproc_{nproc}"] = _run([*run, "--model=LightGCN", *ml1m, f"--nproc={nproc}"], args.timeout)
    else:
        results["ddp"] = "one GPU: 2-process DDP not measured"
    results["default_200k_sparse"] = _run(
        [*run, "--model=KGLLMRec", "--dataset=synth-200k", f"--data_path={args.synth}",
         "--backbone_kwargs={'prior_weights': {'text': 0.0, 'kg': 0.0}}", "--eval_batch_size=25600000"], args.timeout)
    (out / "gpu_check.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
