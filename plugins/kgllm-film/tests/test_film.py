"""The example plugin passes the recbole-kgllm fusion contract and is found by name once installed."""
from __future__ import annotations

import torch

from kgllm_film import TanhFiLMFusion
from recbole_kgllm.testing.contracts import check_fusion_contract


def test_film_tanh_passes_the_fusion_contract() -> None:
    check_fusion_contract(TanhFiLMFusion)


def test_row_without_content_keeps_its_first_view() -> None:
    fusion = TanhFiLMFusion(dim=4, modalities=("id", "text"))
    views = {"id": torch.randn(3, 4), "text": torch.randn(3, 4)}
    masks = {"text": torch.tensor([True, False, True])}
    out = fusion(views, masks)
    assert torch.equal(out[1], views["id"][1])
    assert not torch.equal(out[0], views["id"][0])


def test_installed_plugin_is_registered_by_entry_point_next_to_the_core_film() -> None:
    from recbole_kgllm.fusion.film import FiLMFusion
    from recbole_kgllm.plugins import reset_plugins
    from recbole_kgllm.registry import get_registry

    reset_plugins()
    entry = get_registry("fusion").entry("film_tanh")
    assert entry.obj is TanhFiLMFusion and entry.plugin == "film"
    assert get_registry("fusion").entry("film").obj is FiLMFusion
