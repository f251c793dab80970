"""RLMRec-Con: InfoNCE between collaborative embeddings and projected semantic embeddings."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from torch import Tensor

from recbole_kgllm.distill.base import DistillInputs, Distiller
from recbole_kgllm.distill.losses import info_nce
from recbole_kgllm.errors import ConfigError


class ContrastiveDistiller(Distiller):
    """Contrastive alignment of the collaborative and semantic spaces (RLMRec-Con).

    Ren et al., "Representation Learning with Large Language Models for Recommendation",
    WWW 2024: the collaborative embedding ``e_i`` of a row must pick the projected semantic
    embedding ``s_i`` of the same row among the batch's semantic embeddings (InfoNCE on cosine
    similarity with in-batch negatives and a temperature). The model's per-modality projection
    plays RLMRec's semantic-to-collaborative MLP. The loss is averaged over the semantic
    views used. For users, call the distiller a second time with the user-side inputs.

    Masks: for view ``m``, rows without it take no part (neither as anchors nor negatives);
    rows sharing ``inputs.ids`` are not each other's negatives.

    Args:
        dim: Model dimension ``d``.
        weight: Loss multiplier.
        temperature: InfoNCE temperature (> 0).
        modalities: Semantic views to align with ``collab``; all supplied views when None.
        symmetric: Also the semantic -> collaborative direction (averaged with the other).
    """

    name = "contrastive"

    def __init__(
        self,
        *,
        dim: int,
        temperature: float = 0.2,
        modalities: Sequence[str] | None = None,
        symmetric: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(dim=dim, **kwargs)
        if not temperature > 0:
            raise ConfigError(f"distiller 'contrastive' needs temperature > 0, got {temperature}")
        self.temperature = float(temperature)
        self.modalities = tuple(modalities) if modalities is not None else None
        self.symmetric = bool(symmetric)

    def compute_loss(self, inputs: DistillInputs) -> Tensor:
        """Mean InfoNCE over the semantic views (scalar)."""
        keys = self.modalities if self.modalities is not None else tuple(sorted(inputs.semantic))
        absent = [k for k in keys if k not in inputs.semantic]
        if not keys or absent:
            raise ConfigError(
                f"distiller 'contrastive' needs semantic views {list(keys) or '(any)'}; got {sorted(inputs.semantic)}"
            )
        total = inputs.zero()
        for key in keys:
            valid = inputs.mask(key)
            semantic = inputs.semantic[key]
            loss = info_nce(inputs.collab, semantic, temperature=self.temperature, valid=valid, ids=inputs.ids)
            if self.symmetric:
                back = info_nce(semantic, inputs.collab, temperature=self.temperature, valid=valid, ids=inputs.ids)
                loss = (loss + back) / 2
            total = total + loss
        return total / len(keys)
