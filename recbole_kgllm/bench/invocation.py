"""One ``recbole-kgllm bench`` invocation, planned: arguments checked, models resolved, the
base config read once (data folder, field names, metrics, ``load_col``) and every run listed
with its data variant and settings hash."""
from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recbole_kgllm.bench.ablations import expand_ablations
from recbole_kgllm.bench.cold_split import split_ratios
from recbole_kgllm.bench.data_prep import AtomicFields
from recbole_kgllm.bench.plan import DataBuilder, DataVariant, Run, data_base, settings_hash
from recbole_kgllm.bench.results import ResultsFile
from recbole_kgllm.bench.runner import RESERVED_SETTINGS, RunContext
from recbole_kgllm.bench.spec import parse_models, parse_seeds
from recbole_kgllm.errors import ConfigError

#: Settings holding paths: made absolute, because each worker runs in its own run folder.
PATH_SETTINGS = ("data_path", "feature_cache_dir", "kg_log_dir", "teacher_checkpoint")
#: Cut-offs of the cold/warm slice metrics.
SLICE_KS = (20,)


def _metric_list(text: str) -> list[str]:
    metrics = [m.strip().lower() for m in text.split(",") if m.strip()]
    for metric in metrics:
        family, _, k = metric.partition("@")
        if not family or not k.isdigit():
            raise ConfigError(f"invalid metric '{metric}': write family@k, e.g. ndcg@10")
    return metrics


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def merged_metrics(config_metrics: Any, config_topk: Any, wanted: Sequence[str]) -> tuple[list[str], list[int]]:
    """RecBole's ``metrics`` and ``topk`` extended so that every ``wanted`` ``family@k`` is computed."""
    metrics = [str(m) for m in _as_list(config_metrics)]
    topk = [int(k) for k in _as_list(config_topk)]
    for item in wanted:
        family, _, k = item.partition("@")
        if family.lower() not in {m.lower() for m in metrics}:
            metrics.append(family)
        if int(k) not in topk:
            topk.append(int(k))
    return metrics, sorted(topk)


def harness_load_col(load_col: Any, source: Path, dataset: str, fields: AtomicFields, catalogue: str = "interacted") -> Any:
    """The config's ``load_col`` plus the ``kg`` and ``link`` columns when the dataset has
    those files, and with ``catalogue="full"`` the ``.item`` id column (every listed item becomes a
    candidate; ``None``, "load everything", stays ``None``)."""
    if load_col is None:
        return None
    out = {k: list(v) for k, v in dict(load_col).items()}
    if catalogue == "full" and fields.item not in out.get("item", []):
        out["item"] = [*out.get("item", []), fields.item]
    if (source / f"{dataset}.kg").is_file():
        out.setdefault("kg", [fields.head, fields.relation, fields.tail])
    if (source / f"{dataset}.link").is_file():
        out.setdefault("link", [fields.item, fields.entity])
    return out


@dataclass
class Bench:
    """One invocation, planned."""

    args: argparse.Namespace
    runs: list[Run]
    ctx: RunContext
    builder: DataBuilder
    results: ResultsFile
    options: dict[str, Any]


def plan(args: argparse.Namespace, settings: dict[str, str]) -> Bench:
    """Check the arguments, resolve models, build the base config and list the runs."""
    reserved = [k for k in RESERVED_SETTINGS if k in settings]
    if reserved:
        raise ConfigError(f"--{reserved[0]} is set by the harness per run (use --seeds for seeds)")
    if args.jobs < 1:
        raise ConfigError("--jobs must be at least 1")
    if not 0.0 <= args.cold_share < 1.0:
        raise ConfigError(f"--cold_share must be in [0, 1), got {args.cold_share}")
    for key in PATH_SETTINGS:
        if key in settings:
            settings[key] = str(Path(settings[key]).expanduser().resolve())
    seeds = parse_seeds(args.seeds, args.first_seed)
    specs = parse_models(args.models)
    metrics, beyond = _metric_list(args.metrics), _metric_list(args.beyond)
    config_files = [str(Path(f).resolve()) for f in (args.config_files or "").split()]

    from recbole_kgllm.recbole_integration.config import build_config
    from recbole_kgllm.recbole_integration.model_lookup import is_knowledge_model, resolve_model
    from recbole_kgllm.recbole_integration.preflight import preflight
    from recbole_kgllm.recbole_integration.ranking import split_posthoc
    from recbole_kgllm.recbole_integration.session import prepare_recbole
    from recbole_kgllm.registry import get_registry

    prepare_recbole()
    if args.ablations:
        from recbole_kgllm.model.params import KGLLMRecParams

        defaults = KGLLMRecParams()
        current = {
            key: settings.get(key, getattr(defaults, key)) for key in ("fusion", "distiller", "backbone")
        }
        specs = expand_ablations(
            specs, fusions=get_registry("fusion").names(),
            distillers=get_registry("distiller").names(), current=current,
            unfused_backbones=[e.name for e in get_registry("backbone") if "fusion" not in e.obj.reads],
            kind=args.ablations,
            self_taught_backbones=[e.name for e in get_registry("backbone") if e.obj.fit_kind == "closed_form"],
        )
    classes = {spec.model: resolve_model(spec.model) for spec in specs}
    ours = set(get_registry("model").names())
    base_config = build_config("BPR", args.dataset, config_files or None, dict(settings))
    preflight(base_config, every_file=True, checkpoints=False).log()  # every atomic file, before any data is derived
    source = Path(base_config["data_path"]).resolve()
    settings.pop("data_path", None)
    fields = AtomicFields.from_config(base_config)
    wanted = metrics + beyond
    config_metrics, topk = merged_metrics(base_config["metrics"], base_config["topk"], wanted)
    recbole_metrics, posthoc = split_posthoc(config_metrics)
    harness: dict[str, Any] = {
        "metrics": recbole_metrics, "topk": topk,
        "load_col": harness_load_col(base_config["load_col"], source, args.dataset, fields, args.catalogue),
    }
    if "show_progress" not in settings:
        harness["show_progress"] = False

    knowledge = {name: is_knowledge_model(cls) for name, cls in classes.items()}
    tables = ["main"] + (["cold"] if args.cold_share > 0 else [])
    runs = []
    for seed in seeds:
        for table in tables:
            for spec in specs:
                base = data_base(knowledge[spec.model], args.data_mode)
                cold = table == "cold"
                variant = DataVariant(
                    base, seed if spec.kg_shuffle else None, args.cold_share if cold else None, seed if cold else None
                )
                digest = settings_hash(
                    spec, dataset=args.dataset, table=table, base=base, global_settings=settings,  # type: ignore[arg-type]
                    config_files=config_files, cold_share=args.cold_share, time_cap=args.time_cap, catalogue=args.catalogue,
                )
                runs.append(Run(spec, seed, table, variant, knowledge[spec.model], spec.model in ours, digest))  # type: ignore[arg-type]
    out = Path(args.out).resolve()
    ctx = RunContext(
        dataset=args.dataset, config_files=config_files, settings=settings, harness_settings=harness,
        runs_dir=out / "runs", time_cap=args.time_cap, hard_timeout=args.hard_timeout, slice_ks=SLICE_KS,
        posthoc_metrics=tuple(posthoc),
    )
    builder = DataBuilder(
        source=source, dataset=args.dataset, root=out / ("data" if args.catalogue == "full" else f"data-{args.catalogue}"),
        fields=fields, ratios=split_ratios(base_config["eval_args"]["split"]), catalogue=args.catalogue,
    )
    options = {
        "seeds": seeds, "metrics": metrics, "beyond": beyond, "source": source, "out": out,
        "label_order": list(dict.fromkeys(spec.label for spec in specs)),
        "knowledge_models": sorted(name for name, k in knowledge.items() if k),
    }
    return Bench(args, runs, ctx, builder, ResultsFile(out / "results.csv"), options)


__all__ = ["Bench", "PATH_SETTINGS", "SLICE_KS", "harness_load_col", "merged_metrics", "plan"]
