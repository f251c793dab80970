"""``recbole-kgllm convert <dataset> --source DIR --out DIR``: raw bundle -> RecBole atomic files."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from recbole_kgllm.datasets.report import ConversionReport
from recbole_kgllm.errors import DatasetNotFoundError, KGLLMError


def _run_ml1m(args: argparse.Namespace) -> ConversionReport:
    from recbole_kgllm.datasets.convert import convert_ml1m

    return convert_ml1m(
        args.source,
        args.out,
        variant=args.variant,
        kg=args.kg,
        name=args.name or "ml-1m",
        freebase_kg_dir=args.freebase_kg_dir,
        progress=not args.no_progress,
    )


#: dataset name -> converter taking the parsed arguments.
CONVERTERS: dict[str, Callable[[argparse.Namespace], ConversionReport]] = {"ml-1m": _run_ml1m}


def build_parser(prog: str = "recbole-kgllm convert") -> argparse.ArgumentParser:
    """The argument parser of the ``convert`` command."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Convert a raw dataset bundle into RecBole atomic files "
        "(<out>/<name>/<name>.inter/.item/.user/.kg/.link). "
        "Then run RecBole with data_path=<out> dataset=<name>.",
    )
    parser.add_argument("dataset", choices=sorted(CONVERTERS), help="which recipe to run")
    parser.add_argument("--source", type=Path, required=True,
                        help="raw bundle folder, e.g. ../shared/data/ml-1m")
    parser.add_argument("--out", type=Path, required=True,
                        help="output data_path (outside the repository)")
    parser.add_argument("--variant", choices=["pos4", "all-10core"], default="pos4",
                        help="ml-1m interactions: ratings >= 4 (default) or all ratings, 10-core items")
    parser.add_argument("--kg", choices=["mkr", "mkr+freebase"], default="mkr+freebase",
                        help="item KG: MKR only, or MKR plus ml-100k's Freebase facts (default)")
    parser.add_argument("--name", default=None, help="dataset name (default: the dataset argument)")
    parser.add_argument("--freebase-kg-dir", type=Path, default=None,
                        help="folder with ml-100k.kg (default: <source>/../ml-100k, else the recbole wheel)")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    return parser


def convert_main(argv: list[str]) -> int:
    """Run the ``convert`` command; print the report. Returns the process exit code.

    Args:
        argv: arguments after ``convert``, e.g. ``["ml-1m", "--source", "...", "--out", "..."]``.

    Returns:
        0 on success, 1 on a data or configuration error (one line on stderr), 2 on bad usage.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse already printed usage / help
        return int(exit_.code or 0)
    try:
        if not args.source.is_dir():
            raise DatasetNotFoundError(
                f"{args.dataset} source folder not found: {args.source} "
                "(expected the raw bundle, e.g. ../shared/data/ml-1m)"
            )
        report = CONVERTERS[args.dataset](args)
    except KGLLMError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(report)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(convert_main(sys.argv[1:]))
