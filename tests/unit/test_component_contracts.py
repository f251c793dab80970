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


def test_a_plugin_backbone_is_registered_and_passes_the_contract(test_plugin: object) -> None:
    from recbole_kgllm.registry import get_registry

    entry = get_registry("backbone").entry("onehop")
    assert entry.plugin == "kgllm-test-plugin"
    check_backbone_contract(entry.obj)


@pytest.mark.parametrize(("name", "backbone_cls"), registered_classes("backbone"))
def test_scoring_leaves_the_state_dict_as_built(name: str, backbone_cls: type) -> None:
    """Caching final representations must not register new state (a checkpoint saved after
    an evaluation would no longer load into a fresh model)."""
    import torch

    from recbole_kgllm.model.params import KGLLMRecParams
    from recbole_kgllm.testing.backbone_inputs import make_features, make_training_data

    backbone = backbone_cls(params=KGLLMRecParams(backbone=name), data=make_training_data(), features=make_features(20))
    keys = set(backbone.state_dict())
    backbone.eval()
    backbone.full_scores(torch.tensor([1, 2]))
    assert set(backbone.state_dict()) == keys
