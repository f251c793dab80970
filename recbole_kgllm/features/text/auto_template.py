"""A text template built from an atomic file's own fields (``text_template: auto``, the default).

A new dataset needs no hand-written template: the fields of ``.item`` (or ``.user``) are read
from its header (``name:type``) and those that carry text are used, by name and type:

* kept: ``token_seq`` and ``token`` fields (words, categories, a year) and ``float`` fields;
* left out: the id field, ``float_seq`` (vectors), and names that are identifiers or addresses
  (``*_id``, ``id``, ``url``, ``link``, ``image``, ``img``, ``path``, ``timestamp``, ``time``);
* the first field whose name contains ``title`` or ``name`` leads (else the first kept
  ``token_seq`` field); every other kept field follows as ``label: value`` with the field name as
  the label (``release_year`` -> ``release year``), token sequences joined with ``", "``.

A row renders as ``"Toy Story. release year: 1995. class: Animation, Children's, Comedy"``;
missing values are skipped (not rendered empty), a row with nothing left is ``None`` (masked).
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from recbole_kgllm.features.text.template import TextTemplate, _is_missing

#: The value of ``text_template`` / ``user_text_template`` that builds the template from the file.
AUTO = "auto"
#: Field names that are identifiers or addresses, never text.
_NOT_TEXT = re.compile(r"(^|_)(id|url|uri|link|image|img|path|timestamp|time|date)$", re.IGNORECASE)
_TEXT_TYPES = ("token_seq", "token", "float")
_LEADING = re.compile(r"title|name", re.IGNORECASE)
_WORD = re.compile(r"\w")


def header_fields(path: Path, sep: str = "\t", encoding: str = "utf-8") -> list[tuple[str, str]]:
    """``[(name, type)]`` of an atomic file's header (empty when the file does not exist)."""
    if not path.is_file():
        return []
    with open(path, encoding=encoding) as handle:
        header = handle.readline().rstrip("\r\n")
    fields = []
    for cell in header.split(sep):
        name, _, kind = cell.partition(":")
        fields.append((name.strip(), kind.strip()))
    return fields


def text_fields(fields: Sequence[tuple[str, str]], id_field: str) -> tuple[str | None, list[tuple[str, str]]]:
    """The leading field's name (``None`` when no field looks like a title) and the fields that
    carry text, leading field first (see the module docstring)."""
    kept = [(n, t) for n, t in fields if n != id_field and t in _TEXT_TYPES and not _NOT_TEXT.search(n)]
    lead = next((f for f in kept if _LEADING.search(f[0]) and f[1] != "float"), None)
    lead = lead or next((f for f in kept if f[1] == "token_seq"), None)
    return (lead[0] if lead else None), ([lead] if lead else []) + [f for f in kept if f != lead]


class AutoTemplate:
    """The template of a file's text fields (duck-typed like :class:`TextTemplate`).

    Args:
        fields: ``[(name, type)]`` from :func:`text_fields` (leading field first).
        lead: the leading field (rendered without a label), or ``None``.
    """

    def __init__(self, *, fields: Sequence[tuple[str, str]], lead: str | None) -> None:
        self.kinds = dict(fields)
        self.fields: tuple[str, ...] = tuple(name for name, _ in fields)
        parts = [f"{{{name}}}" if name == lead else f"{name.replace('_', ' ')}: {{{name}}}" for name in self.fields]
        #: A readable description, also part of the feature-store key.
        self.template = f"{AUTO}: " + ". ".join(parts)
        self._lead = lead or ""

    def _value(self, name: str, value: Any) -> str | None:
        if _is_missing(value):
            return None
        if isinstance(value, float):
            text = f"{value:g}"
        elif hasattr(value, "__iter__") and not isinstance(value, str):
            words = [str(v).strip() for v in value if str(v).strip()]
            text = (" " if name == self._lead else ", ").join(words)
        else:
            text = str(value)
        text = " ".join(text.split())
        return text if _WORD.search(text) else None

    def render(self, row: Mapping[str, Any]) -> str | None:
        """The text of one row, or ``None`` when every field is missing."""
        parts = []
        for name in self.fields:
            value = self._value(name, row.get(name))
            if value is None:
                continue
            parts.append(value if name == self._lead else f"{name.replace('_', ' ')}: {value}")
        return ". ".join(parts) if parts else None


def resolve_template(raw: str, path: Path, id_field: str, sep: str = "\t", encoding: str = "utf-8") -> TextTemplate | AutoTemplate | None:
    """``raw`` parsed, or for ``"auto"`` the template of ``path``'s text fields (``None`` when the
    file has none)."""
    if raw.strip().lower() != AUTO:
        return TextTemplate(template=raw)
    lead, fields = text_fields(header_fields(path, sep, encoding), id_field)
    return AutoTemplate(fields=fields, lead=lead) if fields else None


__all__ = ["AUTO", "AutoTemplate", "header_fields", "resolve_template", "text_fields"]
