"""A small slice of ml-100k (made at test time) and checkpoints trained on it, shared by the
serving tests."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

SLICE = "ml-serve-slice"
N_USERS = 120


def make_slice(source: Path, folder: Path, n_users: int = N_USERS) -> Path:
    """The first ``n_users`` users of ml-100k with their items, titles, links and the KG
    triples touching those items (written under ``folder / SLICE``). Returns ``folder``."""
    out = folder / SLICE
    out.mkdir(parents=True)
    header, *rows = (source / "ml-100k.inter").read_text().splitlines()
    users = sorted({r.split("\t")[0] for r in rows}, key=int)[:n_users]
    wanted = set(users)
    kept = [r for r in rows if r.split("\t")[0] in wanted]
    items = {r.split("\t")[1] for r in kept}
    (out / f"{SLICE}.inter").write_text("\n".join([header, *kept]) + "\n")
    item_header, *item_rows = (source / "ml-100k.item").read_text(encoding="utf-8", errors="replace").splitlines()
    (out / f"{SLICE}.item").write_text("\n".join([item_header, *[r for r in item_rows if r.split("\t")[0] in items]]) + "\n")
    link_header, *link_rows = (source / "ml-100k.link").read_text().splitlines()
    links = [r for r in link_rows if r.split("\t")[0] in items]
    (out / f"{SLICE}.link").write_text("\n".join([link_header, *links]) + "\n")
    entities = {r.split("\t")[1] for r in links}
    kg_header, *kg_rows = (source / "ml-100k.kg").read_text().splitlines()
    kg = [r for r in kg_rows if r.split("\t")[0] in entities or r.split("\t")[2] in entities]
    (out / f"{SLICE}.kg").write_text("\n".join([kg_header, *kg]) + "\n")
    return folder


def train(data_path: Path, workdir: Path, cache: Path, model: str, *settings: str) -> Path:
    """Train ``model`` on the slice (one epoch) through ``run_recbole``; returns its checkpoint."""
    from recbole_kgllm import cli
    from recbole_kgllm.plugins import reset_plugins

    saved = workdir / "saved"
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(workdir)
        mp.setattr(sys, "argv", ["pytest"])
        reset_plugins()
        code = cli.run_recbole_main([
            f"--model={model}", f"--dataset={SLICE}", f"--data_path={data_path}", f"--checkpoint_dir={saved}",
            f"--feature_cache_dir={cache}", "--epochs=1", "--show_progress=False", "--eval_batch_size=100000",
            *settings,
        ])
    assert code == 0
    (checkpoint,) = saved.glob(f"{model}-*.pth")
    return checkpoint


def reference_scores(model: object, valid_data: object, uids: "np.ndarray") -> "torch.Tensor":
    """The model's ``full_sort_predict`` ``[len(uids), I]`` on RecBole's own evaluation input:
    the user ids (general models) or the validation rows' sequences, which RecBole built from
    the training items (sequential models), with RecBole's training-history mask applied."""
    import numpy as np
    import torch
    from recbole.data.interaction import Interaction
    from recbole.utils import ModelType

    model.eval()  # type: ignore[attr-defined]
    data = valid_data._dataset  # type: ignore[attr-defined]
    uid_field = data.uid_field
    with torch.no_grad():
        if model.type == ModelType.SEQUENTIAL:  # type: ignore[attr-defined]
            feat = data.inter_feat
            row_of = {int(u): i for i, u in enumerate(feat[uid_field].tolist())}
            rows = torch.as_tensor([row_of[int(u)] for u in uids])
            scores = model.full_sort_predict(feat[rows])  # type: ignore[attr-defined]
        else:
            scores = model.full_sort_predict(Interaction({uid_field: torch.as_tensor(uids)}))  # type: ignore[attr-defined]
            scores = scores.reshape(len(uids), -1).clone()
            for row, uid in enumerate(uids.tolist()):
                scores[row, valid_data.uid2history_item[uid]] = float("-inf")  # type: ignore[attr-defined]
    scores = scores.reshape(len(uids), -1).clone().float()
    scores[:, 0] = float("-inf")
    return scores


def assert_valid_top_k(recs: list, reference: "torch.Tensor", catalog: object, k: int) -> None:
    """Each user's items are a top-``k`` of ``reference`` (ties allowed) with none from the
    training history: our score of every item equals the reference score, and our scores are
    the reference's k best."""
    import torch

    for row, user in enumerate(recs):
        uid = int(catalog.user_ids([user.user])[0])  # type: ignore[attr-defined]
        ref = reference[row].clone()
        ref[torch.as_tensor(catalog.history_of(uid), dtype=torch.int64)] = float("-inf")  # type: ignore[attr-defined]
        ids = [int(catalog.item_tokens.tolist().index(i.item)) for i in user.items]  # type: ignore[attr-defined]
        ours = torch.tensor([i.score for i in user.items])
        assert len(ids) == k
        assert not set(ids) & set(catalog.history_of(uid).tolist())  # type: ignore[attr-defined]
        torch.testing.assert_close(ours, ref[ids], rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(ours, torch.topk(ref, k).values, rtol=1e-4, atol=1e-5)
