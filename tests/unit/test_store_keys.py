"""Store keys: stable for equal inputs, new for every output-changing setting or data change."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from recbole_kgllm.features.kg.pipeline import kg_embedding_spec, kg_source_spec
from recbole_kgllm.features.kg.settings import KGFeatureSettings
from recbole_kgllm.store import EntrySpec
from recbole_kgllm.store.hashing import stable_hash
from recbole_kgllm.features.text.pipeline import make_encoder, resolved_template, text_spec
from recbole_kgllm.features.text.settings import TextFeatureSettings
from recbole_kgllm.features.text.template import TextTemplate

RECBOLE_DEFAULTS: dict[str, Any] = {
    "field_separator": "\t",
    "seq_separator": " ",
    "encoding": "utf-8",
    "seq_len": None,
    "ITEM_ID_FIELD": "item_id",
    "USER_ID_FIELD": "user_id",
    "HEAD_ENTITY_ID_FIELD": "head_id",
    "TAIL_ENTITY_ID_FIELD": "tail_id",
    "RELATION_ID_FIELD": "relation_id",
    "ENTITY_ID_FIELD": "entity_id",
    "kg_reverse_r": False,
    "entity_kg_num_interval": None,
    "relation_kg_num_interval": None,
    "seed": 2020,
    "device": "cpu",
}


@pytest.fixture
def config(tmp_path: Path) -> dict[str, Any]:
    folder = tmp_path / "toy"
    folder.mkdir()
    (folder / "toy.kg").write_text("head_id:token\trelation_id:token\ttail_id:token\ne1\tr1\te2\n")
    (folder / "toy.link").write_text("item_id:token\tentity_id:token\n1\te1\n")
    (folder / "toy.item").write_text("item_id:token\tmovie_title:token_seq\n1\tToy Story\n")
    return {**RECBOLE_DEFAULTS, "dataset": "toy", "data_path": str(folder), "feature_cache_dir": str(tmp_path / "c")}


def kg_key(config: dict[str, Any]) -> str:
    return kg_embedding_spec(KGFeatureSettings.from_config(config), kg_source_spec(config)).key


def text_key(config: dict[str, Any]) -> str:
    settings = TextFeatureSettings.from_config(config)
    template = resolved_template(config, "item", settings.template)
    if template is None:  # a separator that makes the header unreadable: the key must still differ
        template = TextTemplate(template="{movie_title}")
    return text_spec(config, "item", template, make_encoder(settings)).key


def test_entry_key_is_stable_and_sensitive_to_every_part() -> None:
    base = dict(kind="k", producer="p/1", settings={"a": 1, "b": [1, 2]}, inputs={"f": "h"}, versions={"torch": "2"})
    reordered = dict(base, settings={"b": [1, 2], "a": 1})
    assert EntrySpec(**base).key == EntrySpec(**reordered).key == stable_hash(EntrySpec(**base).key_fields())
    changes = [
        {"kind": "k2"},
        {"producer": "p/2"},
        {"settings": {"a": 2, "b": [1, 2]}},
        {"settings": {"a": 1, "b": [2, 1]}},
        {"inputs": {"f": "h2"}},
        {"versions": {"torch": "3"}},
    ]
    keys = {EntrySpec(**base).key} | {EntrySpec(**dict(base, **change)).key for change in changes}
    assert len(keys) == len(changes) + 1


KG_CHANGES = {
    "kg_model": "RotatE",
    "kg_model_kwargs": {"scoring_fct_norm": 2},
    "kg_embedding_dim": 32,
    "kg_epochs": 3,
    "kg_batch_size": 512,
    "kg_learning_rate": 0.05,
    "kg_eval_share": 0.2,
    "kg_eval_max_triples": 50,
    "kg_pipeline_kwargs": {"negative_sampler": "bernoulli"},
    "kg_seed": 7,
    "seed": 7,  # kg_seed falls back to RecBole's seed
    "device": "cuda",
    "kg_reverse_r": True,
    "entity_kg_num_interval": "[2,inf)",
    "relation_kg_num_interval": "[2,inf)",
    "HEAD_ENTITY_ID_FIELD": "h",
    "field_separator": ",",
}


def test_every_kg_setting_and_the_kg_data_change_the_key(config: dict[str, Any]) -> None:
    base = kg_key(config)
    assert kg_key(dict(config)) == base
    for key, value in KG_CHANGES.items():
        assert kg_key({**config, key: value}) != base, key
    assert set(KGFeatureSettings.config_defaults()) - {"kg_log_dir", "feature_cache_dir"} <= set(KG_CHANGES)
    for key, value in {"kg_log_dir": "/elsewhere", "feature_cache_dir": "/other", "text_pooling": "cls"}.items():
        assert kg_key({**config, key: value}) == base, key
    for suffix in ("kg", "link"):
        path = Path(config["data_path"]) / f"toy.{suffix}"
        original = path.read_text()
        path.write_text(original + "e9\tr9\te8\n" if suffix == "kg" else original + "2\te2\n")
        assert kg_key(config) != base, suffix
        path.write_text(original)
    assert kg_key(config) == base


def test_every_text_setting_and_the_item_file_change_the_key(config: dict[str, Any], tmp_path: Path) -> None:
    model = tmp_path / "fake-model"
    model.mkdir()
    (model / "config.json").write_text('{"hidden_size": 8}')
    base = text_key(config)
    changes = {
        "text_encoder": str(model),
        "text_encoder_kwargs": {"revision": "abc"},
        "text_pooling": "cls",
        "text_normalize": False,
        "text_max_length": 64,
        "text_template": "{movie_title}",
        "device": "cuda",  # half precision
        "seq_separator": "|",
        "field_separator": ",",
        "encoding": "latin-1",
        "seq_len": {"movie_title": 1},
        "ITEM_ID_FIELD": "iid",
    }
    for key, value in changes.items():
        assert text_key({**config, key: value}) != base, key
    first = text_key({**config, "text_encoder": str(model)})
    (model / "config.json").write_text('{"hidden_size": 16}')
    assert text_key({**config, "text_encoder": str(model)}) != first  # weights/config fingerprint
    for key, value in {"text_batch_size": 3, "feature_cache_dir": "/other", "kg_model": "RotatE",
                       "user_text_template": "{age}"}.items():
        assert text_key({**config, key: value}) == base, key
    item = Path(config["data_path"]) / "toy.item"
    item.write_text(item.read_text() + "2\tJumanji\n")
    assert text_key(config) != base
    ours = set(TextFeatureSettings.config_defaults()) - {"text_batch_size", "feature_cache_dir", "user_text_template"}
    assert ours - {"text_encoder_type"} <= set(changes)
