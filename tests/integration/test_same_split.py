"""KGLLMRec sees exactly the data and split LightGCN sees for a seed (RecBole's KG models do not)."""
from __future__ import annotations

from pathlib import Path

from recbole.data import create_dataset, data_preparation
from recbole.utils import init_seed

from recbole_kgllm.recbole_integration.config import build_config
from recbole_kgllm.recbole_integration.session import prepare_recbole


def _split(model: str, seed: int) -> list[set[tuple[str, str]]]:
    config = build_config(model, "ml-100k", config_dict={"seed": seed})
    init_seed(config["seed"], config["reproducibility"])
    dataset = create_dataset(config)
    parts = []
    for loader in data_preparation(config, dataset):
        data = loader._dataset
        users = data.id2token(data.uid_field, data.inter_feat[data.uid_field].numpy())
        items = data.id2token(data.iid_field, data.inter_feat[data.iid_field].numpy())
        parts.append(set(zip(users.tolist(), items.tolist())))
    return parts


def test_kgllmrec_and_lightgcn_get_the_identical_split(in_tmp: Path, fresh_plugins: None) -> None:
    prepare_recbole()
    lightgcn, ours = _split("LightGCN", 2021), _split("KGLLMRec", 2021)
    assert [len(p) for p in ours] == [len(p) for p in lightgcn]
    assert ours == lightgcn
    assert sum(len(p) for p in ours) == 100000  # nothing dropped


def test_recbole_knowledge_models_drop_unlinked_items(in_tmp: Path, fresh_plugins: None) -> None:
    prepare_recbole()
    cke = _split("CKE", 2021)
    assert sum(len(p) for p in cke) < 100000
