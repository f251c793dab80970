"""``results.csv``: one row per run, written atomically after every run, the resume record.

A run is identified by :data:`KEY_COLUMNS`. Appending a row replaces an earlier row with the
same key (a retried failure), so the file always holds the latest outcome of each run. Every
append rewrites the whole file into a temporary file and renames it over the old one, under a
file lock, so a crash or a second process never leaves a torn file. Columns are the fixed ones
of :data:`FIXED_COLUMNS`, then every metric column in the order first seen.
"""
from __future__ import annotations

import csv
import math
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows: no cross-process lock
    fcntl = None  # type: ignore[assignment]

#: The columns identifying a run.
KEY_COLUMNS = ("dataset", "table", "label", "seed", "data", "settings_hash")
#: Columns every row has, in file order (metric columns follow).
FIXED_COLUMNS = (
    *KEY_COLUMNS,
    "model", "group", "knowledge", "ablation", "status", "error",
    "best_epoch", "epochs", "seconds_per_epoch", "fit_seconds", "eval_seconds", "feature_seconds",
    "setup_seconds", "data_seconds", "peak_rss_mb", "peak_gpu_mb", "device", "n_params",
    "time_cap_s", "time_capped", "n_users", "n_items", "n_train", "n_valid", "n_test", "split_sha",
    "run_dir", "finished_at",
)
#: Status values; only ``ok`` rows are complete.
STATUS_OK, STATUS_FAILED, STATUS_TIMEOUT = "ok", "failed", "timeout"

RunKey = tuple[str, ...]


def row_key(row: Mapping[str, Any]) -> RunKey:
    """The identity of the run behind ``row`` (values as strings)."""
    return tuple(str(row.get(column, "")) for column in KEY_COLUMNS)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    return str(value)


class ResultsFile:
    """The CSV at ``path`` (created on the first append)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def rows(self) -> list[dict[str, str]]:
        """Every row, as strings (empty cells are ``""``)."""
        if not self.path.is_file():
            return []
        with open(self.path, encoding="utf-8", newline="") as handle:
            return [dict(row) for row in csv.DictReader(handle)]

    def done_keys(self, *, failed_count_as_done: bool = False) -> set[RunKey]:
        """Keys of runs that need no re-run: ``ok`` rows (and failed ones if asked)."""
        return {
            row_key(row)
            for row in self.rows()
            if row.get("status") == STATUS_OK or (failed_count_as_done and row.get("status"))
        }

    def append(self, row: Mapping[str, Any]) -> None:
        """Add ``row`` (replacing any row with the same key), atomically."""
        with self._locked():
            rows = [r for r in self.rows() if row_key(r) != row_key(row)]
            rows.append({k: _cell(v) for k, v in row.items()})
            columns = list(FIXED_COLUMNS)
            for r in rows:
                columns += [c for c in r if c not in columns]
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            with open(tmp, "w", encoding="utf-8", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=columns, restval="", lineterminator="\n")
                writer.writeheader()
                writer.writerows(rows)
            os.replace(tmp, self.path)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(f".{self.path.name}.lock"), "w") as lock:
            if fcntl is not None:
                fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                if fcntl is not None:
                    fcntl.flock(lock, fcntl.LOCK_UN)


__all__ = ["FIXED_COLUMNS", "KEY_COLUMNS", "ResultsFile", "STATUS_FAILED", "STATUS_OK", "STATUS_TIMEOUT", "row_key"]
