"""Typed errors. Each carries one clear line for the user; the CLI prints it and exits non-zero."""
from __future__ import annotations

import difflib
from collections.abc import Iterable


class KGLLMError(Exception):
    """Base class of every error this package raises on purpose (user-facing)."""


def _broken_hint(broken: Iterable[str]) -> str:
    lines = list(broken)
    return f" Plugins that failed to load (one may provide it): {'; '.join(lines)}." if lines else ""


class UnknownComponentError(KGLLMError, KeyError):
    """A config names a component (fusion, distiller, text encoder, model) that is not registered."""

    def __init__(self, family: str, name: str, valid: Iterable[str], broken: Iterable[str] = ()) -> None:
        self.family, self.name, self.valid = family, name, sorted(valid)
        close = difflib.get_close_matches(name, self.valid, n=3, cutoff=0.5)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        super().__init__(
            f"unknown {family} '{name}'. Valid names: {', '.join(self.valid) or '(none)'}.{hint}{_broken_hint(broken)}"
        )

    def __str__(self) -> str:  # KeyError would quote the message otherwise
        return str(self.args[0])


class UnknownModelError(KGLLMError, ValueError):
    """The model name is neither a RecBole model nor a registered plugin model."""

    def __init__(self, name: str, close: list[str], broken: Iterable[str] = ()) -> None:
        self.name, self.close = name, close
        hint = f" Close matches: {', '.join(close)}." if close else ""
        super().__init__(
            f"unknown model '{name}'.{hint} Run 'recbole-kgllm plugins' to list plugin models.{_broken_hint(broken)}"
        )


class DatasetNotFoundError(KGLLMError, FileNotFoundError):
    """The dataset's atomic files are not where RecBole looks for them."""


class PluginConflictError(KGLLMError):
    """Two plugins registered a component under the same name in the same family."""


class ConfigError(KGLLMError, ValueError):
    """A configuration value is invalid (wrong type, out of range, inconsistent)."""


class FeatureStoreError(KGLLMError):
    """A feature-store entry is missing, damaged or inconsistent with its manifest."""


class UntrustedCheckpointError(KGLLMError):
    """Loading a checkpoint or saved dataset would need something outside the allow-list of
    what RecBole checkpoints hold, so it could run code from the file: refused unless trusted."""


class DataFileError(KGLLMError, ValueError):
    """An atomic data file RecBole is about to read is malformed.

    The message is one line: the file, the line number (when there is one), the problem and
    the fix, e.g. ``data/x/x.inter line 1: header 'user_id' has no type: write 'user_id:token'``.

    Attributes:
        path: the file.
        line: 1-based line number, or None for a whole-file problem.
        problem: what is wrong.
        fix: what to do about it.
    """

    def __init__(self, path: object, problem: str, fix: str, line: int | None = None) -> None:
        self.path, self.line, self.problem, self.fix = str(path), line, problem, fix
        where = f"{self.path} line {line}" if line is not None else self.path
        super().__init__(f"{where}: {problem}; fix: {fix}")


class BrokenPluginError(KGLLMError):
    """A plugin could not be loaded or its hook failed (the message names it and its distribution)."""


# --- serving (recommend / export / serve) ---


class UnknownUserError(KGLLMError, KeyError):
    """A user token that the dataset does not know (recommend, serve)."""

    def __init__(self, user: str) -> None:
        self.user = user
        super().__init__(f"unknown user '{user}': not a user token of this model's dataset")

    def __str__(self) -> str:  # KeyError would quote the message otherwise
        return str(self.args[0])


class ExportError(KGLLMError):
    """An export folder is missing, damaged, or the model cannot be exported."""
