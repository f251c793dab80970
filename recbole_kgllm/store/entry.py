"""In-memory forms of a store entry: what a producer computes and what the store loads."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import torch

from recbole_kgllm.errors import FeatureStoreError
from recbole_kgllm.store.manifest import Manifest
from recbole_kgllm.store.table import FeatureTable


@dataclass(frozen=True, eq=False)
class EntryContent:
    """What a producer hands to the store.

    Attributes:
        tensors: name -> tensor (moved to the CPU when saved). A table ``name`` pairs the tensor
            ``name`` [n, d] with the token list ``name`` (n tokens).
        tokens: name -> external tokens.
        info: facts recorded in the manifest (coverage, quality, notes); not part of the key.
    """

    tensors: Mapping[str, torch.Tensor]
    tokens: Mapping[str, Sequence[str]]
    info: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class StoredEntry:
    """A validated entry read from the store.

    Attributes:
        path: the entry's folder.
        manifest: its manifest.
        tensors: name -> CPU tensor.
        tokens: name -> external tokens.
    """

    path: Path
    manifest: Manifest
    tensors: Mapping[str, torch.Tensor]
    tokens: Mapping[str, tuple[str, ...]]

    def table(self, name: str) -> FeatureTable:
        """The table ``name``: tensor ``name`` [n, d] keyed by token list ``name``."""
        if name not in self.tensors or name not in self.tokens:
            raise FeatureStoreError(f"entry {self.path} has no table '{name}'")
        return FeatureTable(name=name, tokens=self.tokens[name], values=self.tensors[name], manifest=self.manifest)


@dataclass(frozen=True, eq=False)
class StoreResult:
    """The outcome of :meth:`FeatureStore.get_or_compute`.

    Attributes:
        entry: the entry, read back from disk.
        status: ``cached`` (found), ``computed`` (absent, made now) or ``recomputed`` (was damaged).
        problem: one line saying what was wrong with a damaged entry (None otherwise).
        seconds: wall time of the lookup, including any computation.
    """

    entry: StoredEntry
    status: Literal["cached", "computed", "recomputed"]
    problem: str | None
    seconds: float


__all__ = ["EntryContent", "StoreResult", "StoredEntry"]
