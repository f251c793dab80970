"""Fusion strategies: the contract for every registered fusion, plus per-strategy behaviour."""
from __future__ import annotations

from collections.abc import Mapping

import pytest
import torch
from torch import Tensor, nn

from recbole_kgllm.errors import ConfigError
from recbole_kgllm.fusion.base import Fusion
from recbole_kgllm.registry import get_registry
from recbole_kgllm.testing.contracts import (
    check_fusion_contract,
    fusion_contract_test,
    make_fusion_inputs,
    parametrize_registered,
)

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
MODALITY_SETS = [("id", "kg", "text"), ("id", "text"), ("id",)]


def fusion(name: str, modalities: tuple[str, ...] = ("id", "kg", "text"), dim: int = 6, **kwargs) -> Fusion:
    torch.manual_seed(0)
    return get_registry("fusion").get(name)(dim=dim, modalities=modalities, **kwargs).eval()


def test_builtins_are_registered_by_their_name() -> None:
    registry = get_registry("fusion")
    assert {"sum", "concat", "gated", "attention", "moe"} <= set(registry.names())
    for entry in registry:
        assert entry.obj.name == entry.name


# ----- the contract, for every registered fusion (new registrations are covered automatically)


@parametrize_registered("fusion")
@pytest.mark.parametrize("modalities", MODALITY_SETS, ids="+".join)
@pytest.mark.parametrize("device", DEVICES)
def test_registered_fusion_meets_contract(strategy_cls: type[Fusion], modalities: tuple[str, ...], device: str) -> None:
    check_fusion_contract(strategy_cls, modalities=modalities, device=device)


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("sum", {"learn_weights": True}),
        ("concat", {"hidden_dim": 5, "dropout": 0.3}),
        ("gated", {"gate": "sigmoid"}),
        ("attention", {"hidden_dim": 3, "temperature": 0.5}),
        ("moe", {"n_experts": 2, "noisy_gating": False, "dropout": 0.0}),
    ],
)
def test_fusion_options_meet_contract(name: str, kwargs: dict) -> None:
    check_fusion_contract(get_registry("fusion").get(name), batch_size=5, **kwargs)


def test_contract_checks_batch_size_one_and_float64() -> None:
    check_fusion_contract(get_registry("fusion").get("gated"), batch_size=1, dtype=torch.float64)


def test_one_line_plugin_test_helper_runs_the_contract() -> None:
    test = fusion_contract_test(get_registry("fusion").get("attention"), modalities=("id", "text"))
    assert test.__name__ == "test_attention_fusion_contract"
    test()


# ----- the contract catches broken fusions


class NaiveMeanFusion(Fusion):
    """Broken: averages every view, absent ones included."""

    name = "naive_mean"

    def __init__(self, *, dim: int, modalities, **kwargs) -> None:
        super().__init__(dim=dim, modalities=modalities, **kwargs)
        self.scale = nn.Parameter(torch.ones(()))

    def forward(self, views: Mapping[str, Tensor], masks=None) -> Tensor:
        return torch.stack([views[k] for k in self.modalities]).mean(0) * self.scale


class InPlaceFusion(NaiveMeanFusion):
    """Broken: zeroes absent rows in the caller's tensor."""

    name = "in_place"

    def forward(self, views: Mapping[str, Tensor], masks=None) -> Tensor:
        for key, mask in (masks or {}).items():
            views[key].data[~mask] = 0
        return super().forward(views, masks)


class BatchNormFusion(NaiveMeanFusion):
    """Broken: output depends on the other rows of the batch."""

    name = "batch_norm"

    def forward(self, views: Mapping[str, Tensor], masks=None) -> Tensor:
        x, _ = self.stack(views, masks)
        out = x.sum(1)
        return (out - out.mean(0)) * self.scale


class PositionalFusion(NaiveMeanFusion):
    """Broken: accepts positional constructor arguments."""

    name = "positional"

    def __init__(self, dim: int = 4, modalities=("id",), **kwargs) -> None:
        super().__init__(dim=dim, modalities=modalities, **kwargs)


@pytest.mark.parametrize(
    ("cls", "message"),
    [
        (NaiveMeanFusion, "masked-out rows|absent rows"),
        (InPlaceFusion, "modified in place"),
        (BatchNormFusion, "depends on the other rows"),
        (PositionalFusion, "keyword-only"),
    ],
)
def test_contract_rejects_broken_fusions(cls: type[Fusion], message: str) -> None:
    with pytest.raises(AssertionError, match=message):
        check_fusion_contract(cls)


# ----- behaviour of each strategy


def test_sum_equals_hand_computed_masked_sum() -> None:
    views, masks = make_fusion_inputs(batch_size=9, dim=6, seed=3)
    expected = views["id"] + views["kg"] * masks["kg"][:, None] + views["text"] * masks["text"][:, None]
    torch.testing.assert_close(fusion("sum")(views, masks), expected)
    assert fusion("sum").modality_weights() is None


def test_sum_without_masks_adds_every_view_and_ignores_nan_in_absent_rows() -> None:
    views, masks = make_fusion_inputs(batch_size=5, dim=6)
    torch.testing.assert_close(fusion("sum")(views), views["id"] + views["kg"] + views["text"])
    poisoned = {**views, "kg": views["kg"].masked_fill(~masks["kg"][:, None], float("nan"))}
    assert torch.isfinite(fusion("sum")(poisoned, masks)).all()


def test_sum_learned_weights_scale_each_view_and_report_shares() -> None:
    views, masks = make_fusion_inputs(batch_size=8, dim=6, seed=1)
    module = fusion("sum", learn_weights=True)
    with torch.no_grad():
        module.weight.copy_(torch.tensor([1.0, 2.0, -0.5]))
    expected = views["id"] + 2 * views["kg"] * masks["kg"][:, None] - 0.5 * views["text"] * masks["text"][:, None]
    torch.testing.assert_close(module(views, masks), expected)
    only_id = {k: torch.zeros(8, dtype=torch.bool) for k in ("kg", "text")}
    module(views, only_id)
    assert module.modality_weights() == pytest.approx({"id": 1.0, "kg": 0.0, "text": 0.0})


def test_concat_replaces_absent_view_by_learned_missing_embedding() -> None:
    views, masks = make_fusion_inputs(batch_size=7, dim=6, seed=2)
    module = fusion("concat")
    filled = dict(views)
    for i, key in enumerate(module.modalities):
        if key in masks:
            filled[key] = torch.where(masks[key][:, None], views[key], module.missing[i].detach())
    torch.testing.assert_close(module(views, masks), module(filled))


@pytest.mark.parametrize("name", ["gated", "attention"])
def test_row_with_only_id_is_exactly_the_id_view(name: str) -> None:
    views, masks = make_fusion_inputs(batch_size=6, dim=6)
    none = {k: torch.zeros(6, dtype=torch.bool) for k in masks}
    module = fusion(name)
    torch.testing.assert_close(module(views, none), views["id"])
    assert module.modality_weights() == pytest.approx({"id": 1.0, "kg": 0.0, "text": 0.0})


def test_attention_weights_renormalise_over_present_modalities() -> None:
    views, masks = make_fusion_inputs(batch_size=10, dim=6, seed=4)
    module = fusion("attention", temperature=0.7)
    x = torch.stack([views[k] for k in module.modalities], 1)
    scores = torch.tanh(module.proj(x) + module.modality_emb) @ module.query / 0.7  # [N, M]
    out = module(views, masks)
    for row in range(10):
        present = [i for i, k in enumerate(module.modalities) if k not in masks or masks[k][row]]
        weights = torch.softmax(scores[row, present], 0)
        torch.testing.assert_close(out[row], (weights[:, None] * x[row, present]).sum(0))
    reported = module.modality_weights()
    assert sum(reported.values()) == pytest.approx(1.0) and reported["kg"] < 1.0


def test_gated_softmax_gates_renormalise_over_present_modalities() -> None:
    views, masks = make_fusion_inputs(batch_size=10, dim=6, seed=5)
    module = fusion("gated")
    x, present = module.stack(views, masks)
    logits = module.gate_net(torch.cat([x.flatten(1), present.float()], 1)).view(10, 3, 6)
    out = module(views, masks)
    for row in range(10):
        idx = present[row].nonzero().flatten()
        gates = torch.softmax(logits[row, idx], 0)  # [P, d], over present modalities per dimension
        torch.testing.assert_close(out[row], (gates * x[row, idx]).sum(0))
    all_kg_missing = {**masks, "kg": torch.zeros(10, dtype=torch.bool)}
    module(views, all_kg_missing)
    assert module.modality_weights()["kg"] == 0.0


def test_gated_sigmoid_gates_are_independent_per_modality() -> None:
    views, _ = make_fusion_inputs(batch_size=4, dim=6)
    module = fusion("gated", gate="sigmoid")
    none = {k: torch.zeros(4, dtype=torch.bool) for k in ("kg", "text")}
    x, present = module.stack(views, none)
    gate = torch.sigmoid(module.gate_net(torch.cat([x.flatten(1), present.float()], 1)).view(4, 3, 6)[:, 0])
    torch.testing.assert_close(module(views, none), gate * views["id"])


def test_moe_adds_adapted_semantic_views_to_id() -> None:
    views, masks = make_fusion_inputs(batch_size=8, dim=6, seed=6)
    module = fusion("moe", n_experts=3)
    with torch.no_grad():
        for adaptor in module.adaptors.values():
            adaptor.gate.normal_()
            adaptor.bias.normal_()
    expected = views["id"].clone()
    for key in ("kg", "text"):
        adaptor, x = module.adaptors[key], views[key]
        gates = torch.softmax(x @ adaptor.gate, -1)
        experts = torch.stack([(x - adaptor.bias[k]) @ adaptor.weight[k] for k in range(3)], 1)
        expected += (gates[:, :, None] * experts).sum(1) * masks[key][:, None]
    torch.testing.assert_close(module(views, masks), expected)
    assert module.modality_weights() is None


@pytest.mark.parametrize("name", ["sum", "gated", "attention", "moe"])
def test_all_missing_row_is_zero_not_nan(name: str) -> None:
    views, _ = make_fusion_inputs(batch_size=3, dim=6)
    none = {k: torch.zeros(3, dtype=torch.bool) for k in views}
    assert torch.equal(fusion(name)(views, none), torch.zeros(3, 6))


def test_unknown_option_and_bad_values_raise_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown fusion_kwargs: hiden"):
        fusion("concat", hiden=3)
    with pytest.raises(ConfigError, match="gate"):
        fusion("gated", gate="relu")
    with pytest.raises(ConfigError, match="distinct"):
        fusion("sum", modalities=("id", "id"))


def test_mismatched_views_raise_value_error() -> None:
    views, masks = make_fusion_inputs(("id", "kg"), batch_size=3, dim=6)
    with pytest.raises(ValueError, match="expects views"):
        fusion("sum")(views, masks)
    with pytest.raises(ValueError, match="bool"):
        fusion("sum", modalities=("id", "kg"))(views, {"kg": masks["kg"].float()})
