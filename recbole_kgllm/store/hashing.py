"""Stable hashes: canonical JSON of settings, file contents, model folders, library versions."""
from __future__ import annotations

import hashlib
import importlib.metadata
import json
import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

_CHUNK = 1 << 20
#: Files above this size are fingerprinted by size + first and last :data:`_EDGE` bytes.
LARGE_FILE = 16 << 20
_EDGE = 4 << 20


def canonical(obj: Any) -> Any:
    """``obj`` as plain JSON types with a stable form (sorted keys, tuples as lists, paths as str).

    Raises:
        TypeError: a value has no stable JSON form (e.g. an arbitrary object).
    """
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        if math.isnan(obj) or math.isinf(obj):
            return repr(obj)
        return obj
    if isinstance(obj, Mapping):
        return {str(k): canonical(v) for k, v in sorted(obj.items(), key=lambda kv: str(kv[0]))}
    if isinstance(obj, (list, tuple)):
        return [canonical(v) for v in obj]
    if isinstance(obj, (set, frozenset)):
        return sorted((canonical(v) for v in obj), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if hasattr(obj, "item") and callable(obj.item):  # numpy / torch scalars
        return canonical(obj.item())
    raise TypeError(f"value {obj!r} of type {type(obj).__name__} has no stable hash form")


def stable_hash(obj: Any) -> str:
    """SHA-256 (hex) of the canonical JSON of ``obj``; equal settings give equal hashes."""
    text = json.dumps(canonical(obj), sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 (hex) of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _large_file_digest(path: Path, size: int) -> str:
    digest = hashlib.sha256(f"size={size};".encode())
    with open(path, "rb") as handle:
        digest.update(handle.read(_EDGE))
        handle.seek(max(size - _EDGE, 0))
        digest.update(handle.read(_EDGE))
    return "edges:" + digest.hexdigest()


def folder_fingerprint(folder: str | os.PathLike[str]) -> dict[str, str]:
    """Relative path -> content digest for every file under ``folder`` (hidden files skipped).

    Files up to :data:`LARGE_FILE` bytes are hashed whole; larger ones (model weights) by their
    size and their first and last 4 MiB, which keeps a cached lookup well under a second.
    """
    root = Path(folder)
    result: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if not path.is_file() or any(part.startswith(".") for part in rel.parts):
            continue
        size = path.stat().st_size
        result[rel.as_posix()] = _large_file_digest(path, size) if size > LARGE_FILE else file_sha256(path)
    return result


def library_versions(distributions: Iterable[str]) -> dict[str, str]:
    """Distribution name -> installed version (``"not installed"`` when absent); no imports."""
    versions: dict[str, str] = {}
    for name in distributions:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


__all__ = [
    "LARGE_FILE",
    "canonical",
    "file_sha256",
    "folder_fingerprint",
    "library_versions",
    "stable_hash",
]
