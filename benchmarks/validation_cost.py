"""What data validation costs next to RecBole's own loading of the same dataset.

For each model, times :func:`recbole_kgllm.recbole_integration.validation.validate_dataset`
(the files this model reads) and RecBole's ``create_dataset`` on the same config, best of
``--repeats``. Prints one Markdown table row per model.

    python benchmarks/validation_cost.py --dataset ml-100k
    python benchmarks/validation_cost.py --dataset ml-1m --data_path /tmp/ml1m   # after recbole-kgllm convert
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
from typing import Any


def _best(repeats: int, function: Any) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="ml-100k")
    parser.add_argument("--data_path", default=None)
    parser.add_argument("--models", default="BPR,KGIN,KGLLMRec")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    sys.argv = sys.argv[:1]
    logging.disable(logging.WARNING)

    from recbole.data import create_dataset

    from recbole_kgllm.recbole_integration.config import build_config
    from recbole_kgllm.recbole_integration.session import prepare_recbole
    from recbole_kgllm.recbole_integration.validation import validate_dataset

    prepare_recbole()
    print("| dataset | model | files validated | rows | validation (s) | RecBole create_dataset (s) |")
    print("|---|---|---|---:|---:|---:|")
    for model in args.models.split(","):
        settings: dict[str, Any] = {"checkpoint_dir": "/tmp/validation_cost_saved", "state": "ERROR"}
        if args.data_path:
            settings["data_path"] = args.data_path
        config = build_config(model, args.dataset, None, settings)
        report = validate_dataset(config)
        seconds = _best(args.repeats, lambda: validate_dataset(config))
        recbole = _best(args.repeats, lambda: create_dataset(config))
        files = ", ".join(p.suffix for p in report.files)
        print(f"| {args.dataset} | {model} | {files} | {sum(report.rows.values()):,} | {seconds:.2f} | {recbole:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
