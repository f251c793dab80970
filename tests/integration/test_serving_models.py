"""recommend equals each model's own full-sort ranking, and exports reproduce it: KGLLMRec with
gradient backbones, KGLLMSeqRec (history as the input sequence) and RecBole's BPR."""
from __future__ import annotations

from pathlib import Path

import pytest
from _serving_data import assert_valid_top_k, make_slice, reference_scores, train

MODELS = {
    "KGLLMRec-mf": ("KGLLMRec", "--backbone=mf", "--use_kg=False"),
    "KGLLMRec-lightgcn": ("KGLLMRec", "--backbone=lightgcn", "--use_kg=False"),
    "KGLLMSeqRec": ("KGLLMSeqRec", "--use_kg=False", "--hidden_size=16", "--inner_size=32", "--n_layers=1",
                    "--n_heads=1", "--MAX_ITEM_LIST_LENGTH=20", "--load_col={'inter': ['user_id', 'item_id', 'timestamp']}"),
    "BPR": ("BPR",),
}


@pytest.fixture(scope="module")
def slice_path(tmp_path_factory: pytest.TempPathFactory, ml100k_source: Path) -> Path:
    return make_slice(ml100k_source, tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module", params=sorted(MODELS))
def trained(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, slice_path: Path,
            feature_cache: Path) -> tuple[Path, tuple]:
    import recbole_kgllm

    model, *settings = MODELS[request.param]
    checkpoint = train(slice_path, tmp_path_factory.mktemp("run"), feature_cache, model, *settings)
    return checkpoint, recbole_kgllm.load_data_and_model(str(checkpoint))


def test_top_k_equals_the_model_ranking_and_reasons_exist(trained: tuple[Path, tuple]) -> None:
    from recbole_kgllm.serving.loading import as_recommender

    _, loaded = trained
    _, model, _, _, valid_data, _ = loaded
    recommender = as_recommender(loaded)
    catalog = recommender.catalog
    uids = catalog.all_user_ids()
    recs = recommender.recommend(catalog.user_tokens[uids].tolist(), 10)
    assert_valid_top_k(recs, reference_scores(model, valid_data, uids), catalog, 10)
    explained = recommender.recommend(catalog.user_tokens[uids[:5]].tolist(), 10, explain=True)
    kinds = {r.kind for user in explained for item in user.items for r in item.reasons}
    assert {"cf", "text"} <= kinds
    assert all(item.reasons for user in explained for item in user.items)


def test_export_reproduces_the_top_k(trained: tuple[Path, tuple], tmp_path: Path) -> None:
    from recbole_kgllm.serving.export import export_checkpoint, load_export
    from recbole_kgllm.serving.loading import as_recommender

    checkpoint, loaded = trained
    manifest = export_checkpoint(checkpoint, tmp_path / "export", features=False)
    assert manifest["kind"] == "dot" and manifest["check"]["identical_top_k_share"] >= 0.99
    live, exported = as_recommender(loaded), load_export(tmp_path / "export")
    users = live.catalog.user_tokens[1:].tolist()
    for a, b in zip(live.recommend(users, 10), exported.recommend(users, 10)):
        assert [i.item for i in a.items] == [i.item for i in b.items] or (
            pytest.approx([i.score for i in a.items], rel=1e-4, abs=1e-5) == [i.score for i in b.items]
        )
