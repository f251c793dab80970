"""Checking one atomic file row by row and collecting the facts the cross-file checks need.

Errors (:class:`~recbole_kgllm.errors.DataFileError`) are problems RecBole would turn into a
traceback or a silent misreading; oddities RecBole reads correctly are counted for one warning.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from recbole_kgllm.errors import DataFileError
from recbole_kgllm.recbole_integration.validation.reader import (
    Header,
    iter_rows,
    longest_line,
    raise_field_limit,
    read_header,
)
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
    lines: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _check_required(target: Target, header: Header) -> None:
    missing = [f for f in target.required if f not in header.names]
    if not missing:
        return
    found = ", ".join(header.names)
    if target.kind in ("kg", "link"):
        fix = (f"name the columns {', '.join(f'{f}:token' for f in target.required)} (or set the matching "
               f"*_FIELD settings), as {target.why} needs them")
    elif target.loaded is not None and any(f in target.loaded for f in missing):
        fix = f"add the column, or remove it from load_col (load_col asks for {', '.join(target.loaded)})"
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


def _value_plan(target: Target, header: Header) -> list[tuple[int, str, str]]:
    """``(column, name, check)`` for the columns whose values RecBole parses: ids must not be
    empty, ``float`` / ``float_seq`` values must be numbers."""
    plan = []
    for index, (name, ftype) in enumerate(zip(header.names, header.types)):
        if name in target.ids:
            plan.append((index, name, "id"))
        elif ftype in ("float", "float_seq") and (target.loaded is None or name in target.loaded):
            plan.append((index, name, ftype))
    return plan


def _value_problem(plan: list[tuple[int, str, str]], cells: list[str]) -> tuple[str, str] | None:
    for index, name, check in plan:
        value = cells[index]
        if check == "id":
            if not value.strip():
                return f"empty {name}", f"fill in the {name} or delete the row"
            continue
        for part in (value.split() if check == "float_seq" else [value] if value.strip() else []):
            try:
                float(part)
            except ValueError:
                return (f"{name} holds '{part[:40]}', not a number ({name}:{check})",
                        f"write a number, or declare the column {name}:token" if check == "float" else "write numbers separated by spaces")
    return None


def check_file(target: Target, *, encoding: str, sep: str) -> FileFacts:
    """Check ``target`` row by row; returns its facts (raises :class:`DataFileError` at the first error)."""
    header = read_header(target.path, encoding, sep)
    _check_required(target, header)
    facts = FileFacts(target, header, values={name: [] for name in target.ids})
    longest = longest_line(target.path)
    if longest >= CSV_DEFAULT_LIMIT:
        raise_field_limit(longest)
        facts.notes.append(
            f"a line of {longest:,} bytes (over the {CSV_DEFAULT_LIMIT:,} pandas' reader accepts by default); "
            "the reader's limit was raised, and text encoders truncate long texts to text_max_length tokens"
        )
    padded = Counter[str]()
    positions = [(name, header.names.index(name), facts.values[name]) for name in target.ids]
    plan, expected, header_cells = _value_plan(target, header), len(header.names), header.text.split(sep)
    for number, cells in iter_rows(target.path, encoding, sep):
        if len(cells) != expected or cells == header_cells:
            raise DataFileError(target.path, *_row_problem(header, cells, sep), line=number)
        problem = _value_problem(plan, cells)
        if problem is not None:
            raise DataFileError(target.path, problem[0], problem[1], line=number)
        facts.lines.append(number)
        for name, index, values in positions:
            value = cells[index]
            values.append(value)
            if value != value.strip():
                padded[name] += 1
    facts.rows = len(facts.lines)
    if padded:
        detail = ", ".join(f"{n} {name}" for name, n in padded.items())
        facts.notes.append(f"{detail} value(s) with leading/trailing spaces (' 7' and '7' are different ids to RecBole)")
    return facts


__all__ = ["FileFacts", "check_file"]
