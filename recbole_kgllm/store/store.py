"""The feature store: one folder per entry, ``<root>/<kind>/<key>/``, with
``tensors.safetensors`` (no pickle), ``tokens.json`` and ``manifest.json``.

Writes are atomic: an entry is written into a temporary sibling folder and renamed into place,
so an interrupted run or two concurrent runs never leave a half-written entry. A per-key file
lock (POSIX) lets a concurrent run wait for the first one instead of computing twice. A damaged
entry (missing or truncated file, checksum, shape or manifest mismatch) is reported in one line,
moved aside and recomputed.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from recbole_kgllm.errors import FeatureStoreError
from recbole_kgllm.store.entry import EntryContent, StoredEntry, StoreResult
from recbole_kgllm.store.hashing import file_sha256, stable_hash
from recbole_kgllm.store.manifest import MANIFEST_FILE, TENSORS_FILE, TOKENS_FILE, EntrySpec, Manifest

try:  # POSIX advisory locks; elsewhere concurrent runs may compute twice (still atomic)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

_TMP_PREFIX = ".tmp-"
_TRASH_PREFIX = ".trash-"
_STALE_SECONDS = 24 * 3600


def _fsync(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class FeatureStore:
    """Feature-store entries under ``root``.

    Args:
        root: the store folder (created on first write).
    """

    def __init__(self, *, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def entry_path(self, spec: EntrySpec) -> Path:
        """The folder of ``spec``'s entry (which may not exist)."""
        return self.root / spec.kind / spec.key

    # ------------------------------------------------------------------ reading
    def load(self, spec: EntrySpec) -> StoredEntry | None:
        """The validated entry for ``spec``; None when absent.

        Raises:
            FeatureStoreError: the entry exists but is damaged (one line saying how).
        """
        path = self.entry_path(spec)
        if not path.exists():
            return None
        try:
            return self._read(path, spec)
        except FeatureStoreError as exc:
            raise FeatureStoreError(f"damaged feature entry {path}: {exc}") from None

    def _read(self, path: Path, spec: EntrySpec) -> StoredEntry:
        manifest_path = path / MANIFEST_FILE
        if not manifest_path.is_file():
            raise FeatureStoreError(f"{MANIFEST_FILE} is missing")
        manifest = Manifest.from_json(manifest_path.read_text(encoding="utf-8"))
        if manifest.key != spec.key or stable_hash(manifest.spec.key_fields()) != spec.key:
            raise FeatureStoreError("manifest does not match the entry's key")
        for name in (TENSORS_FILE, TOKENS_FILE):
            expected = manifest.files.get(name)
            file = path / name
            if expected is None or not file.is_file():
                raise FeatureStoreError(f"{name} is missing")
            size = file.stat().st_size
            if size != expected["bytes"]:
                raise FeatureStoreError(f"{name} has {size} bytes, the manifest says {expected['bytes']} (truncated?)")
            if file_sha256(file) != expected["sha256"]:
                raise FeatureStoreError(f"{name} does not match its checksum")
        try:
            tensors = load_file(str(path / TENSORS_FILE))
            tokens = json.loads((path / TOKENS_FILE).read_text(encoding="utf-8"))
        except Exception as exc:  # noqa: BLE001 - any parse failure is damage
            raise FeatureStoreError(f"unreadable data ({type(exc).__name__}: {exc})") from None
        if set(tensors) != set(manifest.tensors):
            raise FeatureStoreError(f"tensors {sorted(tensors)} differ from the manifest's {sorted(manifest.tensors)}")
        for name, tensor in tensors.items():
            meta = manifest.tensors[name]
            if list(tensor.shape) != list(meta["shape"]) or str(tensor.dtype).removeprefix("torch.") != meta["dtype"]:
                raise FeatureStoreError(
                    f"tensor '{name}' is {list(tensor.shape)} {tensor.dtype}, "
                    f"the manifest says {meta['shape']} {meta['dtype']}"
                )
        if not isinstance(tokens, dict) or {k: len(v) for k, v in tokens.items()} != dict(manifest.tokens):
            raise FeatureStoreError("token lists differ from the manifest")
        return StoredEntry(
            path=path,
            manifest=manifest,
            tensors=tensors,
            tokens={name: tuple(values) for name, values in tokens.items()},
        )

    # ------------------------------------------------------------------ writing
    def save(self, spec: EntrySpec, content: EntryContent) -> StoredEntry:
        """Write ``content`` as ``spec``'s entry atomically and return it as read back.

        If a valid entry appeared meanwhile (a concurrent run), that one is kept and returned.
        """
        kind_dir = self.root / spec.kind
        kind_dir.mkdir(parents=True, exist_ok=True)
        self._clean_stale(kind_dir)
        tmp = kind_dir / f"{_TMP_PREFIX}{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}-{spec.key[:12]}"
        tmp.mkdir()
        try:
            self._write(tmp, spec, content)
            return self._publish(tmp, spec)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def _write(self, folder: Path, spec: EntrySpec, content: EntryContent) -> None:
        tensors = {name: t.detach().to("cpu").contiguous() for name, t in content.tensors.items()}
        tokens = {name: [str(t) for t in values] for name, values in content.tokens.items()}
        save_file(tensors, str(folder / TENSORS_FILE))
        (folder / TOKENS_FILE).write_text(json.dumps(tokens, ensure_ascii=False), encoding="utf-8")
        files = {}
        for name in (TENSORS_FILE, TOKENS_FILE):
            _fsync(folder / name)
            files[name] = {"sha256": file_sha256(folder / name), "bytes": (folder / name).stat().st_size}
        manifest = Manifest(
            key=spec.key,
            spec=spec,
            tensors={
                n: {"shape": list(t.shape), "dtype": str(t.dtype).removeprefix("torch.")} for n, t in tensors.items()
            },
            tokens={n: len(v) for n, v in tokens.items()},
            files=files,
            created=Manifest.now(),
            info=dict(content.info),
        )
        (folder / MANIFEST_FILE).write_text(manifest.to_json(), encoding="utf-8")
        _fsync(folder / MANIFEST_FILE)
        _fsync(folder)

    def _publish(self, tmp: Path, spec: EntrySpec) -> StoredEntry:
        final = self.entry_path(spec)
        try:
            os.rename(tmp, final)
        except OSError:  # a concurrent run published first, or a damaged entry is in the way
            existing = None
            with contextlib.suppress(FeatureStoreError):
                existing = self.load(spec)
            if existing is not None:
                return existing
            self._quarantine(final)
            os.rename(tmp, final)
        _fsync(final.parent)
        return self._read(final, spec)

    def _quarantine(self, path: Path) -> None:
        """Move a damaged entry aside (atomically) and delete it."""
        if not path.exists():
            return
        trash = path.parent / f"{_TRASH_PREFIX}{path.name[:12]}-{uuid.uuid4().hex[:8]}"
        with contextlib.suppress(FileNotFoundError):
            os.rename(path, trash)
        shutil.rmtree(trash, ignore_errors=True)

    def _clean_stale(self, kind_dir: Path) -> None:
        """Remove temporary folders left by killed runs (dead process on this host, or old)."""
        host = socket.gethostname()
        for child in kind_dir.iterdir():
            if not child.name.startswith((_TMP_PREFIX, _TRASH_PREFIX)):
                continue
            parts = child.name[len(_TMP_PREFIX):].rsplit("-", 3)
            dead = len(parts) == 4 and parts[0] == host and parts[1].isdigit() and not _pid_alive(int(parts[1]))
            with contextlib.suppress(OSError):
                old = time.time() - child.stat().st_mtime > _STALE_SECONDS
                if dead or old or child.name.startswith(_TRASH_PREFIX):
                    shutil.rmtree(child, ignore_errors=True)

    # ------------------------------------------------------------------ both
    @contextlib.contextmanager
    def _lock(self, spec: EntrySpec) -> Iterator[None]:
        if fcntl is None:  # pragma: no cover
            yield
            return
        kind_dir = self.root / spec.kind
        kind_dir.mkdir(parents=True, exist_ok=True)
        with open(kind_dir / f".lock-{spec.key}", "a+b") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def get_or_compute(self, spec: EntrySpec, compute: Callable[[], EntryContent]) -> StoreResult:
        """The entry for ``spec``, computing (and storing) it with ``compute()`` when absent or damaged.

        A damaged entry is reported once as a warning (one line) and recomputed.
        """
        start = time.perf_counter()
        problem: str | None = None
        try:
            entry = self.load(spec)
        except FeatureStoreError as exc:
            entry, problem = None, str(exc)
        if entry is not None:
            return StoreResult(entry=entry, status="cached", problem=None, seconds=time.perf_counter() - start)
        with self._lock(spec):
            try:  # another process may have finished it while we waited
                entry = self.load(spec)
            except FeatureStoreError as exc:
                entry, problem = None, str(exc)
            if entry is not None:
                return StoreResult(entry=entry, status="cached", problem=None, seconds=time.perf_counter() - start)
            if problem is not None:
                logger.warning("%s; recomputing", problem)
                self._quarantine(self.entry_path(spec))
            entry = self.save(spec, compute())
        status = "recomputed" if problem is not None else "computed"
        return StoreResult(entry=entry, status=status, problem=problem, seconds=time.perf_counter() - start)


__all__ = ["FeatureStore"]
