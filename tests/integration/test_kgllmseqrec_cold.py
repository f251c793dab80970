"""KGLLMSeqRec recommends an item that never occurs in training through its text view.

Toy sequences in two themes: each user's history stays within one theme (item ids 1-12 or
13-24). Two new items, one per theme, occur only as the last (test) interaction of one user
each, so no training sequence contains them. Their text matches their theme (synthetic text
vectors: each theme's centre plus noise). After training, the new item of a theme must rank
above a random item for the users of that theme, above nearly all items of the other theme,
and higher than for the other theme's users. SASRec, whose ID rows of the new items were only
ever negatives, ranks them below a random item.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from recbole_kgllm.model.inputs import FeatureView, ModelFeatures
from recbole_kgllm.recbole_integration import pipeline
from recbole_kgllm.recbole_integration.dataset_facts import item_tokens
from recbole_kgllm.recbole_integration.model_lookup import resolve_model

THEMES = {"a": [str(i) for i in range(1, 13)], "b": [str(i) for i in range(13, 25)]}
NEW = {"a": "100", "b": "200"}
USERS_PER_THEME = 30


def write_toy(root: Path) -> Path:
    """``root/toyseq/toyseq.inter``: 30 users per theme, 8 interactions each in time order; user
    ``a0``'s and ``b0``'s last item is their theme's new item."""
    rng = torch.Generator().manual_seed(0)
    lines = ["user_id:token\titem_id:token\ttimestamp:float"]
    for theme, items in THEMES.items():
        for u in range(USERS_PER_THEME):
            picks = torch.randperm(len(items), generator=rng)[:8].tolist()
            seq = [items[p] for p in picks]
            if u == 0:
                seq[-1] = NEW[theme]
            lines += [f"{theme}{u}\t{item}\t{t}" for t, item in enumerate(seq)]
    folder = root / "toyseq"
    folder.mkdir(parents=True)
    (folder / "toyseq.inter").write_text("\n".join(lines) + "\n")
    return root


def text_features(tokens: list[str]) -> ModelFeatures:
    """A 16-dim "text" view: each theme's centre plus noise (the new items included)."""
    g = torch.Generator().manual_seed(1)
    centres = {"a": torch.randn(16, generator=g) * 2, "b": torch.randn(16, generator=g) * 2}
    theme_of = {i: t for t, items in THEMES.items() for i in items} | {v: k for k, v in NEW.items()}
    values = torch.zeros(len(tokens), 16)
    mask = torch.zeros(len(tokens), dtype=torch.bool)
    for row, token in enumerate(tokens):
        if token in theme_of:
            values[row] = centres[theme_of[token]] + 0.3 * torch.randn(16, generator=g)
            mask[row] = True
    return ModelFeatures(items={"text": FeatureView(values=values, mask=mask)})


def rank_of_new_items(data_path: Path, tmp_path: Path, model_name: str = "KGLLMSeqRec", **settings: object) -> dict[tuple[str, str], tuple[float, float]]:
    """Train on the toy set; for the test users of each theme and each theme's new item: the
    share of all items it outranks, and the share of the *other* theme's items it outranks
    (means over the users)."""
    config = pipeline.start(model_name, "toyseq", config_dict={
        "data_path": str(data_path), "eval_args": {"order": "TO", "split": {"LS": "valid_and_test"}, "group_by": "user", "mode": "full"},
        "load_col": {"inter": ["user_id", "item_id", "timestamp"]}, "hidden_size": 16, "inner_size": 32, "n_layers": 1,
        "n_heads": 1, "hidden_dropout_prob": 0.1, "attn_dropout_prob": 0.1, "epochs": 15, "learning_rate": 0.01,
        "train_batch_size": 64, "eval_batch_size": 1000, "stopping_step": 100, "seed": 7,
        "checkpoint_dir": str(tmp_path / "saved"), "show_progress": False, "valid_metric": "NDCG@10",
        "validate_data": False,  # no .item file: the text vectors are handed to the model directly
        **settings,
    }, log=False)
    data = pipeline.load_data(config)
    tokens = item_tokens(data.train_dataset)
    features = text_features(tokens) if model_name == "KGLLMSeqRec" else None
    model = pipeline.build_model(config, data.train_dataset, resolve_model(model_name), features)
    trainer = pipeline.build_trainer(config, model)
    pipeline.fit(trainer, data, saved=False)
    model.eval()
    users = data.test._dataset
    columns = {theme: torch.tensor([tokens.index(i) for i in items]) for theme, items in THEMES.items()}
    out: dict[tuple[str, str], list[tuple[float, float]]] = {}
    with torch.no_grad():
        for interaction, _history, _pu, _pi in data.test:
            scores = model.full_sort_predict(interaction).view(len(interaction), -1)
            user_tokens = users.id2token(users.uid_field, interaction[users.uid_field].numpy())
            for row, user in enumerate(user_tokens):
                for theme, new in NEW.items():
                    score = scores[row, tokens.index(new)]
                    other = columns["b" if theme == "a" else "a"]
                    overall = float((scores[row, 1:] < score).float().mean())
                    out.setdefault((user[0], theme), []).append((overall, float((scores[row, other] < score).float().mean())))
    return {key: (sum(v[0] for v in vs) / len(vs), sum(v[1] for v in vs) / len(vs)) for key, vs in out.items()}


@pytest.mark.integration
def test_a_never_seen_item_is_recommended_through_its_text(in_tmp: Path, fresh_plugins: None, tmp_path: Path) -> None:
    data_path = write_toy(tmp_path / "data")
    result = rank_of_new_items(data_path, tmp_path, use_kg=False)
    n_items = 2 * len(THEMES["a"]) + len(NEW)
    random_item = (n_items - 1) / (2 * n_items)  # expected share of items a random item outranks
    for theme, other in (("a", "b"), ("b", "a")):
        overall, above_other_theme = result[(theme, theme)]
        assert overall > random_item, result
        assert above_other_theme > 0.9, result  # it outranks the other theme's items: the text decides
        assert overall > result[(other, theme)][0], result
    sasrec = rank_of_new_items(data_path, tmp_path, "SASRec")  # ID only: the new items were only ever negatives
    for theme in THEMES:
        assert sasrec[(theme, theme)][0] < random_item < result[(theme, theme)][0], (sasrec, result)
