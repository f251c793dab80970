"""Typed errors. Each carries one clear line for the user; the CLI prints it and exits non-zero."""
from __future__ import annotations

import difflib
from collections.abc import Iterable


class KGLLMError(Exception):
    """Base class of every error this package raises on purpose (user-facing)."""


class UnknownComponentError(KGLLMError, KeyError):
    """A config names a component (fusion, distiller, text encoder, model) that is not registered."""

    def __init__(self, family: str, name: str, valid: Iterable[str]) -> None:
        self.family, self.name, self.valid = family, name, sorted(valid)
        close = difflib.get_close_matches(name, self.valid, n=3, cutoff=0.5)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        super().__init__(
            f"unknown {family} '{name}'. Valid names: {', '.join(self.valid) or '(none)'}.{hint}"
        )

    def __str__(self) -> str:  # KeyError would quote the message otherwise
        return str(self.args[0])


class UnknownModelError(KGLLMError, ValueError):
    """The model name is neither a RecBole model nor a registered plugin model."""

    def __init__(self, name: str, close: list[str]) -> None:
        self.name, self.close = name, close
        hint = f" Close matches: {', '.join(close)}." if close else ""
        super().__init__(f"unknown model '{name}'.{hint} Run 'recbole-kgllm plugins' to list plugin models.")


class DatasetNotFoundError(KGLLMError, FileNotFoundError):
    """The dataset's atomic files are not where RecBole looks for them."""


class PluginConflictError(KGLLMError):
    """Two plugins registered a component under the same name in the same family."""


class ConfigError(KGLLMError, ValueError):
    """A configuration value is invalid (wrong type, out of range, inconsistent)."""


class FeatureStoreError(KGLLMError):
    """A feature-store entry is missing, damaged or inconsistent with its manifest."""


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
