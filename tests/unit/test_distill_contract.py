"""Distillers: the contract for every registered distiller, plus per-strategy behaviour."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import Tensor

from recbole_kgllm.distill.base import DistillInputs, Distiller
from recbole_kgllm.distill.losses import info_nce
from recbole_kgllm.errors import ConfigError
from recbole_kgllm.registry import get_registry
from recbole_kgllm.testing.contracts import (
    check_distiller_contract,
    distiller_contract_test,
    make_distill_inputs,
    parametrize_registered,
)

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def distiller(name: str, **kwargs) -> Distiller:
    return get_registry("distiller").get(name)(dim=8, **kwargs)


def unit(*shape: int, seed: int = 0) -> Tensor:
    return F.normalize(torch.randn(*shape, generator=torch.Generator().manual_seed(seed)), dim=-1)


def test_builtins_are_registered_by_their_name() -> None:
    registry = get_registry("distiller")
    assert {"none", "contrastive", "kg_text_align", "teacher"} <= set(registry.names())
    for entry in registry:
        assert entry.obj.name == entry.name


# ----- the contract, for every registered distiller (new registrations are covered automatically)


@parametrize_registered("distiller")
@pytest.mark.parametrize("device", DEVICES)
def test_registered_distiller_meets_contract(strategy_cls: type[Distiller], device: str) -> None:
    check_distiller_contract(strategy_cls, device=device)


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("contrastive", {"symmetric": True, "temperature": 0.5}),
        ("contrastive", {"modalities": ["kg"]}),
        ("teacher", {"mode": "score", "loss": "mse"}),
        ("teacher", {"mode": "rank"}),
        ("teacher", {"mode": "rank", "loss": "pairwise", "top_k": 2, "temperature": 0.5}),
    ],
)
def test_distiller_options_meet_contract(name: str, kwargs: dict) -> None:
    check_distiller_contract(get_registry("distiller").get(name), batch_size=4, **kwargs)


def test_one_line_plugin_test_helper_runs_the_contract() -> None:
    test = distiller_contract_test(get_registry("distiller").get("kg_text_align"), dtype=torch.float64)
    assert test.__name__ == "test_kg_text_align_distiller_contract"
    test()


# ----- the contract catches broken distillers


class LeakyTeacherDistiller(Distiller):
    """Broken: back-propagates into the teacher."""

    name = "leaky_teacher"
    requires = frozenset({"student_scores", "teacher_scores"})

    def compute_loss(self, inputs: DistillInputs) -> Tensor:
        return F.mse_loss(inputs.student_scores, inputs.teacher_scores)


class UnmaskedDistiller(Distiller):
    """Broken: reads absent rows of the semantic views."""

    name = "unmasked"

    def compute_loss(self, inputs: DistillInputs) -> Tensor:
        return sum(((inputs.collab - v) ** 2).mean() for v in inputs.semantic.values())


class UnweightedDistiller(UnmaskedDistiller):
    """Broken: ignores its weight."""

    name = "unweighted"

    def forward(self, inputs: DistillInputs) -> Tensor:
        return (inputs.collab**2).mean()


@pytest.mark.parametrize(
    ("cls", "message"),
    [
        (LeakyTeacherDistiller, "teacher scores"),
        (UnmaskedDistiller, "absent rows|masked-out rows"),
        (UnweightedDistiller, "scale the loss"),
    ],
)
def test_contract_rejects_broken_distillers(cls: type[Distiller], message: str) -> None:
    with pytest.raises(AssertionError, match=message):
        check_distiller_contract(cls)


# ----- shared loss and inputs


def test_info_nce_matches_cross_entropy_on_valid_rows() -> None:
    a, b = torch.randn(6, 4), torch.randn(6, 4)
    valid = torch.tensor([True, False, True, True, False, True])
    idx = valid.nonzero().flatten()
    logits = F.normalize(a[idx], dim=-1) @ F.normalize(b[idx], dim=-1).T / 0.3
    expected = F.cross_entropy(logits, torch.arange(len(idx)))
    torch.testing.assert_close(info_nce(a, b, temperature=0.3, valid=valid), expected)
    assert info_nce(a, b, temperature=0.3, valid=torch.zeros(6, dtype=torch.bool)).item() == 0.0


def test_distill_inputs_validate_shapes() -> None:
    with pytest.raises(ValueError, match="semantic"):
        DistillInputs(collab=torch.zeros(3, 4), semantic={"kg": torch.zeros(2, 4)})
    with pytest.raises(ValueError, match="masks"):
        DistillInputs(collab=torch.zeros(3, 4), semantic={"kg": torch.zeros(3, 4)}, masks={"kg": torch.ones(3)})
    with pytest.raises(ValueError, match="same shape"):
        DistillInputs(collab=torch.zeros(3, 4), student_scores=torch.zeros(3, 5), teacher_scores=torch.zeros(3, 4))


# ----- behaviour of each strategy


def test_none_returns_zero_with_the_batch_dtype() -> None:
    inputs = DistillInputs(collab=torch.randn(3, 8, dtype=torch.float64))
    loss = distiller("none")(inputs)
    assert loss.shape == () and loss.dtype == torch.float64 and loss.item() == 0.0


def test_contrastive_is_lower_for_aligned_than_shuffled_pairs() -> None:
    collab = unit(32, 8)
    aligned = collab + 0.05 * unit(32, 8, seed=1)
    shuffled = aligned[torch.randperm(32, generator=torch.Generator().manual_seed(2))]
    module = distiller("contrastive")
    low = module(DistillInputs(collab=collab, semantic={"text": aligned}))
    high = module(DistillInputs(collab=collab, semantic={"text": shuffled}))
    assert low < high


def test_contrastive_excludes_masked_rows_and_averages_views() -> None:
    collab, kg, text = unit(10, 8), unit(10, 8, seed=1), unit(10, 8, seed=2)
    mask = torch.tensor([True, False] * 5)
    module = distiller("contrastive", temperature=0.3)
    loss = module(DistillInputs(collab=collab, semantic={"kg": kg, "text": text}, masks={"kg": mask}))
    expected = (info_nce(collab[mask], kg[mask], temperature=0.3) + info_nce(collab, text, temperature=0.3)) / 2
    torch.testing.assert_close(loss, expected)


def test_contrastive_does_not_use_same_id_rows_as_negatives() -> None:
    collab = unit(4, 8)
    collab[3] = collab[0]  # row 3 is the same item as row 0
    inputs = dict(collab=collab, semantic={"text": collab.clone()})
    module = distiller("contrastive")
    with_ids = module(DistillInputs(**inputs, ids=torch.tensor([7, 1, 2, 7])))
    without = module(DistillInputs(**inputs))
    assert with_ids < without


def test_contrastive_needs_semantic_views() -> None:
    with pytest.raises(ConfigError, match="semantic views"):
        distiller("contrastive")(DistillInputs(collab=torch.randn(3, 8)))
    with pytest.raises(ConfigError, match="semantic views"):
        only_text = DistillInputs(collab=torch.randn(3, 8), semantic={"text": torch.randn(3, 8)})
        distiller("contrastive", modalities=["kg"])(only_text)


def test_kg_text_align_uses_only_rows_with_both_views() -> None:
    kg, text = unit(12, 8, seed=3), unit(12, 8, seed=4)
    kg_mask = torch.tensor([True, True, False, True] * 3)
    text_mask = torch.tensor([True, False, True, True] * 3)
    both = kg_mask & text_mask
    module = distiller("kg_text_align", temperature=0.5)
    masks = {"kg": kg_mask, "text": text_mask}
    masked = module(DistillInputs(collab=torch.randn(12, 8), semantic={"kg": kg, "text": text}, masks=masks))
    rows = int(both.sum())
    subset = module(DistillInputs(collab=torch.randn(rows, 8), semantic={"kg": kg[both], "text": text[both]}))
    torch.testing.assert_close(masked, subset)
    expected = (info_nce(kg[both], text[both], temperature=0.5) + info_nce(text[both], kg[both], temperature=0.5)) / 2
    torch.testing.assert_close(masked, expected)


def test_kg_text_align_is_lower_for_aligned_views_and_needs_both() -> None:
    kg = unit(16, 8)
    module = distiller("kg_text_align")
    aligned = module(DistillInputs(collab=kg, semantic={"kg": kg, "text": kg + 0.05 * unit(16, 8, seed=9)}))
    unrelated = module(DistillInputs(collab=kg, semantic={"kg": kg, "text": unit(16, 8, seed=9)}))
    assert aligned < unrelated
    with pytest.raises(ConfigError, match="'kg' and 'text'"):
        module(DistillInputs(collab=kg, semantic={"kg": kg}))


@pytest.mark.parametrize("loss", ["kl", "mse"])
def test_teacher_score_loss_is_zero_when_student_equals_teacher(loss: str) -> None:
    scores = torch.randn(5, 7)
    module = distiller("teacher", mode="score", loss=loss, temperature=2.0)
    same = module(DistillInputs(collab=torch.randn(5, 8), student_scores=scores.clone(), teacher_scores=scores))
    other = module(DistillInputs(collab=torch.randn(5, 8), student_scores=torch.randn(5, 7), teacher_scores=scores))
    assert same.item() == pytest.approx(0.0, abs=1e-6) and other.item() > 1e-3


@pytest.mark.parametrize(
    "kwargs",
    [{"mode": "score", "loss": "kl"}, {"mode": "score", "loss": "mse"}, {"mode": "rank", "loss": "listmle", "top_k": 3},
     {"mode": "rank", "loss": "pairwise", "top_k": 3}],
    ids=lambda k: k["loss"],
)
def test_training_student_towards_teacher_decreases_the_loss(kwargs: dict) -> None:
    torch.manual_seed(0)
    teacher = torch.randn(6, 8) * 3
    student = torch.nn.Parameter(torch.randn(6, 8))
    module = distiller("teacher", **kwargs)
    optimizer = torch.optim.Adam([student], lr=0.1)

    def loss() -> Tensor:
        return module(DistillInputs(collab=torch.zeros(6, 8), student_scores=student, teacher_scores=teacher))

    first = loss().item()
    for _ in range(150):
        optimizer.zero_grad()
        loss().backward()
        optimizer.step()
    assert loss().item() < 0.5 * first
    if kwargs["mode"] == "rank":  # the student now ranks the teacher's top-3 like the teacher
        top = teacher.argsort(-1, descending=True)[:, :3]
        assert torch.equal(student.detach().argsort(-1, descending=True)[:, :3], top)


def test_teacher_rank_loss_prefers_the_teachers_order() -> None:
    teacher = torch.randn(4, 6)
    module = distiller("teacher", mode="rank", top_k=6)
    agree = module(DistillInputs(collab=torch.zeros(4, 8), student_scores=teacher * 5, teacher_scores=teacher))
    reverse = module(DistillInputs(collab=torch.zeros(4, 8), student_scores=-teacher * 5, teacher_scores=teacher))
    assert agree < reverse


def test_teacher_requires_scores_and_valid_options() -> None:
    with pytest.raises(ConfigError, match="teacher_scores"):
        distiller("teacher")(DistillInputs(collab=torch.zeros(2, 8), student_scores=torch.zeros(2, 3)))
    with pytest.raises(ConfigError, match="listmle, pairwise"):
        distiller("teacher", mode="rank", loss="kl")
    with pytest.raises(ConfigError, match="mode"):
        distiller("teacher", mode="list")


def test_zero_weight_skips_the_computation() -> None:
    inputs = make_distill_inputs()
    module = distiller("kg_text_align", weight=0.0)
    assert module(DistillInputs(collab=inputs.collab)).item() == 0.0  # would raise if computed
