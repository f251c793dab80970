"""``recbole-kgllm tune``: search a RecBole hyper-parameter file with Ray Tune.

    recbole-kgllm tune --model=KGLLMRec --dataset=ml-100k --params_file=hyper.test \\
        --num_samples=20 --out=tune-runs [--address=ray://head:10001] [--resume] [--key=value ...]

Trials run in parallel on the local cores (``--cpus_per_trial``, default 1; one GPU per trial
when CUDA is present, ``--gpus_per_trial``), or on a Ray cluster with ``--address``. Each trial
is the run pipeline up to validation; the score is the config's ``valid_metric`` (the test
split is never evaluated). With ``--epochs_min`` reports, ASHA stops trials whose validation
trails (``--no_early_stop`` turns it off). ``--resume`` continues an interrupted search in
``--out``. Outputs in ``<out>/<name>/``: ``results.csv`` and ``results.md`` (one row per trial,
best first) and ``best.yaml``, a config file ``run_recbole --config_files`` and the bench accept.
"""
from __future__ import annotations

import argparse
import csv
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from recbole_kgllm.errors import ConfigError
from recbole_kgllm.tune.space import ray_space, read_space

PATH_SETTINGS = ("data_path", "checkpoint_dir", "feature_cache_dir")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="recbole-kgllm tune", description="Tune hyper-parameters on the validation metric (Ray Tune).")
    parser.add_argument("--model", "-m", required=True)
    parser.add_argument("--dataset", "-d", required=True)
    parser.add_argument("--params_file", required=True, help="RecBole hyper-parameter file: 'name type values' per line")
    parser.add_argument("--config_files", default=None, help='config files, space separated: "a.yaml b.yaml"')
    parser.add_argument("--num_samples", type=int, default=10, help="trials (each draws from the space; a choice-only space repeats)")
    parser.add_argument("--out", default="tune-runs", help="folder of the search (Ray's storage path)")
    parser.add_argument("--name", default=None, help="search name (default: <model>-<dataset>)")
    parser.add_argument("--address", default=None, help="Ray cluster address (default: local cores)")
    parser.add_argument("--cpus_per_trial", type=float, default=1.0)
    parser.add_argument("--gpus_per_trial", type=float, default=None, help="default: 1 when CUDA is present, else 0")
    parser.add_argument("--max_concurrent", type=int, default=0, help="at most this many trials at once (0: as resources allow)")
    parser.add_argument("--grace_epochs", type=int, default=1, help="ASHA: epochs every trial trains before it can be stopped")
    parser.add_argument("--no_early_stop", action="store_true", help="run every trial to its end (no ASHA)")
    parser.add_argument("--resume", action="store_true", help="continue the interrupted search <out>/<name>")
    parser.add_argument("--seed", type=int, default=None, help="seed of the search's sampling")
    return parser


def _settings(rest: Sequence[str]) -> dict[str, Any]:
    from recbole_kgllm.recbole_integration.config import parse_overrides

    fixed: dict[str, Any] = dict(parse_overrides(rest))
    for key in PATH_SETTINGS:  # Ray runs each trial in its own folder: paths must be absolute
        if key in fixed:
            fixed[key] = str(Path(fixed[key]).expanduser().resolve())
    return fixed


def _direction(model: str, dataset: str, files: list[str], fixed: dict[str, Any]) -> tuple[str, bool, int]:
    """(valid_metric, bigger is better, epochs) of the fixed settings (checks model, dataset and files)."""
    from recbole_kgllm.recbole_integration.config import build_config
    from recbole_kgllm.recbole_integration.session import prepare_recbole

    prepare_recbole()
    config = build_config(model, dataset, files or None, fixed)
    return str(config["valid_metric"]), bool(config["valid_metric_bigger"]), int(config["epochs"])


def _plain(value: Any) -> Any:
    """A YAML-friendly copy (numpy scalars to Python)."""
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        return value.item()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def write_outputs(folder: Path, rows: list[dict[str, Any]], names: list[str], *, metric: str, bigger: bool,
                  fixed: dict[str, Any], model: str, dataset: str) -> dict[str, Any] | None:
    """``results.csv``/``results.md`` (best first) and ``best.yaml``; returns the best row."""
    scored = [r for r in rows if r.get("best_valid_score") is not None and not math.isnan(r["best_valid_score"])]
    scored.sort(key=lambda r: r["best_valid_score"], reverse=bigger)
    ordered = scored + [r for r in rows if r not in scored]
    columns = ["trial", *names, "best_valid_score", "epochs", "status"]
    with open(folder / "results.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(ordered)
    lines = [f"Validation {metric} ({'higher' if bigger else 'lower'} is better); {model} on {dataset}.", "",
             "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for r in ordered:
        lines.append("| " + " | ".join(f"{r.get(c):.4g}" if isinstance(r.get(c), float) else str(r.get(c, "")) for c in columns) + " |")
    (folder / "results.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if not scored:
        return None
    best = scored[0]
    settings = {k: v for k, v in fixed.items()}
    settings.update({n: _plain(best[n]) for n in names})
    header = (f"# best of recbole-kgllm tune: validation {metric} = {best['best_valid_score']:.6g} (trial {best['trial']})\n"
              f"# run_recbole --model={model} --dataset={dataset} --config_files={folder / 'best.yaml'}\n")
    (folder / "best.yaml").write_text(header + yaml.safe_dump(_plain(settings), sort_keys=True), encoding="utf-8")
    return best


def _rows(results: Any, names: list[str], max_epochs: int) -> list[dict[str, Any]]:
    rows = []
    for result in results:
        frame = result.metrics_dataframe
        best = None if frame is None or "best_valid_score" not in frame else float(frame["best_valid_score"].iloc[-1])
        epochs = 0 if frame is None or "epoch" not in frame else int(frame["epoch"].max()) + 1
        folder = getattr(result, "path", None) or getattr(result, "log_dir", None)
        trial = Path(str(folder)).name if folder else "?"
        status = "error" if result.error else ("stopped early" if 0 < epochs < max_epochs else "done")
        rows.append({"trial": trial, **{n: result.config.get(n) for n in names}, "best_valid_score": best, "epochs": epochs,
                     "status": status})
    return rows


def tune_main(argv: Sequence[str]) -> int:
    """Run (or resume) a search; print the table and the best config's path."""
    args, rest = _parser().parse_known_args(list(argv))
    dims = read_space(args.params_file)
    files = [str(Path(f).resolve()) for f in args.config_files.split()] if args.config_files else []
    fixed = _settings(rest)
    fixed.setdefault("show_progress", False)
    clash = sorted({d.name for d in dims} & set(fixed))
    if clash:
        raise ConfigError(f"{', '.join(clash)} is both searched ({args.params_file}) and fixed on the command line")
    metric, bigger, max_epochs = _direction(args.model, args.dataset, files, fixed)
    import ray
    import torch
    from ray import air, tune
    from ray.tune.schedulers import ASHAScheduler, FIFOScheduler

    name = args.name or f"{args.model}-{args.dataset}"
    out = Path(args.out).expanduser().resolve()
    gpus = args.gpus_per_trial if args.gpus_per_trial is not None else (1.0 if torch.cuda.is_available() else 0.0)
    ray.init(address=args.address, include_dashboard=False, ignore_reinit_error=True, log_to_driver=False,
             configure_logging=False, **({} if args.address else {"num_gpus": torch.cuda.device_count()}))
    try:
        run = tune.with_resources(
            tune.with_parameters(_trainable, model=args.model, dataset=args.dataset, config_files=files, fixed=fixed),
            {"cpu": args.cpus_per_trial, "gpu": gpus},
        )
        mode = "max" if bigger else "min"
        scheduler = FIFOScheduler() if args.no_early_stop else ASHAScheduler(
            time_attr="training_iteration", grace_period=max(1, args.grace_epochs), reduction_factor=2)
        if args.resume:
            if not (out / name).is_dir():
                raise ConfigError(f"nothing to resume: {out / name} does not exist")
            tuner = tune.Tuner.restore(str(out / name), trainable=run, resume_unfinished=True, resume_errored=True)
        else:
            search = None
            if args.seed is not None:
                from ray.tune.search import BasicVariantGenerator

                search = BasicVariantGenerator(random_state=args.seed)
            tuner = tune.Tuner(
                run, param_space=ray_space(dims),
                tune_config=tune.TuneConfig(metric="valid_score", mode=mode, num_samples=args.num_samples, scheduler=scheduler,
                                            search_alg=search, max_concurrent_trials=args.max_concurrent or None),
                run_config=air.RunConfig(name=name, storage_path=str(out), verbose=1),
            )
        results = tuner.fit()
    finally:
        ray.shutdown()
    names = [d.name for d in dims]
    rows = _rows(results, names, max_epochs)
    best = write_outputs(out / name, rows, names, metric=metric, bigger=bigger, fixed=fixed, model=args.model, dataset=args.dataset)
    print((out / name / "results.md").read_text(encoding="utf-8"))
    if best is None:
        print(f"no trial finished a validation: see {out / name}")
        return 1
    print(f"best config: {out / name / 'best.yaml'}")
    return 0


def _trainable(params: dict[str, Any], model: str, dataset: str, config_files: list[str], fixed: dict[str, Any]) -> None:
    """The trial function (explicit parameters: Ray inspects the signature)."""
    from recbole_kgllm.tune.trial import trainable

    trainable(params, model=model, dataset=dataset, config_files=config_files, fixed=fixed)


__all__ = ["tune_main", "write_outputs"]
