"""Console scripts: ``run_recbole`` (RecBole's runner, for every model) and ``recbole-kgllm``.

Every command returns an exit code; user mistakes print one line on stderr and exit 2.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from recbole_kgllm.cli_errors import EXIT_USAGE, report_error, report_unexpected
from recbole_kgllm.errors import KGLLMError


def _run_parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Train and evaluate a RecBole or plugin model. Any other setting: --key=value.",
    )
    parser.add_argument("--model", "-m", default="BPR", help="model name (default: BPR)")
    parser.add_argument("--dataset", "-d", default="ml-100k", help="dataset name (default: ml-100k)")
    parser.add_argument("--config_files", default=None, help='config files, space separated: "a.yaml b.yaml"')
    parser.add_argument("--nproc", type=int, default=1, help="processes (GPUs) to use")
    parser.add_argument("--ip", default="localhost", help="master address for multi-process runs")
    parser.add_argument("--port", default="5678", help="master port for multi-process runs")
    parser.add_argument("--world_size", type=int, default=-1, help="total processes over all nodes")
    parser.add_argument("--group_offset", type=int, default=0, help="global rank offset of this node")
    parser.add_argument(
        "--trust_checkpoint", nargs="?", const="True", default=None, metavar="BOOL",
        help="unpickle checkpoints and saved datasets in full: only for files you trust (docs/reliability.md)",
    )
    return parser




def run_command(argv: Sequence[str], prog: str = "run_recbole") -> int:
    """``run_recbole`` semantics: train, evaluate, print best validation and test results."""
    args, rest = _run_parser(prog).parse_known_args(list(argv))
    try:
        from recbole_kgllm.recbole_integration.config import parse_overrides
        from recbole_kgllm.recbole_integration.quick_start import run

        overrides = parse_overrides(rest)
        if args.trust_checkpoint is not None:
            overrides["trust_checkpoint"] = args.trust_checkpoint
        result = run(
            args.model,
            args.dataset,
            args.config_files.split() if args.config_files else None,
            overrides,
            nproc=args.nproc,
            world_size=args.world_size,
            ip=args.ip,
            port=args.port,
            group_offset=args.group_offset,
        )
    except KGLLMError as error:
        return report_error(prog, error)
    except Exception as error:  # noqa: BLE001 - one line and a pointer to the traceback, never a raw traceback
        return report_unexpected(prog, error)
    if result is not None:
        print(f"best valid: {dict(result['best_valid_result'] or {})}")
        print(f"test result: {dict(result['test_result'])}")
    return 0


def plugins_command(argv: Sequence[str]) -> int:
    """``recbole-kgllm plugins [--json]``."""
    parser = argparse.ArgumentParser(prog="recbole-kgllm plugins", description="List plugins and components.")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(list(argv))
    from recbole_kgllm.plugin_report import format_report, plugin_report

    try:
        print(format_report(plugin_report(), as_json=args.json))
    except KGLLMError as error:
        return report_error("recbole-kgllm plugins", error)
    except Exception as error:  # noqa: BLE001
        return report_unexpected("recbole-kgllm plugins", error)
    return 0


def _lazy(target: str) -> Callable[[Sequence[str]], int]:
    """A subcommand implemented elsewhere as ``module:function(argv) -> int``, imported on use."""
    module_name, function_name = target.split(":")

    def command(argv: Sequence[str]) -> int:
        return int(getattr(importlib.import_module(module_name), function_name)(list(argv)))

    return command


#: Subcommand -> (help, implementation).
SUBCOMMANDS: dict[str, tuple[str, Callable[[Sequence[str]], int]]] = {
    "run": ("train and evaluate a model (same as run_recbole)", lambda argv: run_command(argv, "recbole-kgllm run")),
    "plugins": ("list loaded plugins and registered components", plugins_command),
    "features": ("compute or reuse KG / text features (kg | text)", _lazy("recbole_kgllm.features.cli:features_main")),
    "convert": ("convert a raw dataset bundle to RecBole atomic files", _lazy("recbole_kgllm.datasets.cli:convert_main")),
    "bench": ("benchmark models over seeds on identical data (results.csv, results.md, plots)", _lazy("recbole_kgllm.bench.cli:bench_main")),
    "recommend": ("top-k items with reasons for users of a checkpoint or export", _lazy("recbole_kgllm.serving.cli:recommend_main")),
    "export": ("export a checkpoint for serving (safetensors, token files, manifest)", _lazy("recbole_kgllm.serving.cli:export_main")),
    "serve": ("serve recommendations over HTTP (GET /recommend, /health)", _lazy("recbole_kgllm.serving.cli:serve_main")),
    "synth": ("write a synthetic dataset of any size (power-law popularity, KG, titles)", _lazy("recbole_kgllm.datasets.synthetic:synth_main")),
    "tune": ("tune hyper-parameters on the validation metric with Ray Tune (RecBole's search-space file)", _lazy("recbole_kgllm.tune.cli:tune_main")),
}


def main(argv: Sequence[str] | None = None) -> int:
    """``recbole-kgllm <command> ...``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="recbole-kgllm", description="Knowledge- and language-enhanced RecBole.")
    parser.add_argument("command", choices=sorted(SUBCOMMANDS), help="; ".join(f"{k}: {v[0]}" for k, v in sorted(SUBCOMMANDS.items())))
    parser.add_argument("args", nargs=argparse.REMAINDER)
    if not argv:
        parser.print_help()
        return EXIT_USAGE
    args = parser.parse_args(argv[:1])
    try:
        return SUBCOMMANDS[args.command][1](argv[1:])
    except KGLLMError as error:
        return report_error(f"recbole-kgllm {args.command}", error)
    except Exception as error:  # noqa: BLE001 - one line and a pointer to the traceback
        return report_unexpected(f"recbole-kgllm {args.command}", error)


def run_recbole_main(argv: Sequence[str] | None = None) -> int:
    """The ``run_recbole`` console script."""
    return run_command(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
