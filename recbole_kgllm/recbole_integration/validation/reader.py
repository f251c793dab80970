"""Reading an atomic file the way RecBole will, but byte by byte and line by line, so that each
problem is found with its line number before RecBole (or pandas) trips over it.

RecBole reads the header with ``open(path, encoding=config["encoding"]).readline()[:-1]``
split on ``field_separator`` (universal newlines: CRLF is fine), and the body with
``pandas.read_csv(sep=field_separator, engine="python", dtype=..., usecols=...)``, whose default
quoting reads a field that starts with ``"`` as quoted (through Python's ``csv`` module, with its
``field_size_limit``). :func:`iter_rows` parses the body with the same ``csv`` rules.
"""
from __future__ import annotations

import codecs
import csv
import sys
from collections.abc import Iterator
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


def decoded_lines(path: Path, encoding: str) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` of each line, decoded one line at a time (line ends removed; a
    UTF-8 byte-order mark at the start is removed).

    Raises:
        DataFileError: a line does not decode with ``encoding`` (its number and column named).
    """
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, 1):
            if number == 1 and raw.startswith(UTF8_BOM):
                raw = raw[len(UTF8_BOM):]
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError as error:
                byte = raw[error.start:error.start + 1].hex()
                column = len(raw[:error.start].decode(encoding, errors="replace")) + 1
                raise DataFileError(
                    path, f"byte 0x{byte} at column {column} is not valid {encoding}", line=number,
                    fix=f"convert the file to {encoding} (e.g. iconv -f latin1 -t utf-8), or set --encoding to the "
                    f"encoding of every file of the dataset (e.g. --encoding=latin-1)",
                ) from None
            except LookupError:
                raise DataFileError(path, f"unknown encoding '{encoding}'", "set --encoding to a Python codec name, e.g. utf-8") from None
            text = text.rstrip("\r\n")
            if "\x00" in text:
                raise DataFileError(path, f"NUL byte at column {text.index(chr(0)) + 1}", "remove the NUL bytes (binary data in a text file?)", line=number)
            yield number, text


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


def read_header(path: Path, encoding: str, sep: str) -> Header:
    """Sniff ``path`` and parse its header (line 1)."""
    head = sniff(path)
    for _number, text in decoded_lines(path, encoding):
        return parse_header(path, text, sep, head.startswith(UTF8_BOM))
    raise DataFileError(path, "the file is empty", "write a typed header line and the data rows")  # pragma: no cover


def iter_rows(path: Path, encoding: str, sep: str) -> Iterator[tuple[int, list[str]]]:
    """``(line number, fields)`` of every non-blank data line (after the header), split with
    pandas' ``csv`` quoting rules.

    Raises:
        DataFileError: undecodable bytes, a quoted field running over several lines, or a field
            the ``csv`` module cannot read.
    """
    lines = decoded_lines(path, encoding)
    next(lines, None)  # the header
    if len(sep) != 1:  # pandas treats a longer separator as a regex: plain split is the honest check
        for number, text in lines:
            if text.strip():
                yield number, text.split(sep)
        return
    reader = csv.reader((text for _number, text in lines), delimiter=sep, quotechar='"')
    first = 2
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise DataFileError(path, f"unreadable row ({error})", line=first, fix="check the quoting of that line") from None
        last = reader.line_num + 1  # reader.line_num counts the lines it consumed, the header excluded
        if last != first:
            raise DataFileError(
                path, f"a quoted field runs from line {first} to line {last} (an unclosed '\"'?)", line=first,
                fix="close the quote or remove the '\"' (a field starting with '\"' is read as quoted)",
            )
        if any(cell.strip() for cell in fields):
            yield first, fields
        first = last + 1


def longest_line(path: Path) -> int:
    """The length in bytes of the longest line of ``path``."""
    with open(path, "rb") as handle:
        return max((len(line) for line in handle), default=0)


def raise_field_limit(longest: int) -> bool:
    """Let Python's ``csv`` (used by pandas' python engine, which RecBole uses) read fields of
    ``longest`` characters (its default limit is 131,072); True if the limit was raised."""
    if longest < csv.field_size_limit():
        return False
    csv.field_size_limit(min(sys.maxsize, max(2 * longest, 1 << 20)))
    return True


__all__ = ["FIELD_TYPES", "Header", "decoded_lines", "iter_rows", "longest_line", "parse_header", "raise_field_limit", "read_header", "sniff"]
