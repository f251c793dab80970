"""Scale benchmark: peak memory and wall time of models as the catalogue grows, until each fails.

Each (dataset, model) cell is one ``run_recbole`` process (the run pipeline: data, split,
features, fit, validation and full-ranking test) watched by
:func:`recbole_kgllm.bench.memory_watch.run_watched`: peak RSS, wall seconds, test NDCG@10, and
an error column that says out-of-memory with the peak when a run runs out of memory (a memory
cap stops it before the kernel must, the machine being shared). Once a model fails at a size,
its larger sizes are recorded as skipped. Results are appended to ``<out>/results.jsonl``
(one line per cell): a rerun skips the cells already measured, so the benchmark is resumable.

    # datasets: recbole-kgllm synth --size 10k --out /tmp/kgscale/data (10k, 50k, 200k, 1m)
    nice -n 10 python benchmarks/scale.py --out docs/scale --data_path /tmp/kgscale/data \\
        --datasets synth-10k synth-50k --models default ease lightgcn kgllm_lightgcn
    python benchmarks/scale.py --out docs/scale --report   # docs table and plot from results.jsonl
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from recbole_kgllm.bench.memory_watch import is_oom_message, run_watched  # noqa: E402

#: Model label -> run_recbole arguments (one epoch for gradient models).
MODELS: dict[str, list[str]] = {
    "default": ["--model=KGLLMRec"],
    "default_dense": ["--model=KGLLMRec", "--backbone_kwargs={'solver': 'dense'}"],
    "default_sparse": ["--model=KGLLMRec", "--backbone_kwargs={'solver': 'sparse'}"],
    "default_sparse_k400": ["--model=KGLLMRec", "--backbone_kwargs={'solver': 'sparse', 'sparse_neighbours': 400}"],
    "default_noprior": ["--model=KGLLMRec", "--backbone_kwargs={'prior_weights': {'text': 0.0, 'kg': 0.0}}"],
    "default_noprior_k100": ["--model=KGLLMRec",
                             "--backbone_kwargs={'prior_weights': {'text': 0.0, 'kg': 0.0}, 'sparse_neighbours': 100}"],
    "ease": ["--model=EASE"],
    "lightgcn": ["--model=LightGCN", "--epochs=1"],
    "kgllm_lightgcn": ["--model=KGLLMRec", "--backbone=lightgcn", "--epochs=1"],
}


def _items(data_path: str, dataset: str) -> int:
    facts = Path(data_path) / dataset / "synthetic.json"
    if facts.is_file():
        return int(json.loads(facts.read_text())["spec"]["n_items"])
    item = Path(data_path) / dataset / f"{dataset}.item"
    return max(sum(1 for _ in open(item, encoding="utf-8")) - 1, 1) if item.is_file() else 4000


def _test_ndcg(log: str) -> float | None:
    match = re.findall(r"test result: \{[^}]*'ndcg@10': ([0-9.]+)", log)
    return float(match[-1]) if match else None


def run_cell(dataset: str, data_path: str, model: str, out: Path, *, timeout: float, cap_mb: float,
             cache: str | None, extra: list[str]) -> dict[str, Any]:
    """One (dataset, model) measurement (see the module docstring)."""
    n_items = _items(data_path, dataset)
    run_dir = out / "runs" / f"{dataset}__{model}"
    run_dir.mkdir(parents=True, exist_ok=True)
    args = [
        sys.executable, "-m", "recbole_kgllm.cli", "run", *MODELS[model], f"--dataset={dataset}", f"--data_path={data_path}",
        "--show_progress=False", f"--checkpoint_dir={run_dir / 'checkpoints'}",
        # full-ranking evaluation in batches of about 128 users, whatever the catalogue
        f"--eval_batch_size={max(4096, 128 * n_items)}", *extra,
    ]
    if cache:
        args.append(f"--feature_cache_dir={cache}")
    start = time.perf_counter()
    with open(run_dir / "run.log", "w", encoding="utf-8") as log:
        watched = run_watched(args, cwd=run_dir, stdout=log, timeout=timeout, memory_cap_mb=cap_mb,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"})
    seconds = time.perf_counter() - start
    text = (run_dir / "run.log").read_text(encoding="utf-8", errors="replace")
    lines = [line for line in text.splitlines() if line.strip()]
    status, error = "ok", ""
    if watched.timed_out:
        status, error = "timeout", f"stopped by the {timeout:.0f}s timeout (peak RSS {watched.peak_rss_mb or 0:.0f} MB)"
    elif watched.out_of_memory:
        status, error = "oom", watched.oom_error(cap_mb)
    elif watched.returncode != 0:
        last = next((line for line in reversed(lines) if "Error" in line or "error:" in line), lines[-1] if lines else "")
        status = "oom" if is_oom_message(text[-5000:]) else "failed"
        error = (f"out-of-memory (peak RSS {watched.peak_rss_mb or 0:.0f} MB): " if status == "oom" else "") + last.strip()[:300]
    return {
        "dataset": dataset, "model": model, "n_items": n_items, "status": status, "error": error,
        "seconds": round(seconds, 1), "peak_rss_mb": round(watched.peak_rss_mb or 0.0, 1), "ndcg@10": _test_ndcg(text),
        "command": " ".join(a if " " not in a else repr(a) for a in args[3:]), "load_avg": os.getloadavg(),
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }


def _done(results: Path) -> list[dict[str, Any]]:
    if not results.is_file():
        return []
    return [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines() if line.strip()]


def report(out: Path) -> str:
    """Markdown table of ``results.jsonl`` and ``scale.png`` (peak memory and time against items)."""
    rows = _done(out / "results.jsonl")
    lines = ["| dataset | items | model | status | wall s | peak RSS MB | test NDCG@10 | error |", "|---|---:|---|---|---:|---:|---:|---|"]
    for r in sorted(rows, key=lambda r: (r["n_items"], r["dataset"], r["model"])):
        ndcg = "" if r.get("ndcg@10") is None else f"{r['ndcg@10']:.4f}"
        lines.append(f"| {r['dataset']} | {r['n_items']} | {r['model']} | {r['status']} | {r['seconds']:.0f} | "
                     f"{r['peak_rss_mb']:.0f} | {ndcg} | {r['error']} |")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, 2, figsize=(11, 4))
        for model in sorted({r["model"] for r in rows}):
            ok = sorted((r for r in rows if r["model"] == model and r["status"] == "ok"), key=lambda r: r["n_items"])
            if ok:
                axes[0].plot([r["n_items"] for r in ok], [r["peak_rss_mb"] / 1024 for r in ok], marker="o", label=model)
                axes[1].plot([r["n_items"] for r in ok], [r["seconds"] / 60 for r in ok], marker="o", label=model)
        for ax, label in zip(axes, ("peak RSS (GiB)", "wall time (min)")):
            ax.set_xscale("log")
            ax.set_xlabel("items")
            ax.set_ylabel(label)
            ax.grid(alpha=0.3)
        axes[0].axhline(24, color="grey", linestyle="--", linewidth=0.8)
        axes[0].legend(fontsize=8)
        fig.suptitle("Successful runs (failures are in the table)")
        fig.tight_layout()
        fig.savefig(out / "scale.png", dpi=110)
    except ImportError:  # pragma: no cover - matplotlib is a RecBole dependency
        pass
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="folder of results.jsonl, runs/ and scale.png")
    parser.add_argument("--data_path", default=None, help="folder that holds the datasets")
    parser.add_argument("--datasets", nargs="*", default=[])
    parser.add_argument("--models", nargs="*", default=["default", "ease", "lightgcn", "kgllm_lightgcn"], choices=sorted(MODELS))
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per cell")
    parser.add_argument("--memory_cap_mb", type=float, default=20_000.0, help="a run above this peak is stopped (out-of-memory)")
    parser.add_argument("--feature_cache_dir", default=None)
    parser.add_argument("--report", action="store_true", help="write the table and plot from results.jsonl")
    args, extra = parser.parse_known_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.report:
        (out / "results.md").write_text(report(out), encoding="utf-8")
        print((out / "results.md").read_text())
        return 0
    results = out / "results.jsonl"
    for dataset in args.datasets:
        for model in args.models:
            done = _done(results)
            if any(r["dataset"] == dataset and r["model"] == model for r in done):
                continue
            smaller_failed = [r for r in done if r["model"] == model and r["status"] != "ok"
                              and r["n_items"] < _items(args.data_path, dataset)]
            if smaller_failed:
                row = {"dataset": dataset, "model": model, "n_items": _items(args.data_path, dataset), "status": "skipped",
                       "error": f"failed at {smaller_failed[0]['n_items']} items", "seconds": 0, "peak_rss_mb": 0, "ndcg@10": None}
            else:
                print(f"{time.strftime('%H:%M:%S')} {dataset} {model} ...", flush=True)
                row = run_cell(dataset, args.data_path, model, out, timeout=args.timeout, cap_mb=args.memory_cap_mb,
                               cache=args.feature_cache_dir, extra=extra)
                print(json.dumps(row), flush=True)
            with open(results, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(row) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
