"""The gradient path's recipe: ID tables initialised from the views, the distiller warm-up,
every loss through a backbone, cosine scoring, the sequential model's content path for cold items."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from recbole_kgllm.distill.contrastive import ContrastiveDistiller
from recbole_kgllm.distill.base import DistillInputs
from recbole_kgllm.errors import ConfigError
from recbole_kgllm.model.cold_start import ContentHead
from recbole_kgllm.model.fused_embedding import FusedEmbedding
from recbole_kgllm.model.item_init import content_components
from recbole_kgllm.model.modality_views import ModalityViews
from recbole_kgllm.model.params import KGLLMRecParams
from recbole_kgllm.registry import resolve
from recbole_kgllm.testing.backbone_contract import check_backbone_contract
from recbole_kgllm.testing.backbone_inputs import make_features, make_training_data


def clustered_text(n: int = 13, dim: int = 16, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Rows 1..n-1 in two clusters (odd ids around one centre, even ids around another), row 0
    padding and row n-1 without text."""
    g = torch.Generator().manual_seed(seed)
    centres = torch.randn(2, dim, generator=g) * 3
    values = centres[torch.arange(n) % 2] + 0.3 * torch.randn(n, dim, generator=g)
    mask = torch.ones(n, dtype=torch.bool)
    mask[0] = mask[n - 1] = False
    return values * mask.unsqueeze(1), mask


def test_content_components_are_equal_for_equal_content_and_zero_without_content() -> None:
    values, mask = clustered_text()
    values[3] = values[5]
    comps, present = content_components({"text": (values, mask)}, dim=4)
    assert comps.shape == (13, 4) and torch.equal(present, mask)
    assert torch.allclose(comps[3], comps[5])
    assert torch.equal(comps[~mask], torch.zeros(2, 4))
    wide, _ = content_components({"text": (values, mask)}, dim=40)  # more columns than the view has
    assert torch.equal(wide[:, 16:], torch.zeros(13, 24))


def test_item_table_initialised_from_the_views() -> None:
    values, mask = clustered_text()
    torch.manual_seed(0)
    random = ModalityViews(n=13, dim=8, features={"text": (values, mask)}).embedding.weight.detach()
    torch.manual_seed(0)
    views = ModalityViews(n=13, dim=8, features={"text": (values, mask)}, init="content")
    table = views.embedding.weight.detach()
    # rows without content keep the random initialisation; rows with it follow the content
    assert torch.equal(table[~mask], random[~mask])
    assert table[mask].std().item() == pytest.approx(random.std().item(), rel=1e-4)
    cos = F.normalize(table, dim=1) @ F.normalize(table, dim=1).T
    same = [cos[i, j] for i in range(1, 12) for j in range(1, 12) if i != j and i % 2 == j % 2]
    other = [cos[i, j] for i in range(1, 12) for j in range(1, 12) if i % 2 != j % 2]
    assert min(same) > 0.5 > max(other)
    expected, _ = content_components({"text": (values, mask)}, dim=8)
    ratio = table[mask] / expected[mask]
    assert torch.allclose(ratio, ratio.flatten()[0].expand_as(ratio), rtol=1e-4)  # one common scale


def test_backbone_item_init_content_starts_the_fused_table_at_the_views() -> None:
    data = make_training_data(n_users=30, n_items=20)
    features = make_features(20, views=("text",), dim=6, missing=(3,))
    params = KGLLMRecParams(backbone="mf", embedding_size=8, item_init="content")
    torch.manual_seed(0)
    backbone = resolve("backbone", "mf")(params=params, data=data, features=features)
    view = features.items["text"]
    expected, present = content_components({"text": (view.values, view.mask)}, dim=8)
    table = backbone.item_views.embedding.weight.detach()
    ratio = table[present, :6] / expected[present, :6]  # the view has 6 columns: 6 components
    assert torch.allclose(ratio, ratio.flatten()[0].expand_as(ratio), rtol=1e-4)
    assert torch.equal(table[present, 6:], torch.zeros(int(present.sum()), 2))
    with pytest.raises(ConfigError, match="item_init"):
        KGLLMRecParams(backbone="mf", item_init="pca").validate()


@pytest.mark.parametrize("loss", ["bpr", "softmax", "ccl"])
@pytest.mark.parametrize("backbone", ["mf", "lightgcn"])
def test_every_loss_trains_each_gradient_backbone(backbone: str, loss: str) -> None:
    check_backbone_contract(resolve("backbone", backbone), loss=loss, loss_kwargs={"n_negatives": 4})
    check_backbone_contract(resolve("backbone", backbone), loss=loss, item_init="content")


def test_cosine_losses_score_with_normalised_representations() -> None:
    data = make_training_data(n_users=30, n_items=20)
    features = make_features(20, views=("text",))
    params = KGLLMRecParams(backbone="mf", embedding_size=8, loss="ccl")
    backbone = resolve("backbone", "mf")(params=params, data=data, features=features).eval()
    users, items = backbone()
    assert torch.allclose(users.norm(dim=1), torch.ones(30), atol=1e-5)
    assert torch.allclose(items.norm(dim=1), torch.ones(20), atol=1e-5)
    scores = backbone.full_scores(torch.tensor([1, 2]))
    assert float(scores.abs().max()) <= 1.0 + 1e-5  # cosine


def test_the_loss_term_is_named_after_the_loss_and_unknown_options_fail() -> None:
    data = make_training_data(n_users=30, n_items=20)
    features = make_features(20, views=("text",))
    params = KGLLMRecParams(backbone="mf", embedding_size=8, loss="softmax", loss_kwargs={"n_negatives": 5})
    backbone = resolve("backbone", "mf")(params=params, data=data, features=features).train()
    terms = backbone.loss_terms(torch.tensor([1, 2]), torch.tensor([3, 4]), torch.tensor([5, 6]))
    assert "softmax" in terms and "bpr" not in terms
    with pytest.raises(ConfigError, match="unknown loss_kwargs"):
        resolve("backbone", "mf")(params=KGLLMRecParams(backbone="mf", loss="softmax", loss_kwargs={"tau": 1}), data=data, features=features)
    with pytest.raises(Exception, match="unknown loss"):
        KGLLMRecParams(backbone="mf", loss="hinge").validate()


def _distill_inputs(seed: int = 0) -> DistillInputs:
    g = torch.Generator().manual_seed(seed)
    return DistillInputs(collab=torch.randn(6, 4, generator=g), semantic={"text": torch.randn(6, 4, generator=g)})


def test_distiller_warmup_ramps_the_weight_linearly_in_training_only() -> None:
    inputs = _distill_inputs()
    full = ContrastiveDistiller(dim=4, weight=2.0)(inputs).item()
    warm = ContrastiveDistiller(dim=4, weight=2.0, warmup=4).train()
    values = [warm(inputs).item() for _ in range(6)]
    assert values == pytest.approx([full / 4, full / 2, 3 * full / 4, full, full, full], rel=1e-5)
    evaluated = ContrastiveDistiller(dim=4, weight=2.0, warmup=4).eval()
    assert [evaluated(inputs).item() for _ in range(2)] == pytest.approx([full / 4] * 2, rel=1e-5)  # no step counted
    with pytest.raises(ConfigError, match="warmup"):
        ContrastiveDistiller(dim=4, warmup=-1)


def _fused_embedding(cold: list[int], head: bool = True) -> FusedEmbedding:
    values, mask = clustered_text(n=13, dim=16)
    views = ModalityViews(n=13, dim=8, features={"text": (values, mask)})
    fusion = resolve("fusion", "sum")(dim=8, modalities=views.names)
    cold_mask = torch.zeros(13, dtype=torch.bool)
    cold_mask[cold] = True
    return FusedEmbedding(views=views, fusion=fusion, content_head=ContentHead(dim=8) if head else None, cold=cold_mask)


def test_fused_embedding_gives_cold_items_the_content_heads_rows_in_eval_only() -> None:
    torch.manual_seed(0)
    emb = _fused_embedding(cold=[3, 12])  # item 12 has no content: it keeps its fused row
    emb.train()
    trained_rows = emb.weight.detach()
    emb.eval()
    rows = emb.weight.detach()
    assert torch.allclose(rows[[1, 2, 4, 12]], trained_rows[[1, 2, 4, 12]])
    assert not torch.allclose(rows[3], trained_rows[3])
    assert torch.allclose(emb(torch.tensor([[3, 4]]))[0], rows[[3, 4]], atol=1e-6)  # lookups agree with the table
    assert emb.cold.tolist() == [i == 3 for i in range(13)]


def test_content_loss_teaches_the_head_to_place_cold_items_near_their_content_cluster() -> None:
    torch.manual_seed(0)
    emb = _fused_embedding(cold=[11])
    warm = torch.tensor([i for i in range(1, 11)])
    optimiser = torch.optim.Adam(emb.parameters(), lr=0.05)
    for _ in range(200):  # the warm rows carry the text clusters through the projected view
        loss = emb.content_loss(warm)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    emb.eval()
    table = emb.weight.detach()
    # item 11 (odd cluster) is closer to the warm odd items than to the even ones
    cos = F.normalize(table, dim=1) @ F.normalize(table[11], dim=0)
    assert cos[[1, 3, 5, 7, 9]].mean() > cos[[2, 4, 6, 8, 10]].mean()
    assert _fused_embedding(cold=[11], head=False).content_loss(warm).item() == 0.0
