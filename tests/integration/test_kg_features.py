"""Real PyKEEN runs on ml-100k (one epoch, small dimension) through the feature API."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from recbole_kgllm.features import api
from recbole_kgllm.recbole_integration.config import build_config

SMALL = {"kg_epochs": 1, "kg_embedding_dim": 8, "kg_eval_max_triples": 50, "kg_batch_size": 4096}


def _config(monkeypatch: pytest.MonkeyPatch, **settings: Any) -> Any:
    monkeypatch.setattr(sys, "argv", ["x"])
    return build_config("BPR", settings.pop("dataset", "ml-100k"), config_dict=settings)


def _raw_rows(path: Path) -> list[list[str]]:
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    return [line.split("\t") for line in lines if line]


@pytest.fixture(scope="module")
def ml100k_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("feature_cache")


def test_transe_on_ml100k_covers_every_linked_item(
    ml100k_cache: Path, monkeypatch: pytest.MonkeyPatch, ml100k_source: Path
) -> None:
    config = _config(monkeypatch, feature_cache_dir=str(ml100k_cache), **SMALL)
    first = api.kg_embedding_result(config)
    assert first.status == "computed"
    table = api.item_kg_table(config)
    entities = api.entity_kg_table(config)
    assert table.dim == entities.dim == 8 and api.relation_kg_table(config).dim == 8

    kg_rows = _raw_rows(ml100k_source / "ml-100k.kg")
    kg_entities = {h for h, _, _ in kg_rows} | {t for _, _, t in kg_rows}
    linked = {item for item, entity in _raw_rows(ml100k_source / "ml-100k.link") if entity in kg_entities}
    assert set(table.tokens) == linked  # every linked item, by external token
    assert set(entities.tokens) == kg_entities
    link = dict(_raw_rows(ml100k_source / "ml-100k.link"))
    for item in list(linked)[:50]:  # an item's vector is its entity's vector
        assert torch.equal(table.values[table.rows([item])[0]], entities.values[entities.rows([link[item]])[0]])

    # aligned to the internal order of the general dataset the models use
    from recbole.data import create_dataset

    dataset = create_dataset(config)
    tokens = dataset.field2id_token[dataset.iid_field]
    aligned = table.align(tokens)
    assert aligned.values.shape == (len(tokens), 8)
    assert not aligned.mask[0]  # [PAD]
    assert aligned.mask.tolist() == [t in linked for t in tokens]
    assert torch.all(aligned.values[~aligned.mask] == 0)

    info = first.entry.manifest.info
    assert 0.0 <= info["mrr"] <= 1.0 and 0.0 <= info["hits_at_10"] <= 1.0 and info["final_loss"] > 0
    assert "50 of" in info["evaluation"] and info["complex_to_real"].startswith("none")
    assert info["n_items"] == len(set(tokens) - {"[PAD]"})
    assert info["n_items_with_entity"] == int(aligned.mask.sum())
    assert str(ml100k_cache) in info["tensorboard_dir"]
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(info["tensorboard_dir"])
    events.Reload()
    assert [e.value for e in events.Scalars("loss")] == pytest.approx(info["losses"])
    assert events.Scalars("testing.both.realistic.inverse_harmonic_mean_rank")[-1].value == pytest.approx(info["mrr"])
    assert events.Scalars("testing.both.realistic.hits_at_10")[-1].value == pytest.approx(info["hits_at_10"])

    second = api.kg_embedding_result(config)
    assert second.status == "cached" and second.entry.path == first.entry.path
    assert torch.equal(second.entry.tensors["entity"], first.entry.tensors["entity"])


def test_kg_triples_are_recbole_filtered_tokens(
    ml100k_cache: Path, monkeypatch: pytest.MonkeyPatch, ml100k_source: Path
) -> None:
    config = _config(monkeypatch, feature_cache_dir=str(ml100k_cache))
    triples = api.kg_triples(config)
    raw = {tuple(row) for row in _raw_rows(ml100k_source / "ml-100k.kg")}
    labeled = {tuple(row) for row in triples.labeled().tolist()}
    assert labeled == raw
    assert set(triples.item_to_entity.values()) <= set(triples.entity_tokens.tolist())

    reverse = api.kg_triples(_config(monkeypatch, feature_cache_dir=str(ml100k_cache), kg_reverse_r=True))
    assert len(reverse) == 2 * len(triples)
    assert {r + "_r" for r in triples.relation_tokens.tolist()} <= set(reverse.relation_tokens.tolist())


def _kg_slice(tmp_path: Path, source: Path, n_items: int = 120) -> Path:
    """``source`` (ml-100k) with only the KG around its first ``n_items`` linked items (made at test time)."""
    folder = tmp_path / "ml-kg-slice"
    folder.mkdir()
    link_lines = (source / "ml-100k.link").read_text().splitlines()
    kept = link_lines[1 : n_items + 1]
    entities = {line.split("\t")[1] for line in kept}
    kg_lines = (source / "ml-100k.kg").read_text().splitlines()
    kg = [line for line in kg_lines[1:] if line.split("\t")[0] in entities or line.split("\t")[2] in entities]
    (folder / "ml-kg-slice.link").write_text("\n".join([link_lines[0], *kept]) + "\n")
    (folder / "ml-kg-slice.kg").write_text("\n".join([kg_lines[0], *kg]) + "\n")
    (folder / "ml-kg-slice.inter").write_bytes((source / "ml-100k.inter").read_bytes())
    return tmp_path


def test_complex_model_becomes_real_vectors_and_unlinked_items_are_masked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ml100k_source: Path
) -> None:
    data_path = _kg_slice(tmp_path, ml100k_source)
    config = _config(
        monkeypatch, dataset="ml-kg-slice", data_path=str(data_path), feature_cache_dir=str(tmp_path / "cache"),
        kg_model="ComplEx", **{**SMALL, "kg_embedding_dim": 4},
    )
    result = api.kg_embedding_result(config)
    assert result.entry.manifest.info["complex_to_real"] == "concat(real, imag)"
    table = api.item_kg_table(config)
    assert table.dim == 8 and table.values.dtype == torch.float32 and len(table) == 120
    info = result.entry.manifest.info
    assert info["n_items_with_entity"] == 120 and info["n_items"] > 1000
    aligned = table.align(np.array(["[PAD]", *table.tokens[:3], "no-such-item"]))
    assert aligned.mask.tolist() == [False, True, True, True, False]
