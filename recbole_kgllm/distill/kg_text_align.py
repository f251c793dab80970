"""Symmetric InfoNCE between the KG view and the text view of the same entity."""
from __future__ import annotations

from typing import Any

from torch import Tensor

from recbole_kgllm.distill.base import DistillInputs, Distiller
from recbole_kgllm.distill.losses import info_nce
from recbole_kgllm.errors import ConfigError
from recbole_kgllm.fusion.base import KG_MODALITY, TEXT_MODALITY


class KGTextAlignDistiller(Distiller):
    """Aligns the projected KG and text views of each row with a CLIP-style symmetric InfoNCE.

    The loss of CLIP (Radford et al., "Learning Transferable Visual Models From Natural
    Language Supervision", ICML 2021) between two views of the same entity, here the KG
    entity embedding and the language-model text embedding, in the spirit of joint KG/text
    representation learning (KEPLER, Wang et al., TACL 2021). The collaborative embeddings
    are not used.

    Masks: only rows that have *both* views take part (as anchors and as negatives); rows
    sharing ``inputs.ids`` are not each other's negatives. No such row gives a zero loss.

    Args:
        dim: Model dimension ``d``.
        weight: Loss multiplier.
        temperature: InfoNCE temperature (> 0).
        kg_key: Name of the KG view in ``inputs.semantic``.
        text_key: Name of the text view in ``inputs.semantic``.
    """

    name = "kg_text_align"

    def __init__(
        self,
        *,
        dim: int,
        temperature: float = 0.2,
        kg_key: str = KG_MODALITY,
        text_key: str = TEXT_MODALITY,
        **kwargs: Any,
    ) -> None:
        super().__init__(dim=dim, **kwargs)
        if not temperature > 0:
            raise ConfigError(f"distiller 'kg_text_align' needs temperature > 0, got {temperature}")
        self.temperature = float(temperature)
        self.kg_key, self.text_key = kg_key, text_key

    def compute_loss(self, inputs: DistillInputs) -> Tensor:
        """``(InfoNCE(kg -> text) + InfoNCE(text -> kg)) / 2`` over rows with both (scalar)."""
        if self.kg_key not in inputs.semantic or self.text_key not in inputs.semantic:
            raise ConfigError(
                f"distiller 'kg_text_align' needs semantic views '{self.kg_key}' and '{self.text_key}'; "
                f"got {sorted(inputs.semantic)}"
            )
        kg, text = inputs.semantic[self.kg_key], inputs.semantic[self.text_key]
        both = inputs.mask(self.kg_key) & inputs.mask(self.text_key)
        forward = info_nce(kg, text, temperature=self.temperature, valid=both, ids=inputs.ids)
        backward = info_nce(text, kg, temperature=self.temperature, valid=both, ids=inputs.ids)
        return (forward + backward) / 2
