"""The real packaged MiniLM encoder on ml-100k titles and on small datasets made at test time."""
from __future__ import annotations

import itertools
import logging
import sys
from pathlib import Path
from typing import Any

import pytest
import torch
import torch.nn.functional as F

from recbole_kgllm.features import api
from recbole_kgllm.recbole_integration.config import build_config

FRANCHISES = ["Star Trek", "Die Hard", "Batman", "Free Willy", "Jaws", "Alien", "Amityville", "Home Alone", "Godfather"]


def _config(monkeypatch: pytest.MonkeyPatch, dataset: str = "ml-100k", **settings: Any) -> Any:
    monkeypatch.setattr(sys, "argv", ["x"])
    return build_config("BPR", dataset, config_dict=settings)


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("feature_cache")


def test_minilm_puts_titles_of_a_franchise_closer_than_random_pairs(
    cache: Path, monkeypatch: pytest.MonkeyPatch, ml100k_source: Path
) -> None:
    config = _config(monkeypatch, feature_cache_dir=str(cache), text_template="{movie_title}")
    result = api.text_result(config, "item")
    assert result is not None and result.status == "computed"
    table = api.item_text_table(config)
    rows = [line.split("\t") for line in (ml100k_source / "ml-100k.item").read_text().splitlines()[1:]]
    titles = {row[0]: row[1] for row in rows}
    assert set(table.tokens) == set(titles) and table.dim == 384
    assert torch.allclose(table.values.norm(dim=1), torch.ones(len(table)), atol=1e-4)

    within = []
    for prefix in FRANCHISES:
        members = [t for t, title in titles.items() if title.startswith(prefix)]
        assert len(members) >= 2, prefix
        vectors = table.values[torch.from_numpy(table.rows(members))]
        within += [float(a @ b) for a, b in itertools.combinations(vectors, 2)]
    g = torch.Generator().manual_seed(0)
    left, right = torch.randint(len(table), (2000,), generator=g), torch.randint(len(table), (2000,), generator=g)
    random_pairs = (table.values[left] * table.values[right]).sum(dim=1)
    assert torch.tensor(within).mean() > torch.quantile(random_pairs, 0.95)

    again = api.text_result(config, "item")
    assert again is not None and again.status == "cached" and torch.equal(again.entry.tensors["item"], table.values)


def test_batched_sorted_pipeline_matches_one_text_at_a_time(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from transformers import AutoModel, AutoTokenizer

    from recbole_kgllm.features.text.pipeline import make_encoder
    from recbole_kgllm.features.text.settings import TextFeatureSettings

    texts = ["Toy Story (1995). Genres: Animation, Children's, Comedy", "Heat", "", "A much longer text " * 30]
    encoder = make_encoder(TextFeatureSettings.from_config({"text_batch_size": 3, "text_max_length": 64}))
    batched = encoder.encode(texts, progress=False)
    folder = str(encoder.folder)  # type: ignore[attr-defined]
    tokenizer, model = AutoTokenizer.from_pretrained(folder), AutoModel.from_pretrained(folder).eval()
    for text, vector in zip(texts, batched):
        inputs = tokenizer(text, truncation=True, max_length=64, return_tensors="pt")
        with torch.no_grad():
            expected = F.normalize(model(**inputs).last_hidden_state.mean(dim=1), dim=-1)[0]
        assert torch.allclose(vector, expected, atol=1e-5)
    assert all(not p.requires_grad for p in encoder._model.parameters())  # type: ignore[attr-defined]
    assert not encoder._model.training  # type: ignore[attr-defined]


def _small_dataset(tmp_path: Path) -> Path:
    folder = tmp_path / "tiny"
    folder.mkdir()
    (folder / "tiny.inter").write_text("user_id:token\titem_id:token\trating:float\n1\t1\t5\n2\t2\t4\n2\t3\t3\n")
    (folder / "tiny.item").write_text(
        "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n"
        "1\tToy Story\t1995\tAnimation Comedy\n"
        "2\t\t\t\n"  # nothing: masked
        "3\tHeat\t\tCrime\n"  # partly missing
        "4\tCasino\t1995\t\n"
    )
    (folder / "tiny.user").write_text("user_id:token\tage:token\toccupation:token\n1\t24\ttechnician\n2\t\t\n")
    return tmp_path


def test_missing_fields_and_empty_texts_are_masked_not_fatal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    data_path = _small_dataset(tmp_path)
    base = {"data_path": str(data_path), "feature_cache_dir": str(tmp_path / "cache")}
    config = _config(monkeypatch, "tiny", **base, user_text_template="A {age} year old {occupation}")
    items = api.item_text_table(config)
    assert items.tokens == ("1", "3", "4")
    aligned = items.align(["[PAD]", "1", "2", "3", "4", "5"])
    assert aligned.mask.tolist() == [False, True, False, True, True, False]
    info = api.text_result(config, "item").entry.manifest.info  # type: ignore[union-attr]
    # text_template: auto, built from the file's fields; the missing year is skipped, not rendered empty
    assert info["coverage"] == pytest.approx(3 / 4) and info["examples"]["3"] == "Heat. class: Crime"
    users = api.user_text_table(config)
    assert users is not None and users.tokens == ("1",)  # user 2 has no age and no occupation
    assert api.user_text_table(_config(monkeypatch, "tiny", **base)) is None

    with caplog.at_level(logging.WARNING):
        odd = api.item_text_table(_config(monkeypatch, "tiny", **base, text_template="{movie_title} by {director}"))
    assert odd.tokens == ("1", "3", "4") and "director" in caplog.text
    with caplog.at_level(logging.WARNING):
        nothing = api.item_text_table(_config(monkeypatch, "tiny", **base, text_template="{director}"))
    assert len(nothing) == 0 and nothing.dim == 384
    assert not nothing.align(["[PAD]", "1"]).mask.any()
    assert "NO ITEM HAS TEXT (0% coverage)" in caplog.text and "movie_title" in caplog.text  # names the fields


def test_pooling_and_normalisation_settings_change_entry_and_vectors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = {"data_path": str(_small_dataset(tmp_path)), "feature_cache_dir": str(tmp_path / "cache")}
    mean = api.text_result(_config(monkeypatch, "tiny", **base), "item")
    cls = api.text_result(_config(monkeypatch, "tiny", **base, text_pooling="cls", text_normalize=False), "item")
    assert mean is not None and cls is not None and mean.entry.path != cls.entry.path
    assert not torch.allclose(mean.entry.tensors["item"], cls.entry.tensors["item"])
    assert not torch.allclose(cls.entry.tensors["item"].norm(dim=1), torch.ones(3), atol=1e-3)
    assert cls.entry.manifest.spec.settings["encoder"]["pooling"] == "cls"
