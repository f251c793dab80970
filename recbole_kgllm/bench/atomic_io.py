"""Reading and writing RecBole atomic files line by line, keeping every kept line verbatim.

Derived datasets (linked items only, shuffled KG, cold-start split) select or permute rows of
the source files; copying the selected lines unchanged keeps floats, quoting and every column
exactly as RecBole would have read them from the source.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from recbole_kgllm.errors import DatasetNotFoundError


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('""', '"')
    return value


@dataclass(frozen=True)
class AtomicTable:
    """An atomic file: its header line and its data lines (no line terminators).

    Attributes:
        header: the header line, e.g. ``"user_id:token\\titem_id:token\\trating:float"``.
        rows: the data lines in file order.
        sep: the field separator (RecBole's ``field_separator``).
    """

    header: str
    rows: list[str]
    sep: str = "\t"

    @property
    def fields(self) -> list[str]:
        """Column names without their types, e.g. ``["user_id", "item_id", "rating"]``."""
        return [cell.split(":")[0] for cell in self.header.split(self.sep)]

    def index(self, name: str, path: str = "") -> int:
        """The position of column ``name``; raises :class:`DatasetNotFoundError` when absent."""
        try:
            return self.fields.index(name)
        except ValueError:
            raise DatasetNotFoundError(f"{path or 'atomic file'} has no column '{name}' (columns: {', '.join(self.fields)})") from None

    def column(self, name: str) -> list[str]:
        """The values of column ``name`` (quotes removed), one per row."""
        i = self.index(name)
        return [_unquote(row.split(self.sep)[i]) for row in self.rows]

    def select(self, keep: Sequence[bool]) -> AtomicTable:
        """The rows where ``keep`` is true, in order."""
        return AtomicTable(self.header, [row for row, k in zip(self.rows, keep) if k], self.sep)

    def with_rows(self, rows: Iterable[str]) -> AtomicTable:
        """The same header with other rows."""
        return AtomicTable(self.header, list(rows), self.sep)

    def write(self, path: Path) -> int:
        """Write header and rows (UTF-8, LF) atomically; returns the number of rows."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            handle.write(self.header + "\n")
            for row in self.rows:
                handle.write(row + "\n")
        os.replace(tmp, path)
        return len(self.rows)


def read_atomic(path: Path, sep: str = "\t", encoding: str = "utf-8") -> AtomicTable:
    """Read ``path``; blank lines are skipped (as RecBole's reader skips them).

    Raises:
        DatasetNotFoundError: the file does not exist or has no header.
    """
    if not path.is_file():
        raise DatasetNotFoundError(f"atomic file not found: {path}")
    with open(path, encoding=encoding, newline="") as handle:
        lines = [line.rstrip("\r") for line in handle.read().split("\n")]
    lines = [line for line in lines if line.strip()]
    if not lines:
        raise DatasetNotFoundError(f"atomic file has no header: {path}")
    return AtomicTable(lines[0], lines[1:], sep)


def copy_file(src: Path, dst: Path) -> None:
    """Copy ``src`` to ``dst`` byte for byte (the feature store keys on file bytes, so an
    unchanged file keeps its cached features)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")
    shutil.copyfile(src, tmp)
    os.replace(tmp, dst)


__all__ = ["AtomicTable", "copy_file", "read_atomic"]
