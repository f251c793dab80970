"""Checking one atomic file row by row and collecting the facts the cross-file checks need.

Errors (:class:`~recbole_kgllm.errors.DataFileError`) are problems RecBole would turn into a
traceback or a silent misreading; oddities RecBole reads correctly are counted for one warning.
Checks run column by column over the parsed file (cheap next to RecBole's own pandas loading).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from recbole_kgllm.errors import DataFileError
from recbole_kgllm.recbole_integration.validation.reader import Header, raise_field_limit, read_table
from recbole_kgllm.recbole_integration.validation.targets import Target

#: The limit of Python's csv module (which pandas' python engine, and so RecBole, uses).
CSV_DEFAULT_LIMIT = 131072


@dataclass
class FileFacts:
    """What one file holds, for the cross-file checks.

    Attributes:
        target: the file and its requirements.
        header: its parsed header.
        rows: data rows read.
        values: for each field of ``target.ids``, the value of each row (in order).
        lines: the line number of each row.
        notes: recoverable oddities, one line each (counted).
    """

    target: Target
    header: Header
    rows: int = 0
    values: dict[str, list[str]] = field(default_factory=dict)
    lines: Sequence[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _check_required(target: Target, header: Header) -> None:
    missing = [f for f in target.required if f not in header.names]
    if not missing:
        return
    found = ", ".join(header.names)
    if target.kind in ("kg", "link"):
        fix = (f"name the columns {', '.join(f'{f}:token' for f in target.required)} (or set the matching "
               f"*_FIELD settings), as {target.why} needs them")
    elif target.kind == "inter" and missing[0] not in target.ids:
        fix = "add the column (eval_args order 'TO' sorts interactions by it), or set TIME_FIELD to your time column"
    else:
        fix = f"add the column, or set USER_ID_FIELD / ITEM_ID_FIELD to the names your file uses ({found})"
    raise DataFileError(target.path, f"header has no field '{missing[0]}' (fields: {found})", fix, line=1)


def _row_problem(header: Header, cells: list[str], sep: str) -> tuple[str, str]:
    """``(problem, fix)`` for a row whose field count differs from the header's, or that repeats it."""
    n, expected = len(cells), len(header.names)
    text = sep.join(cells)
    shown = text if len(text) <= 80 else text[:77] + "..."
    if [c.strip() for c in cells] == [f"{a}:{b}" for a, b in zip(header.names, header.types)] or text == header.text:
        return "repeats the header line", "delete the repeated header line (were two files concatenated?)"
    sep_name = "tab" if sep == "\t" else repr(sep)
    if n > expected and not cells[-1].strip():
        return (f"has {n} fields, the header has {expected} (a trailing {sep_name}?): {shown!r}",
                f"remove the trailing {sep_name} at the end of each row")
    if n > expected:
        return (f"has {n} fields, the header has {expected} (a {sep_name} inside a value?): {shown!r}",
                f"remove the {sep_name} inside the value, or quote the value with \"...\"")
    return (f"has {n} fields, the header has {expected} ({', '.join(header.names[n:])} missing): {shown!r}",
            "complete the row or delete it")


def _first_bad_float(values: list[str], kind: str) -> tuple[int, str] | None:
    """``(row index, offending text)`` of the first value pandas could not read as ``kind``."""
    import numpy as np

    try:  # fast path: numpy's C parser agrees with float() on what is a number
        if kind == "float":
            np.asarray([v for v in values if v.strip()], dtype=np.float64)
        else:
            np.asarray([p for v in values for p in v.split()], dtype=np.float64)
        return None
    except ValueError:
        pass
    for index, value in enumerate(values):
        for part in value.split() if kind == "float_seq" else [value] if value.strip() else []:
            try:
                float(part)
            except ValueError:
                return index, part
    return None


def _check_columns(target: Target, header: Header, numbers: Sequence[int], columns: list[list[str]], facts: FileFacts) -> None:
    """Empty ids and non-numeric floats (one error naming the line); ids are kept for the cross-file checks."""
    for name, ftype, column in zip(header.names, header.types, columns):
        if name in target.ids:
            distinct = set(column)
            empty = next((v for v in distinct if not v.strip()), None)
            if empty is not None:
                raise DataFileError(target.path, f"empty {name}", f"fill in the {name} or delete the row", line=numbers[column.index(empty)])
            padded = sum(1 for v in distinct if v != v.strip())
            if padded:
                facts.notes.append(f"{padded:,} {name} value(s) with leading/trailing spaces (' 7' and '7' are different ids to RecBole)")
            facts.values[name] = column
        elif ftype in ("float", "float_seq") and (target.loaded is None or name in target.loaded):
            bad = _first_bad_float(column, ftype)
            if bad is not None:
                fix = f"write a number, or declare the column {name}:token" if ftype == "float" else "write numbers separated by spaces"
                raise DataFileError(target.path, f"{name} holds '{bad[1][:40]}', not a number ({name}:{ftype})", fix, line=numbers[bad[0]])


def check_file(target: Target, *, encoding: str, sep: str) -> FileFacts:
    """Check ``target``; returns its facts (raises :class:`DataFileError` at the first error)."""
    table = read_table(target.path, encoding, sep)
    header = table.header
    _check_required(target, header)
    facts = FileFacts(target, header, values={name: [] for name in target.ids}, lines=table.numbers, rows=len(table.numbers))
    skipped = [f for f in target.loaded or () if f not in header.names]
    if skipped:
        facts.notes.append(f"load_col asks for {', '.join(skipped)}, which the file lacks (RecBole loads the other columns)")
    if table.longest >= CSV_DEFAULT_LIMIT:
        raise_field_limit(table.longest)
        facts.notes.append(
            f"a line of {table.longest:,} characters (over the {CSV_DEFAULT_LIMIT:,} pandas' reader accepts by default); "
            "the reader's limit was raised, and text encoders truncate long texts to text_max_length tokens"
        )
    if table.bad is not None:
        raise DataFileError(target.path, *_row_problem(header, table.bad[1], sep), line=table.bad[0])
    _check_columns(target, header, table.numbers, table.columns, facts)
    return facts


__all__ = ["FileFacts", "check_file"]
