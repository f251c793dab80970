"""``recbole-kgllm recommend | export | serve``: each returns an exit code; user mistakes raise
:class:`~recbole_kgllm.errors.KGLLMError`, which the top-level CLI prints as one line (exit 2)."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, TextIO

from recbole_kgllm.errors import KGLLMError
from recbole_kgllm.serving.output import WRITERS
from recbole_kgllm.serving.topk import check_k


def _source(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--checkpoint", help="a RecBole checkpoint (.pth) of any model")
    source.add_argument("--export", help="an export folder written by 'recbole-kgllm export'")
    _trust(parser)


def _trust(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--trust_checkpoint", "--trust-checkpoint", action="store_true",
                        help="unpickle a checkpoint you made yourself without the allow-list (runs code from the file)")


def _load(args: argparse.Namespace):  # noqa: ANN202
    from recbole_kgllm.serving.loading import load_recommender

    return load_recommender(args.checkpoint or args.export, trust_checkpoint=args.trust_checkpoint)


def _read_users(path: str) -> list[str]:
    file = Path(path)
    if not file.is_file():
        raise KGLLMError(f"users file not found: {path}")
    lines = (line.strip() for line in file.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


@contextmanager
def _output(path: str | None) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        yield handle


def recommend_main(argv: Sequence[str]) -> int:
    """``recbole-kgllm recommend``."""
    parser = argparse.ArgumentParser(prog="recbole-kgllm recommend",
                                     description="Top-k items (external tokens) for users of a checkpoint or export.")
    _source(parser)
    users = parser.add_mutually_exclusive_group(required=True)
    users.add_argument("--user", action="append", help="a user token (repeatable)")
    users.add_argument("--users-file", help="a file with one user token per line")
    users.add_argument("--all", action="store_true", help="every user, streamed in batches with a progress bar")
    parser.add_argument("-k", type=int, default=10, help="items per user (default 10)")
    parser.add_argument("--explain", action="store_true", help="up to three reasons per item (kg, text, cf)")
    parser.add_argument("--keep-history", action="store_true", help="do not exclude the user's training items")
    parser.add_argument("--format", choices=sorted(WRITERS), default="table", help="output format (default table)")
    parser.add_argument("--out", help="output file (default: stdout)")
    parser.add_argument("--batch-size", type=int, default=512, help="users per batch with --all (default 512)")
    args = parser.parse_args(list(argv))
    k = check_k(args.k)
    wanted = None if args.all else (args.user or _read_users(args.users_file))
    recommender = _load(args)
    writer = WRITERS[args.format]
    if wanted is not None:
        rows = recommender.recommend(wanted, k, explain=args.explain, keep_history=args.keep_history)
        with _output(args.out) as out:
            writer(rows, out)
        return 0
    stream = recommender.iter_all(k, explain=args.explain, keep_history=args.keep_history,
                                  batch_size=max(1, args.batch_size))
    with _output(args.out) as out:
        n = writer(stream, out)
    print(f"recommendations for {n} users written to {args.out or 'stdout'}", file=sys.stderr)
    return 0


def export_main(argv: Sequence[str]) -> int:
    """``recbole-kgllm export``."""
    parser = argparse.ArgumentParser(prog="recbole-kgllm export",
                                     description="Export a checkpoint for serving (safetensors, token files, manifest).")
    parser.add_argument("--checkpoint", required=True, help="a RecBole checkpoint (.pth)")
    parser.add_argument("--out", required=True, help="the export folder")
    parser.add_argument("--neighbours", type=int, default=0,
                        help="item-item entries kept per item (0: exact up to 5000 items, else 500)")
    parser.add_argument("--no-features", action="store_true", help="do not export KG/text views (no reasons of those kinds)")
    _trust(parser)
    args = parser.parse_args(list(argv))
    from recbole_kgllm.serving.export import export_checkpoint

    manifest = export_checkpoint(args.checkpoint, args.out, neighbours=args.neighbours, features=not args.no_features,
                                 trust_checkpoint=args.trust_checkpoint)
    check = manifest["check"]
    print(f"exported {manifest['model']} ({manifest['kind']}, "
          f"{'exact' if manifest['exact'] else str(manifest['neighbours']) + ' neighbours per item'}) to {args.out}; "
          f"top-{check['k']} identical to the checkpoint for {check['identical_top_k_share']:.1%} of {check['users']} users "
          f"(mean overlap {check['mean_top_k_overlap']:.3f})")
    return 0


def serve_main(argv: Sequence[str]) -> int:
    """``recbole-kgllm serve``."""
    parser = argparse.ArgumentParser(prog="recbole-kgllm serve", description="Serve recommendations over HTTP.")
    _source(parser)
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    parser.add_argument("--preload-explain", action="store_true", help="build the KG/text reasons at start-up")
    args = parser.parse_args(list(argv))
    from recbole_kgllm.serving.http import serve

    recommender = _load(args)
    if args.preload_explain:
        recommender.explainer  # noqa: B018 - builds it now
    serve(recommender, host=args.host, port=args.port)
    return 0


__all__ = ["export_main", "recommend_main", "serve_main"]
