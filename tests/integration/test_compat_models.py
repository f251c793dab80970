"""RecBole's own KGAT, KGIN and MCCLK run end to end after apply_compat (1 epoch, ml-100k)."""
from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from recbole_kgllm.recbole_integration.compat import apply_compat, checkpoint, shims


@pytest.fixture
def compat_applied() -> Iterator[None]:
    """apply_compat for the test; undo what it installed afterwards."""
    saved_modules = {name: sys.modules.get(name) for name in shims.SHIMS}
    saved_load = torch.load
    apply_compat()
    yield
    checkpoint.uninstall_checkpoint_loading()
    torch.load = saved_load
    for name, module in saved_modules.items():
        if module is None:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = module


#: Data-only knobs (model defaults untouched). RecBole's MCCLK builds a dense
#: n_entities x n_entities similarity (34,629 entities on ml-100k: 4.8 GB) and runs a full GCN
#: per batch: ~25 min per epoch on 2 CPU cores. Keeping entities in >= 5 triples (4,166) and the
#: 5-star ratings (20.8k interactions, 9 batches) keeps the same code path at a test's cost.
_DATA_KNOBS: dict[str, dict[str, object]] = {
    "MCCLK": {"entity_kg_num_interval": "[5,inf)", "val_interval": {"rating": "[5,5]"}},
}


@pytest.mark.parametrize("model", ["KGAT", "KGIN", "MCCLK"])
def test_model_trains_saves_and_reloads_best_checkpoint(
    model: str, compat_applied: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from recbole.quick_start import run_recbole

    monkeypatch.setattr(sys, "argv", ["x"])
    monkeypatch.chdir(tmp_path)  # RecBole writes log/ and log_tensorboard/ under the cwd
    result = run_recbole(
        model=model,
        dataset="ml-100k",
        config_dict={
            "epochs": 1,
            "saved": True,  # evaluate(load_best_model=True) reloads the checkpoint via torch.load
            "checkpoint_dir": str(tmp_path / "saved"),
            "show_progress": False,
            **_DATA_KNOBS.get(model, {}),
        },
    )
    assert len(list((tmp_path / "saved").glob(f"{model}-*.pth"))) == 1
    ndcg = result["test_result"]["ndcg@10"]
    assert 0.0 < ndcg <= 1.0


def test_recbole_kgat_init_graph_matches_edge_list_reference(compat_applied: None) -> None:
    """RecBole's real KGAT.init_graph, run on the stand-in graph, against a direct computation."""
    import dgl
    from recbole.model.knowledge_aware_recommender.kgat import KGAT

    gen = torch.Generator().manual_seed(1)
    n_nodes, n_edges, n_relations = 12, 60, 4
    src = torch.randint(0, n_nodes, (n_edges,), generator=gen)
    dst = torch.randint(0, n_nodes, (n_edges,), generator=gen)
    rel = torch.randint(0, n_relations, (n_edges,), generator=gen)
    ckg = dgl.graph((src, dst), num_nodes=n_nodes)
    ckg.edata["relation_id"] = rel
    fake_model = SimpleNamespace(
        ckg=ckg, n_relations=n_relations, matrix_size=torch.Size([n_nodes, n_nodes]), device=torch.device("cpu")
    )
    got = KGAT.init_graph(fake_model).to_dense().numpy()

    expected = np.zeros((n_nodes, n_nodes))
    for r in range(1, n_relations):  # relation 0 is padding in RecBole and skipped
        keep = rel == r
        outdeg = torch.bincount(src[keep], minlength=n_nodes).numpy()
        for h, t in zip(src[keep].tolist(), dst[keep].tolist()):
            expected[h, t] += 1.0 / outdeg[h]
    np.testing.assert_allclose(got, expected, rtol=1e-6)
