"""Writing RecBole atomic files (``.inter``, ``.item``, ``.user``, ``.kg``, ``.link``).

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
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Union

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
