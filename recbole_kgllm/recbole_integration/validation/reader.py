"""Reading an atomic file the way RecBole will, but byte by byte and line by line, so that each
problem is found with its line number before RecBole (or pandas) trips over it.

RecBole reads the header with ``open(path, encoding=config["encoding"]).readline()[:-1]``
split on ``field_separator`` (universal newlines: CRLF is fine), and the body with
``pandas.read_csv(sep=field_separator, engine="python", dtype=..., usecols=...)``, whose default
quoting reads a field that starts with ``"`` as quoted (through Python's ``csv`` module, with its
``field_size_limit``). :func:`read_table` splits the body by the same rules (plain splitting when
the file has no ``"``, which is what those rules amount to then).
"""
from __future__ import annotations

import codecs
import csv
import operator
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from recbole_kgllm.errors import DataFileError

#: Leading bytes of compressed or binary formats someone may name ``.inter``.
MAGIC = {
    b"\x1f\x8b": ("gzip", "gunzip -c {p} > {p}.tmp && mv {p}.tmp {p}"),
    b"BZh": ("bzip2", "bunzip2 -c {p} > {p}.tmp && mv {p}.tmp {p}"),
    b"\xfd7zXZ\x00": ("xz", "unxz -c {p} > {p}.tmp && mv {p}.tmp {p}"),
    b"(\xb5/\xfd": ("zstd", "zstd -dc {p} > {p}.tmp && mv {p}.tmp {p}"),
    b"PK\x03\x04": ("zip", "unzip it and keep the plain-text atomic file under this name"),
}
UTF8_BOM = codecs.BOM_UTF8
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
#: RecBole's feature types (``recbole.utils.FeatureType`` values).
FIELD_TYPES = ("token", "token_seq", "float", "float_seq")


@dataclass(frozen=True)
class Header:
    """A parsed header line.

    Attributes:
        names: field names in order, e.g. ``["user_id", "item_id"]``.
        types: their types, e.g. ``["token", "token"]``.
        text: the header line as decoded (without its line end).
        has_bom: the file starts with a UTF-8 byte-order mark.
    """

    names: list[str]
    types: list[str]
    text: str
    has_bom: bool = False

    def type_of(self, name: str) -> str | None:
        """The type of field ``name`` (None when absent)."""
        return self.types[self.names.index(name)] if name in self.names else None


def sniff(path: Path) -> bytes:
    """The first bytes of ``path``; raises :class:`DataFileError` for empty, compressed or UTF-16 files."""
    with open(path, "rb") as handle:
        head = handle.read(64)
    if not head:
        raise DataFileError(path, "the file is empty (0 bytes)", "write a typed header line and the data rows, or remove the file")
    for magic, (kind, fix) in MAGIC.items():
        if head.startswith(magic):
            raise DataFileError(path, f"the file is {kind}-compressed, RecBole reads plain text only", fix.format(p=path))
    if head.startswith(UTF16_BOMS):
        raise DataFileError(path, "the file is UTF-16 encoded", f"convert it to UTF-8 (iconv -f UTF-16 -t UTF-8 {path})")
    if b"\x00" in head:
        raise DataFileError(path, "the file holds NUL bytes (binary data?)", "give RecBole a tab-separated text file")
    return head


def decode(path: Path, data: bytes, encoding: str) -> str:
    """``data`` decoded with ``encoding`` (a leading UTF-8 byte-order mark removed).

    Raises:
        DataFileError: undecodable bytes or a NUL character (their line and column named), or
            an unknown encoding.
    """
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM):]
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        line_start = data.rfind(b"\n", 0, error.start) + 1
        column = len(data[line_start:error.start].decode(encoding, errors="replace")) + 1
        raise DataFileError(
            path, f"byte 0x{data[error.start:error.start + 1].hex()} at column {column} is not valid {encoding}",
            line=data.count(b"\n", 0, error.start) + 1,
            fix=f"convert the file to {encoding} (e.g. iconv -f latin1 -t utf-8), or set --encoding to the "
            f"encoding of every file of the dataset (e.g. --encoding=latin-1)",
        ) from None
    except LookupError:
        raise DataFileError(path, f"unknown encoding '{encoding}'", "set --encoding to a Python codec name, e.g. utf-8") from None
    nul = text.find("\x00")
    if nul >= 0:
        column = nul - text.rfind("\n", 0, nul)
        raise DataFileError(path, f"NUL byte at column {column}", "remove the NUL bytes (binary data in a text file?)", line=text.count("\n", 0, nul) + 1)
    return text


def parse_header(path: Path, text: str, sep: str, has_bom: bool) -> Header:
    """Parse and check the header line (line 1) as RecBole will.

    Raises:
        DataFileError: an empty header, an untyped or unknown-typed field, or a repeated name.
    """
    if not text.strip():
        raise DataFileError(path, "line 1 is empty: no header", "put the typed header on line 1, e.g. user_id:token<TAB>item_id:token", line=1)
    names, types = [], []
    for cell in text.split(sep):
        name, colon, ftype = cell.partition(":")
        if not colon:
            hint = " (is the separator right? --field_separator)" if sep not in text and len(text.split()) > 1 else ""
            raise DataFileError(
                path, f"header field '{cell}' has no type{hint}", line=1,
                fix=f"write it as '{cell or 'name'}:token' (types: {', '.join(FIELD_TYPES)})",
            )
        if ftype not in FIELD_TYPES or not name or ":" in ftype:
            raise DataFileError(path, f"header field '{cell}' has an unknown type '{ftype}'", line=1, fix=f"use one of {', '.join(FIELD_TYPES)}")
        if name in names:
            raise DataFileError(path, f"header names field '{name}' twice", line=1, fix="rename or drop one of the two columns")
        names.append(name)
        types.append(ftype)
    return Header(names, types, text, has_bom)


@dataclass(frozen=True)
class Table:
    """A whole atomic file, parsed.

    Attributes:
        header: the parsed header.
        numbers: the line number of each non-blank data row.
        columns: for each header field, its value in each row (empty when ``bad`` is set).
        bad: the first row RecBole would misread, ``(line number, fields)``: a field count that
            differs from the header's, or the header line repeated; None when there is none.
        longest: the length of the longest line, in characters.
    """

    header: Header
    numbers: Sequence[int]
    columns: list[list[str]]
    bad: tuple[int, list[str]] | None
    longest: int


def _quoted_rows(path: Path, lines: list[str], sep: str) -> tuple[list[int], list[list[str]]]:
    """Rows split with pandas' ``csv`` quoting rules (a field starting with ``"`` is quoted)."""
    numbers, rows = [], []
    reader = csv.reader(lines, delimiter=sep, quotechar='"')
    first = 2
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return numbers, rows
        except csv.Error as error:
            raise DataFileError(path, f"unreadable row ({error})", line=first, fix="check the quoting of that line") from None
        last = reader.line_num + 1  # reader.line_num counts the lines it consumed, the header excluded
        if last != first:
            raise DataFileError(
                path, f"a quoted field runs from line {first} to line {last} (an unclosed '\"'?)", line=first,
                fix="close the quote or remove the '\"' (a field starting with '\"' is read as quoted)",
            )
        if len(fields) > 1 or (fields and fields[0].strip()):  # pandas drops lines of one blank field only
            numbers.append(first)
            rows.append(fields)
        first = last + 1


def _table_from_rows(header: Header, numbers: Sequence[int], rows: list[list[str]], sep: str, longest: int) -> Table:
    expected, header_cells = len(header.names), header.text.split(sep)
    bad = next((k for k, cells in enumerate(rows) if len(cells) != expected or cells == header_cells), None)
    if bad is not None:
        return Table(header, numbers, [], (numbers[bad], rows[bad]), longest)
    columns = [list(column) for column in zip(*rows)] if rows else [[] for _ in header.names]
    return Table(header, numbers, columns, None, longest)


def _fast_table(header: Header, body: list[str], sep: str, longest: int) -> Table | None:
    """Split without a Python loop per row: every row has the header's field count and no row is
    blank or the header again (the common case); None otherwise."""
    n = len(header.names)
    if not body or "" in body or header.text in body:
        return None
    counts = list(map(operator.methodcaller("count", sep), body))
    if counts.count(n - 1) != len(body):
        return None
    flat = sep.join(body).split(sep)
    return Table(header, range(2, len(body) + 2), [flat[i::n] for i in range(n)], None, longest)


def read_table(path: Path, encoding: str, sep: str) -> Table:
    """Sniff, decode and split ``path`` the way RecBole (and pandas under it) will read it.

    Raises:
        DataFileError: an empty, compressed, binary or undecodable file, a bad header, or a
            quoting problem.
    """
    head = sniff(path)
    text = decode(path, path.read_bytes(), encoding)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if "\r" in text:
        lines = [line.rstrip("\r") for line in lines]
    header = parse_header(path, lines[0] if lines else "", sep, head.startswith(UTF8_BOM))
    longest = max(map(len, lines), default=0)
    body = lines[1:]
    if len(sep) == 1 and '"' in text:
        numbers, rows = _quoted_rows(path, body, sep)
        return _table_from_rows(header, numbers, rows, sep, longest)
    fast = _fast_table(header, body, sep, longest)
    if fast is not None:
        return fast
    # no quoting: a plain split is what pandas does (a longer separator is a regex to it)
    numbered = [(number, line) for number, line in enumerate(body, 2) if sep in line or line.strip()]
    return _table_from_rows(header, [n for n, _ in numbered], [line.split(sep) for _, line in numbered], sep, longest)


def read_header(path: Path, encoding: str, sep: str) -> Header:
    """Sniff ``path`` and parse its header (line 1) only."""
    head = sniff(path)
    with open(path, "rb") as handle:
        first = handle.readline()
    text = decode(path, first, encoding).rstrip("\r\n")
    return parse_header(path, text, sep, head.startswith(UTF8_BOM))


def raise_field_limit(longest: int) -> bool:
    """Let Python's ``csv`` (used by pandas' python engine, which RecBole uses) read fields of
    ``longest`` characters (its default limit is 131,072); True if the limit was raised."""
    if longest < csv.field_size_limit():
        return False
    csv.field_size_limit(min(sys.maxsize, max(2 * longest, 1 << 20)))
    return True


__all__ = ["FIELD_TYPES", "Header", "Table", "decode", "parse_header", "raise_field_limit", "read_header", "read_table", "sniff"]
