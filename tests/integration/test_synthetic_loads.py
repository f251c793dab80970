"""A generated dataset loads in RecBole, as a general and as a knowledge dataset."""
from __future__ import annotations

from pathlib import Path

import pytest

from recbole_kgllm.datasets.synthetic import SyntheticSpec, generate
from recbole_kgllm.recbole_integration import pipeline


@pytest.mark.parametrize("model", ["BPR", "KGIN"])
def test_generated_files_load_in_recbole(tmp_path: Path, model: str, monkeypatch: pytest.MonkeyPatch) -> None:
    facts = generate(SyntheticSpec(n_items=400, n_users=200, n_interactions=4000, seed=3), tmp_path, "syn")
    monkeypatch.chdir(tmp_path)
    config = pipeline.start(model, "syn", None, {"data_path": str(tmp_path), "show_progress": False}, log=False)
    data = pipeline.load_data(config)
    assert data.dataset.user_num - 1 == facts["n_users_with_interactions"]
    if model == "KGIN":  # RecBole's knowledge dataset keeps linked items only (95% are linked)
        assert 0.85 * facts["n_items_with_interactions"] <= data.dataset.item_num - 1 < facts["n_items_with_interactions"]
        assert data.dataset.relation_num >= 4 and data.dataset.entity_num > data.dataset.item_num
    else:  # RecBole's default load_col reads the .inter file: the items with interactions
        assert data.dataset.item_num - 1 == facts["n_items_with_interactions"]
        assert sum(len(part.inter_feat) for part in data.parts) == facts["n_interactions"]
