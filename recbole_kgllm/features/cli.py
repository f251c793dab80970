"""``recbole-kgllm features kg|text --dataset D [--config_files ...] [--key=value ...]``.

Computes the features (or finds them in the store) and prints: computed or cached, where,
shape, coverage and the seconds of feature work (key + store lookup + any computation; building
the RecBole config is reported separately).
"""
from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import Any, TextIO

from recbole_kgllm.errors import KGLLMError

#: Model whose config the features are computed for, until the lead switches the default.
DEFAULT_MODEL = "KGLLMRec"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="recbole-kgllm features",
        allow_abbrev=False,
        description="Compute or reuse KG / text features of a RecBole dataset. "
        "Further settings are written --key=value (e.g. --kg_epochs=5 --text_pooling=cls).",
    )
    parser.add_argument("what", choices=["kg", "text"], help="kg: PyKEEN KG embeddings; text: frozen text encoder")
    parser.add_argument("--dataset", "-d", required=True, help="RecBole dataset name, e.g. ml-100k")
    parser.add_argument(
        "--model", "-m", default=DEFAULT_MODEL, help=f"model whose config is used (default {DEFAULT_MODEL})"
    )
    parser.add_argument("--config_files", nargs="*", default=[], help="YAML config files (space separated)")
    return parser


def _shapes(entry: Any, names: Sequence[str]) -> str:
    return ", ".join(f"{n} {list(entry.tensors[n].shape)}" for n in names if n in entry.tensors)


def _status(result: Any) -> str:
    if result.status == "recomputed":
        return f"recomputed (the stored entry was damaged: {result.problem})"
    return result.status


def _report_kg(config: Any, out: TextIO) -> float:
    from recbole_kgllm.features import api

    result = api.kg_embedding_result(config)
    entry, info, spec = result.entry, result.entry.manifest.info, result.entry.manifest.spec.settings
    print(f"kg features for {config['dataset']}: {_status(result)} "
          f"({spec['kg_model']}, embedding_dim {spec['kg_embedding_dim']}, {spec['kg_epochs']} epochs)", file=out)
    print(f"  where:    {entry.path}", file=out)
    print(f"  shape:    {_shapes(entry, ['item', 'entity', 'relation'])}", file=out)
    print(f"  coverage: {100 * (info.get('coverage') or 0):.1f}% of items have a KG entity "
          f"({info.get('n_items_with_entity')} of {info.get('n_items')})", file=out)
    print(f"  quality:  MRR {info['mrr']:.4f}, Hits@10 {info['hits_at_10']:.4f}, final loss "
          f"{info['final_loss']:.4f} ({info['evaluation']})", file=out)
    print(f"  notes:    complex to real: {info['complex_to_real']}; TensorBoard: {info['tensorboard_dir']}", file=out)
    return result.seconds


def _report_text(config: Any, out: TextIO) -> float:
    from recbole_kgllm.features import api

    seconds = 0.0
    for kind in ("item", "user"):
        result = api.text_result(config, kind)
        if result is None:
            continue
        seconds += result.seconds
        entry, info = result.entry, result.entry.manifest.info
        encoder = entry.manifest.spec.settings["encoder"]
        print(f"{kind} text features for {config['dataset']}: {_status(result)} "
              f"({encoder['type']}: {encoder['model']}, {encoder['pooling']} pooling, "
              f"{'L2-normalised' if encoder['normalize'] else 'not normalised'})", file=out)
        print(f"  where:    {entry.path}", file=out)
        print(f"  shape:    {_shapes(entry, [kind])}", file=out)
        print(f"  coverage: {100 * info['coverage']:.1f}% of {kind}s have text "
              f"({info[f'n_{kind}s_with_text']} of {info['n_rows']} {kind}s in the .{kind} file)", file=out)
        if info.get("missing_fields"):
            print(f"  warning:  template fields not in the .{kind} file: {', '.join(info['missing_fields'])}", file=out)
        example = next(iter(info.get("examples", {}).values()), None)
        if example:
            print(f"  example:  {example!r}", file=out)
    return seconds


def features_main(argv: list[str]) -> int:
    """Run ``recbole-kgllm features ...``; returns the exit status (0 ok, 2 user error)."""
    from recbole_kgllm.recbole_integration.config import build_config, parse_overrides
    from recbole_kgllm.recbole_integration.preflight import preflight

    args, rest = _parser().parse_known_args(argv)
    try:
        overrides = parse_overrides(rest)
        files = [f for item in args.config_files for f in item.split()]
        start = time.perf_counter()
        config = build_config(args.model, args.dataset, files, overrides)
        views = {"kg"} if args.what == "kg" else {"text", "user_text"} if config["user_text_template"] else {"text"}
        preflight(config, checkpoints=False, views=views, training=False).log()  # settings and data files, before any feature work
        config_seconds = time.perf_counter() - start
        report = _report_kg if args.what == "kg" else _report_text
        seconds = report(config, sys.stdout)
    except KGLLMError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"  seconds:  {seconds:.3f} of feature work (config {config_seconds:.2f})", file=sys.stdout)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(features_main(sys.argv[1:]))
