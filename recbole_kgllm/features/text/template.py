"""Item/user text from a template over atomic-file fields.

``"{movie_title} ({release_year}). Genres: {class:, }"``: a token-sequence field is joined with
the format spec (``", "`` here) or with spaces when there is none; other values use Python's
format spec. Missing values render empty; a text with nothing left is ``None`` (masked).
"""
from __future__ import annotations

import math
import re
import string
from collections.abc import Mapping
from typing import Any

from recbole_kgllm.errors import ConfigError

_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]|\{\s*\}")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,;:!?])")
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"\w")


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str):
        return not value.strip()
    if hasattr(value, "__len__") and not isinstance(value, str):
        return len(value) == 0
    return False


class _Formatter(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        if _is_missing(value):
            return ""
        if hasattr(value, "__iter__") and not isinstance(value, str):
            return (format_spec or " ").join(str(v) for v in value)
        return format(value, format_spec)


class TextTemplate:
    """A parsed text template.

    Args:
        template: Python format string whose fields are atomic-file field names.

    Raises:
        ConfigError: the template is malformed or names no field.
    """

    def __init__(self, *, template: str) -> None:
        try:
            parsed = list(string.Formatter().parse(template))
        except ValueError as exc:
            raise ConfigError(f"text template {template!r} is malformed: {exc}") from None
        fields = [name for _, name, _, _ in parsed if name is not None]
        bad = [name for name in fields if not name or not re.fullmatch(r"[^.\[\]{}!:]+", name) or name.isdigit()]
        if bad or not fields:
            raise ConfigError(f"text template {template!r} must name fields like {{movie_title}}; got {bad or 'none'}")
        self.template = template
        self.fields: tuple[str, ...] = tuple(dict.fromkeys(fields))
        self._formatter = _Formatter()

    def render(self, row: Mapping[str, Any]) -> str | None:
        """The text for one row (field -> value), or ``None`` when every field is missing or empty."""
        if all(_is_missing(row.get(name)) for name in self.fields):
            return None
        try:
            text = self._formatter.vformat(self.template, (), {name: row.get(name) for name in self.fields})
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"text template {self.template!r} cannot format a row: {exc}") from None
        text = _EMPTY_BRACKETS.sub("", text)
        text = _SPACE_BEFORE_PUNCT.sub(r"\1", _SPACES.sub(" ", text)).strip()
        return text if _WORD.search(text) else None


__all__ = ["TextTemplate"]
