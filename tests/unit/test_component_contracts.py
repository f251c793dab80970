"""Every registered backbone and text encoder passes its contract (as fusions and distillers do)."""
from __future__ import annotations

import pytest

from recbole_kgllm.testing.backbone_contract import check_backbone_contract
from recbole_kgllm.testing.contracts import registered_classes
from recbole_kgllm.testing.text_encoder_contract import check_text_encoder_contract


@pytest.mark.parametrize(("name", "backbone_cls"), registered_classes("backbone"))
def test_registered_backbone_passes_the_contract(name: str, backbone_cls: type) -> None:
    check_backbone_contract(backbone_cls)


@pytest.mark.parametrize(("name", "encoder_cls"), registered_classes("text_encoder"))
def test_registered_text_encoder_passes_the_contract(name: str, encoder_cls: type) -> None:
    check_text_encoder_contract(encoder_cls)


def test_the_backbone_contract_catches_a_backbone_that_ignores_its_views() -> None:
    from torch import Tensor

    from recbole_kgllm.model.backbones.mf import MFBackbone

    class Blind(MFBackbone):
        name = "blind"

        def forward(self) -> tuple[Tensor, Tensor]:
            return self.user_views.embedding.weight, self.item_views.embedding.weight

    with pytest.raises(AssertionError, match="ignores them"):
        check_backbone_contract(Blind)
