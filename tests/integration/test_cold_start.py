"""KGLLMRec's cold start on real ml-100k data: held-out items reach top-20 lists, rare items do not.

The default model (EASE backbone with the MiniLM text prior) is built twice on the data RecBole
loads: on the benchmark's cold-start split (10% of the items have no training interaction) and
on RecBole's ordinary random split (only the rare items whose interactions all fell into
valid/test have none). The estimated new-item share must tell the two apart, and only on the
cold-start split may the items without training interactions be promoted into top-k lists.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from recbole_kgllm.bench.cold_split import SPLIT_NAMES, read_cold_items, write_cold_dataset
from recbole_kgllm.bench.data_prep import AtomicFields

LOAD_COL = {"inter": ["user_id", "item_id"], "kg": ["head_id", "relation_id", "tail_id"],
            "link": ["item_id", "entity_id"]}


def _model(dataset: str, settings: dict) -> tuple[object, object]:
    """The default KGLLMRec on ``dataset`` and its training dataset, built by the run pipeline's
    stages (seeded as run_recbole seeds: the random split is the seed's)."""
    from recbole_kgllm.recbole_integration import pipeline

    config = pipeline.start("KGLLMRec", dataset, None, settings, log=False)
    data = pipeline.load_data(config)
    return pipeline.build_model(config, data.train_dataset), data.train_dataset


def _cold_items_in_top20(model: object, train: object) -> float:
    """Share of users whose top-20 list (training items excluded) holds an item without training interactions."""
    x = train.inter_matrix(form="csr")
    cold = torch.from_numpy(np.asarray(x.getnnz(axis=0) == 0))
    cold[0] = False  # padding
    users = torch.arange(1, x.shape[0])
    scores = model.backbone.full_scores(users)
    seen = torch.from_numpy(x[users.numpy()].toarray() > 0)
    scores = scores.masked_fill(seen, float("-inf"))
    scores[:, 0] = float("-inf")
    top = scores.topk(20, dim=1).indices
    return float(cold[top].any(dim=1).float().mean())


def test_held_out_items_are_promoted_and_rare_items_are_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, feature_cache: Path, ml100k_source: Path,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["pytest"])
    from recbole_kgllm.recbole_integration.session import prepare_recbole

    prepare_recbole()
    common = {"load_col": LOAD_COL, "feature_cache_dir": str(feature_cache), "checkpoint_dir": str(tmp_path / "saved")}
    folder = tmp_path / "ml-100k-bench"
    write_cold_dataset(ml100k_source, folder, "ml-100k", AtomicFields(), share=0.1, seed=2020, dst_name="ml-100k-bench")
    held_out = len(read_cold_items(folder))
    cold_settings = {**common, "data_path": str(tmp_path), "benchmark_filename": list(SPLIT_NAMES)}

    cold_model, cold_train = _model("ml-100k-bench", cold_settings)
    assert cold_model.backbone.new_share_used > 0.7  # 168 held out against a few dozen rare items
    assert _cold_items_in_top20(cold_model, cold_train) > 0.3

    never, _ = _model("ml-100k-bench", {**cold_settings, "backbone_kwargs": {"cold_new_share": 0.0}})
    assert _cold_items_in_top20(never, cold_train) < 0.05

    random_model, random_train = _model("ml-100k", common)
    n_cold = int((random_train.inter_matrix(form="csr").getnnz(axis=0)[1:] == 0).sum())
    assert 0 < n_cold < held_out / 3
    assert random_model.backbone.new_share_used < 0.5
    assert _cold_items_in_top20(random_model, random_train) < 0.05
