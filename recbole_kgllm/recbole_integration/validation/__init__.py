"""Validating a dataset's atomic files before RecBole reads them (``docs/reliability.md``).

One entry point, :func:`validate_dataset`: called after the RecBole ``Config`` is built and
before RecBole's logger dumps it, by ``run_recbole`` (every process), ``recbole-kgllm
features``, the benchmark's data preparation and :func:`recbole_kgllm.load_data_and_model`.
A problem RecBole would turn into a traceback or silently misread raises
:class:`~recbole_kgllm.errors.DataFileError`, whose message is one line: file, line number,
problem and fix. Oddities RecBole reads correctly are counted, one warning line per file and kind.

Handled rather than refused: a UTF-8 byte-order mark (the config's ``encoding`` becomes
``utf-8-sig``, which reads files with and without one), CRLF line ends, blank lines, fields
longer than pandas' default ``csv`` limit (the limit is raised; text encoders truncate to
``text_max_length`` tokens).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from recbole_kgllm.errors import DataFileError
from recbole_kgllm.recbole_integration.validation.checks import FileFacts, check_file
from recbole_kgllm.recbole_integration.validation.relations import check_relations
from recbole_kgllm.recbole_integration.validation.targets import Target, feature_views, targets_for

__all__ = ["CONFIG_KEY", "DataFileError", "ValidationReport", "validate_dataset"]

logger = logging.getLogger(__name__)

#: Config key that switches validation off (``validate_data: False``), an escape hatch.
CONFIG_KEY = "validate_data"
_UTF8 = {"utf-8", "utf8", "utf_8"}


@dataclass(frozen=True)
class ValidationReport:
    """What :func:`validate_dataset` checked.

    Attributes:
        files: the files read, in order.
        rows: data rows per file.
        warnings: one line per recoverable oddity, each naming its file and counting cases.
        seconds: time spent.
        skipped: validation was switched off (``validate_data: False``).
    """

    files: tuple[Path, ...] = ()
    rows: dict[str, int] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    seconds: float = 0.0
    skipped: bool = False

    def log(self, log: logging.Logger | None = None) -> None:
        """Emit each warning as one ``WARNING`` log line."""
        for line in self.warnings:
            (log or logger).warning(line)


def _get(config: Any, key: str) -> Any:
    try:
        return config[key]
    except (KeyError, TypeError):
        return None


def _missing(target: Target) -> DataFileError:
    fixes = {
        "inter": "put the interactions there (check --data_path and --dataset, and benchmark_filename)",
        "item": "add the .item file, or set --use_text=False",
        "user": "add the .user file, or unset user_text_template / set --use_user_text=False",
        "kg": "add the .kg and .link files" + ("" if "knowledge model" in target.why else ", or set --use_kg=False"),
        "link": "add the .link file" + ("" if "knowledge model" in target.why else ", or set --use_kg=False"),
    }
    return DataFileError(target.path, f"the file is missing and {target.why} reads it", fixes[target.kind])


def _handle_bom(config: Any, facts: FileFacts, encoding: str) -> str:
    if not facts.header.has_bom or encoding.lower() not in _UTF8:
        return encoding
    config["encoding"] = "utf-8-sig"  # reads files with and without a BOM alike
    facts.notes.append("starts with a UTF-8 byte-order mark; reading the dataset with encoding utf-8-sig")
    return "utf-8-sig"


def validate_dataset(
    config: Any, *, every_file: bool = False, views: set[str] | None = None, training: bool = True
) -> ValidationReport:
    """Validate every atomic file RecBole (and our feature views) will read for ``config``.

    Args:
        config: a RecBole ``Config`` (``data_path``, ``dataset``, field names, ``load_col``,
            ``benchmark_filename``, ``eval_args``...). Its ``encoding`` may be switched to
            ``utf-8-sig`` when a file starts with a UTF-8 byte-order mark.
        every_file: check every atomic file present, not only those this model reads (the
            benchmark copies them all for several models).
        views: the feature views (``kg``, ``text``, ``user_text``) whose files to check
            (default: those the config's model uses; ``recbole-kgllm features kg`` passes ``{"kg"}``).
        training: the data will be split and trained on (check that the split and RecBole's
            negative sampling can work); False for feature computation alone.

    Returns:
        The report; call :meth:`ValidationReport.log` to print its warnings.

    Raises:
        DataFileError: the first problem found (one line: file, line, problem, fix).
    """
    start = time.perf_counter()
    if _get(config, CONFIG_KEY) is False:
        return ValidationReport(skipped=True)
    encoding = str(_get(config, "encoding") or "utf-8")
    sep = str(_get(config, "field_separator") or "\t")
    facts: dict[str, list[FileFacts]] = {}
    read: list[Path] = []
    views = feature_views(config) if views is None else views
    for target in targets_for(config, every_file=every_file, views=views):
        if not target.path.is_file():
            if target.must_exist:
                raise _missing(target)
            continue
        checked = check_file(target, encoding=encoding, sep=sep)
        encoding = _handle_bom(config, checked, encoding)
        facts.setdefault(target.kind, []).append(checked)
        read.append(target.path)
    check_relations(facts, config, views, training=training)
    warnings = tuple(f"{f.target.path}: {note}" for group in facts.values() for f in group for note in f.notes)
    rows = {str(f.target.path): f.rows for group in facts.values() for f in group}
    return ValidationReport(tuple(read), rows, warnings, time.perf_counter() - start)
