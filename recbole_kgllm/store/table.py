"""A table of vectors keyed by external tokens, and its alignment to RecBole's internal order."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import torch

from recbole_kgllm.errors import FeatureStoreError

if TYPE_CHECKING:
    from recbole_kgllm.store.manifest import Manifest

#: RecBole's padding token (internal id 0); it never has a feature.
PAD_TOKEN = "[PAD]"


@dataclass(frozen=True, eq=False)
class AlignedFeatures:
    """Features in a caller's order, with an explicit mask of rows that have none.

    Attributes:
        values: FloatTensor [n, d]; rows without a feature are zero (and flagged in ``mask``).
        mask: BoolTensor [n]; True where a feature exists.
    """

    values: torch.Tensor
    mask: torch.Tensor

    @property
    def coverage(self) -> float:
        """Share of rows that have a feature (a ``[PAD]`` row counts as a row without one)."""
        return float(self.mask.float().mean()) if self.mask.numel() else 0.0

    def to(self, device: torch.device | str) -> AlignedFeatures:
        """The same features on ``device``."""
        return AlignedFeatures(values=self.values.to(device), mask=self.mask.to(device))


@dataclass(frozen=True, eq=False)
class FeatureTable:
    """Vectors keyed by external tokens (never by RecBole's internal ids).

    Attributes:
        name: what the rows are (``"item"``, ``"entity"``, ``"relation"``, ``"user"``).
        tokens: the external token of each row, unique, never ``[PAD]``.
        values: FloatTensor [len(tokens), d] on the CPU.
        manifest: the store manifest the table came from (None for a table built in memory).
    """

    name: str
    tokens: tuple[str, ...]
    values: torch.Tensor
    manifest: Manifest | None = None
    _index: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __init__(
        self,
        *,
        name: str,
        tokens: Sequence[str],
        values: torch.Tensor,
        manifest: Manifest | None = None,
    ) -> None:
        tokens = tuple(str(t) for t in tokens)
        if values.dim() != 2 or values.shape[0] != len(tokens):
            raise FeatureStoreError(
                f"table '{name}' has {len(tokens)} tokens but values of shape {tuple(values.shape)}"
            )
        if not values.is_floating_point():
            raise FeatureStoreError(f"table '{name}' values must be floating point, got {values.dtype}")
        index = {token: row for row, token in enumerate(tokens)}
        if len(index) != len(tokens):
            raise FeatureStoreError(f"table '{name}' has duplicate tokens")
        if PAD_TOKEN in index:
            raise FeatureStoreError(f"table '{name}' contains the padding token {PAD_TOKEN}")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "tokens", tokens)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "manifest", manifest)
        object.__setattr__(self, "_index", index)

    @property
    def dim(self) -> int:
        """Feature dimension ``d``."""
        return int(self.values.shape[1])

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token: object) -> bool:
        return token in self._index

    def rows(self, tokens: Sequence[str]) -> np.ndarray:
        """Row of each token in this table, -1 where absent (``[PAD]`` is always absent).

        Returns:
            int64 array [len(tokens)].
        """
        return np.fromiter((self._index.get(str(t), -1) for t in tokens), dtype=np.int64, count=len(tokens))

    def align(self, tokens: Sequence[str]) -> AlignedFeatures:
        """The features in the order of ``tokens`` (e.g. ``dataset.field2id_token[iid_field]``).

        Args:
            tokens: external tokens, length n; unknown tokens and ``[PAD]`` get a masked zero row.

        Returns:
            :class:`AlignedFeatures` with ``values`` [n, d] (float32) and ``mask`` [n].
        """
        rows = torch.from_numpy(self.rows(tokens))
        mask = rows >= 0
        values = torch.zeros(len(rows), self.dim, dtype=torch.float32)
        values[mask] = self.values[rows[mask]].to(torch.float32)
        return AlignedFeatures(values=values, mask=mask)


__all__ = ["PAD_TOKEN", "AlignedFeatures", "FeatureTable"]
