"""RecBole atomic files (``.inter``, ``.item``, ``.user``, ``.kg``, ``.link``): the one module that
reads and writes them line by line.

**Reading and copying** (:class:`AtomicTable`, :func:`read_atomic_table`, :func:`copy_file`):
derived datasets (linked items only, shuffled KG, cold-start split) select or permute rows of
source files; copying the selected lines unchanged keeps floats, quoting and every column exactly
as RecBole would have read them from the source. (RecBole's own parse of a side-feature file,
for the text view, is :mod:`recbole_kgllm.recbole_integration.feature_file`.)

**Writing typed rows** (:func:`write_atomic_file`), for converters:

RecBole's format: UTF-8, LF line endings, tab-separated, a header row of ``name:type`` columns
(``token``, ``token_seq``, ``float``, ``float_seq``), sequence values separated by one space.
RecBole reads the header with a plain ``split("\\t")`` and the body with
``pandas.read_csv(sep="\\t", engine="python")``, whose default quoting treats a field that
starts with ``"`` as quoted. Hence the rules applied here:

* tabs and line-breaking characters (``\\n``, ``\\r``, ``\\x85``, ``\\u2028`` ...) inside text
  become one space each (they would break rows);
* a field containing ``"`` is written CSV-quoted (``"..."`` with inner quotes doubled), which
  pandas reads back to the exact original text;
* floats are written with ``repr`` so that large timestamps keep every digit.
"""
from __future__ import annotations

import csv
import os
import re
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Union

from recbole_kgllm.errors import DatasetNotFoundError

FieldType = Literal["token", "token_seq", "float", "float_seq"]
#: A cell value: a string (token / text), a number (float), or a sequence of tokens / floats.
Cell = Union[str, float, int, Sequence[str], Sequence[float]]

# Tabs plus every character that str.splitlines() treats as a line boundary.
_BREAKING = re.compile("[\t\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


@dataclass(frozen=True)
class AtomicField:
    """One column of an atomic file, written in the header as ``name:type``."""

    name: str
    type: FieldType

    @property
    def header(self) -> str:
        """The header cell, e.g. ``item_id:token``."""
        return f"{self.name}:{self.type}"


def clean_text(value: str) -> str:
    """Return ``value`` with each tab or line-breaking character replaced by one space.

    Args:
        value: any text, e.g. a title read from a source file.

    Returns:
        Text safe to place inside one tab-separated field.
    """
    return _BREAKING.sub(" ", value)


def _format_float(value: float | int | str) -> str:
    return repr(float(value))


def format_cell(value: Cell, ftype: FieldType, seq_separator: str = " ") -> str:
    """Format one value for a column of type ``ftype``.

    Args:
        value: the value; for ``*_seq`` types either a ready string or a sequence of items.
        ftype: the column type.
        seq_separator: separator between sequence items (RecBole's ``seq_separator``).

    Returns:
        The text of the cell (not yet CSV-quoted).
    """
    if ftype == "float":
        return _format_float(value)  # type: ignore[arg-type]
    if ftype == "float_seq":
        if isinstance(value, str):
            return clean_text(value)
        return seq_separator.join(_format_float(v) for v in value)  # type: ignore[union-attr]
    if ftype == "token_seq" and not isinstance(value, str):
        # Each token must stay one token: a separator inside it would split it in RecBole.
        return seq_separator.join(
            clean_text(str(v)).replace(seq_separator, "_") for v in value  # type: ignore[union-attr]
        )
    return clean_text(str(value))


def write_atomic_file(
    path: Path,
    fields: Sequence[AtomicField],
    rows: Iterable[Sequence[Cell]],
    *,
    seq_separator: str = " ",
) -> int:
    """Write one atomic file (UTF-8, LF, tab-separated, ``name:type`` header).

    Args:
        path: destination file, e.g. ``out/ml-1m/ml-1m.inter``; its folder must exist.
        fields: the columns, in order.
        rows: one sequence of cells per row, aligned with ``fields``.
        seq_separator: separator inside ``*_seq`` cells.

    Returns:
        The number of data rows written (header excluded).

    Raises:
        ValueError: a row does not have one cell per field.
    """
    n_rows = 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write("\t".join(f.header for f in fields) + "\n")
        writer = csv.writer(
            handle, delimiter="\t", quotechar='"', quoting=csv.QUOTE_MINIMAL, lineterminator="\n"
        )
        for row in rows:
            if len(row) != len(fields):
                raise ValueError(
                    f"{path.name}: row {n_rows + 1} has {len(row)} cells for {len(fields)} fields"
                )
            writer.writerow(
                [format_cell(cell, f.type, seq_separator) for cell, f in zip(row, fields)]
            )
            n_rows += 1
    return n_rows


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


def read_atomic_table(path: Path, sep: str = "\t", encoding: str = "utf-8") -> AtomicTable:
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


__all__ = [
    "AtomicField",
    "AtomicTable",
    "Cell",
    "FieldType",
    "clean_text",
    "copy_file",
    "format_cell",
    "read_atomic_table",
    "write_atomic_file",
]
