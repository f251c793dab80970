"""The FiLM plugin passes the recbole-kgllm fusion contract and is found by name once installed."""
from __future__ import annotations

import torch

from kgllm_film import FiLMFusion
from recbole_kgllm.testing.contracts import check_fusion_contract


def test_film_passes_the_fusion_contract() -> None:
    check_fusion_contract(FiLMFusion)


def test_row_without_content_keeps_its_id_view() -> None:
    fusion = FiLMFusion(dim=4, modalities=("id", "text"))
    views = {"id": torch.randn(3, 4), "text": torch.randn(3, 4)}
    masks = {"text": torch.tensor([True, False, True])}
    out = fusion(views, masks)
    assert torch.equal(out[1], views["id"][1])
    assert not torch.equal(out[0], views["id"][0])


def test_installed_plugin_is_registered_by_entry_point() -> None:
    from recbole_kgllm.plugins import reset_plugins
    from recbole_kgllm.registry import get_registry

    reset_plugins()
    entry = get_registry("fusion").entry("film")
    assert entry.obj is FiLMFusion and entry.plugin == "film"
