"""Reading raw source text files robustly: encodings, CRLF/LF, line-numbered errors."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from recbole_kgllm.errors import DatasetNotFoundError, KGLLMError


class SourceFormatError(KGLLMError, ValueError):
    """A raw source file does not have the expected layout (names the file and line)."""


def require_file(path: Path, what: str) -> Path:
    """Return ``path`` if it is a file, else raise a one-line :class:`DatasetNotFoundError`.

    Args:
        path: the expected file.
        what: a short description for the message, e.g. ``"ml-1m movies.dat"``.
    """
    if not path.is_file():
        raise DatasetNotFoundError(f"{what} not found: {path}")
    return path


def decode_text(data: bytes, encodings: Sequence[str] = ("utf-8",)) -> str:
    """Decode bytes with the first encoding that succeeds (strictly).

    Args:
        data: raw file content.
        encodings: encodings to try in order, e.g. ``("utf-8", "latin-1")``. Latin-1 never
            fails, so put it last as the fallback for legacy files such as ML-1M's
            ``movies.dat``; real Latin-1 accents (``0xE9``) are invalid UTF-8, so the order
            cannot misread a Latin-1 file.

    Returns:
        The decoded text; a leading UTF-8 byte-order mark is removed.
    """
    last_error: UnicodeDecodeError | None = None
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as error:
            last_error = error
            continue
        return text[1:] if text.startswith("\ufeff") else text
    assert last_error is not None
    raise last_error


def read_text_lines(
    path: Path, *, encodings: Sequence[str] = ("utf-8",), what: str | None = None
) -> list[str]:
    """Read a text file into lines without line terminators, whatever its line endings.

    Only ``\\n``, ``\\r\\n`` and a lone trailing ``\\r`` end lines. ``str.splitlines`` is not
    used on purpose: it also splits on ``\\x85``, ``\\x1c`` and ``\\u2028``, which are
    legitimate characters in decoded Latin-1 text. Blank lines are dropped.

    Args:
        path: the file.
        encodings: see :func:`decode_text`.
        what: description used if the file is missing.

    Returns:
        The non-blank lines, in file order.
    """
    require_file(path, what or path.name)
    try:
        text = decode_text(path.read_bytes(), encodings)
    except UnicodeDecodeError as error:
        raise SourceFormatError(f"{path}: cannot decode as {'/'.join(encodings)}: {error}") from None
    lines = text.replace("\r\n", "\n").split("\n")
    return [line[:-1] if line.endswith("\r") else line for line in lines if line.strip()]


def split_fields(line: str, sep: str | None, n_min: int, *, path: Path, lineno: int) -> list[str]:
    """Split a line into at least ``n_min`` fields, or raise a located :class:`SourceFormatError`.

    Args:
        line: one line, without terminator.
        sep: the separator; ``None`` splits on runs of whitespace.
        n_min: the minimum number of fields expected.
        path: the file (for the message).
        lineno: 1-based line number (for the message).
    """
    parts = line.split(sep) if sep is not None else line.split()
    if len(parts) < n_min:
        raise SourceFormatError(
            f"{path.name}:{lineno}: expected at least {n_min} fields, got {len(parts)}: {line[:80]!r}"
        )
    return parts
