"""Export for serving: what a serving system needs, in safetensors plus token files and a JSON
manifest, and a :class:`Recommender` that runs from it without RecBole's dataset objects.

Folder layout::

    manifest.json                 format, model, dataset, kind, shapes, neighbours, the export check
    users.txt items.txt titles.txt   one token / title per line, line n = internal id n (0: [PAD])
    history.safetensors           training history CSR: indptr [U+1], indices [nnz]
    model.safetensors             kind item_item: B dense (item_item [I, I]) when exact, else
                                  its sparsified rows as CSR (indptr, indices int32, data);
                                  kind dot: users [U, d], items [I, d]
    text.safetensors              (optional) centred unit text embeddings [I, d], mask [I]
    kg.safetensors, kg_entities.txt, kg_relations.txt   (optional) triples [N, 3], item_entity [I]

``item_item`` keeps, per row ``h`` of ``B``, the ``neighbours`` entries largest in absolute value;
with ``neighbours`` 0 (up to :data:`AUTO_EXACT_ITEMS` items) or at least ``I``, ``B`` is stored
dense and exactly, which reproduces the model's scores up to float32 summation order. The manifest records how well the export reproduces the
checkpoint's top-10 on a sample of users, measured at export time.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
import torch
from torch import Tensor

from recbole_kgllm.errors import ExportError
from recbole_kgllm.serving.catalog import Catalog
from recbole_kgllm.serving.reasons import Explainer, KGView, TextView
from recbole_kgllm.serving.topk import Recommender, masked_top_k

FORMAT = "recbole-kgllm-export/1"
#: ``neighbours`` 0 keeps B exactly up to this many items; larger catalogues keep this many per row.
AUTO_EXACT_ITEMS, AUTO_NEIGHBOURS = 5000, 500
CHECK_USERS, CHECK_K = 1000, 10


def sparsify_rows(b: np.ndarray, neighbours: int) -> sp.csr_matrix:
    """``b`` ``[I, I]`` as CSR keeping each row's ``neighbours`` largest-magnitude entries
    (every non-zero entry when ``neighbours`` is 0 or >= I)."""
    n = b.shape[1]
    if neighbours <= 0 or neighbours >= n:
        return sp.csr_matrix(b)
    keep = np.argpartition(-np.abs(b), neighbours - 1, axis=1)[:, :neighbours]
    rows = np.repeat(np.arange(b.shape[0]), neighbours)
    values = b[rows, keep.reshape(-1)]
    out = sp.csr_matrix((values, (rows, keep.reshape(-1))), shape=b.shape)
    out.eliminate_zeros()
    return out


class ExportScorer:
    """Scores from an export's tensors (same contract as :class:`.model_access.ModelAccess`)."""

    def __init__(self, kind: str, tensors: dict[str, Tensor], catalog: Catalog) -> None:
        self.kind, self.catalog = kind, catalog
        if kind == "item_item":
            n = catalog.n_items
            if "item_item" in tensors:  # exact: dense [I, I]
                self.b = tensors["item_item"].numpy()
            else:
                self.b = sp.csr_matrix((tensors["data"].numpy(), tensors["indices"].numpy(), tensors["indptr"].numpy()), shape=(n, n))
            self.cf_kind, self.name = "weight", "export_item_item"
        else:
            self.users, self.items = tensors["users"], tensors["items"]
            self.unit = torch.nn.functional.normalize(self.items, dim=1).numpy()
            self.cf_kind, self.name = "similarity", "export_dot"

    def scores(self, uids: np.ndarray) -> Tensor:
        """``[B, I]`` scores of the users ``[B]``."""
        if self.kind == "item_item":
            scores = self.catalog.history[uids] @ self.b
            return torch.from_numpy(np.asarray(scores.todense() if sp.issparse(scores) else scores, dtype=np.float32))
        return self.users[torch.as_tensor(uids)] @ self.items.T

    def cf_evidence(self, uid: int, items: np.ndarray, history: np.ndarray) -> Tensor | None:
        """Contributions ``B[h, i] * x_uh`` or cosine similarities, ``[k, h]``."""
        if len(history) == 0:
            return None
        if self.kind == "item_item":
            weights = np.asarray(self.catalog.history[uid][:, history].todense(), dtype=np.float32).reshape(-1, 1)
            block = self.b[history][:, items] if sp.issparse(self.b) else self.b[np.ix_(history, items)]
            block = np.asarray(block.todense() if sp.issparse(block) else block, dtype=np.float32) * weights
            return torch.from_numpy(block.T.copy())
        return torch.from_numpy(self.unit[items] @ self.unit[history].T)


def _write_lines(path: Path, values: Any) -> None:
    path.write_text("".join(str(v).replace("\n", " ").replace("\r", " ") + "\n" for v in values), encoding="utf-8")


def _read_lines(path: Path) -> np.ndarray:
    return np.asarray(path.read_text(encoding="utf-8").split("\n")[:-1], dtype=object)


def _model_tensors(access: Any, neighbours: int) -> tuple[str, dict[str, Tensor], int | None]:
    reps = access.representations()
    if reps.kind == "dot":
        return "dot", reps.tensors, None
    b = reps.tensors["item_item"].numpy()
    kept = neighbours if neighbours > 0 else (0 if b.shape[0] <= AUTO_EXACT_ITEMS else AUTO_NEIGHBOURS)
    if not 0 < kept < b.shape[0]:
        return "item_item", {"item_item": torch.from_numpy(np.ascontiguousarray(b, dtype=np.float32))}, None
    csr = sparsify_rows(b, kept)
    csr.sort_indices()
    tensors = {"indptr": torch.from_numpy(csr.indptr.astype(np.int64)), "indices": torch.from_numpy(csr.indices.astype(np.int32)),
               "data": torch.from_numpy(csr.data.astype(np.float32))}
    return "item_item", tensors, kept


def _check(live: Recommender, exported: ExportScorer, catalog: Catalog) -> dict[str, Any]:
    """How the export's top-10 compares with the live model's on a fixed sample of users."""
    uids = catalog.all_user_ids()
    uids = uids[np.linspace(0, len(uids) - 1, min(CHECK_USERS, len(uids))).astype(np.int64)] if len(uids) else uids
    same = overlap = 0.0
    max_diff = 0.0
    for start in range(0, len(uids), 256):
        batch = uids[start : start + 256]
        live_scores = live.scorer.scores(batch)
        export_scores = exported.scores(batch)
        history = catalog.history[batch]
        max_diff = max(max_diff, float((live_scores - export_scores).abs().max()))
        _, a = masked_top_k(live_scores, history, CHECK_K, keep_history=False)
        _, b = masked_top_k(export_scores, history, CHECK_K, keep_history=False)
        same += float((a == b).all(dim=1).sum())
        overlap += sum(len(set(x) & set(y)) / CHECK_K for x, y in zip(a.tolist(), b.tolist()))
    n = max(len(uids), 1)
    return {"users": int(len(uids)), "k": CHECK_K, "identical_top_k_share": same / n,
            "mean_top_k_overlap": overlap / n, "max_abs_score_difference": max_diff}


def export_checkpoint(
    checkpoint: str | Path, out: str | Path, *, neighbours: int = 0, features: bool = True, trust_checkpoint: bool = False,
) -> dict[str, Any]:
    """Write the export of ``checkpoint`` into ``out`` and return its manifest.

    Args:
        neighbours: item-item entries kept per row (0: exact up to :data:`AUTO_EXACT_ITEMS`
            items, else :data:`AUTO_NEIGHBOURS`); features: also export KG and text views so
            ``--explain`` works from the export; trust_checkpoint: unpickle without the
            allow-list (``docs/reliability.md``).
    """
    from safetensors.torch import save_file

    from recbole_kgllm import load_data_and_model
    from recbole_kgllm.serving.loading import live_kg_view, live_parts, live_text_view

    out = Path(out)
    if out.exists() and any(out.iterdir()) and not (out / "manifest.json").is_file():
        raise ExportError(f"export folder {out} exists and is not an export: choose an empty or new folder")
    config, model, dataset, train_data, _, _ = load_data_and_model(str(checkpoint), trust_checkpoint=trust_checkpoint)
    parts = live_parts(config, model, dataset, train_data)
    catalog = parts.catalog
    kind, tensors, kept = _model_tensors(parts.access, neighbours)
    out.mkdir(parents=True, exist_ok=True)
    for name, values in (("users.txt", catalog.user_tokens), ("items.txt", catalog.item_tokens), ("titles.txt", catalog.titles)):
        _write_lines(out / name, values)
    history = catalog.history
    save_file({"indptr": torch.from_numpy(history.indptr.astype(np.int64)),
               "indices": torch.from_numpy(history.indices.astype(np.int64))}, str(out / "history.safetensors"))
    save_file(tensors, str(out / "model.safetensors"))
    files = ["users.txt", "items.txt", "titles.txt", "history.safetensors", "model.safetensors"]
    if features:
        files += _export_features(out, config, catalog, live_kg_view, live_text_view)
    live = Recommender(catalog, parts.access, explainer=None, info={})
    check = _check(live, ExportScorer(kind, tensors, catalog), catalog)
    if kind == "dot" and check["identical_top_k_share"] < 0.99:
        raise ExportError(f"{type(model).__name__}: its user/item representations do not reproduce its scores ({check})")
    manifest = {
        "format": FORMAT, "model": type(model).__name__, "dataset": str(config["dataset"]),
        "checkpoint": str(checkpoint), "created": time.strftime("%Y-%m-%dT%H:%M:%S"), "kind": kind,
        "n_users": catalog.n_users, "n_items": catalog.n_items, "neighbours": kept,
        "exact": kept is None, "files": files, "check": check,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def _export_features(out: Path, config: Any, catalog: Catalog, kg_view: Any, text_view: Any) -> list[str]:
    from safetensors.torch import save_file

    files = []
    text: TextView | None = text_view(config, catalog)
    if text is not None:
        save_file({"unit": text.unit.contiguous(), "mask": text.mask.to(torch.uint8)}, str(out / "text.safetensors"))
        files.append("text.safetensors")
    kg: KGView | None = kg_view(config, catalog)
    if kg is not None:
        save_file({"triples": torch.from_numpy(np.ascontiguousarray(kg.index.triples)),
                   "item_entity": torch.from_numpy(kg.item_entity)}, str(out / "kg.safetensors"))
        _write_lines(out / "kg_entities.txt", kg.entity_tokens)
        _write_lines(out / "kg_relations.txt", kg.relation_tokens)
        files += ["kg.safetensors", "kg_entities.txt", "kg_relations.txt"]
    return files


def load_export(folder: str | Path) -> Recommender:
    """A :class:`Recommender` from an export folder (no RecBole objects involved)."""
    from safetensors.torch import load_file

    from recbole_kgllm.serving.kg_paths import KGIndex

    folder = Path(folder)
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        raise ExportError(f"{folder} is not an export: manifest.json missing (make one with 'recbole-kgllm export')")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise ExportError(f"{manifest_path}: unknown format {manifest.get('format')!r}, expected {FORMAT}")
    items = _read_lines(folder / "items.txt")
    history_t = load_file(str(folder / "history.safetensors"))
    indptr, indices = history_t["indptr"].numpy(), history_t["indices"].numpy()
    users = _read_lines(folder / "users.txt")
    history = sp.csr_matrix((np.ones(len(indices), dtype=np.float32), indices, indptr), shape=(len(users), len(items)))
    catalog = Catalog(user_tokens=users.astype(str), item_tokens=items.astype(str),
                      titles=_read_lines(folder / "titles.txt"), history=history)
    scorer = ExportScorer(manifest["kind"], load_file(str(folder / "model.safetensors")), catalog)

    def explainer() -> Explainer:
        text = kg = None
        if (folder / "text.safetensors").is_file():
            t = load_file(str(folder / "text.safetensors"))
            text = TextView(unit=t["unit"], mask=t["mask"].bool())
        if (folder / "kg.safetensors").is_file():
            k = load_file(str(folder / "kg.safetensors"))
            entities = _read_lines(folder / "kg_entities.txt")
            kg = KGView(index=KGIndex(k["triples"].numpy(), len(entities)), entity_tokens=entities,
                        relation_tokens=_read_lines(folder / "kg_relations.txt"), item_entity=k["item_entity"].numpy())
        return Explainer(catalog, cf=scorer.cf_evidence, cf_kind=scorer.cf_kind, kg=kg, text=text)

    info = {"model": manifest["model"], "dataset": manifest["dataset"], "source": str(folder),
            "scorer": scorer.name, "n_users": catalog.n_users - 1, "n_items": catalog.n_items - 1,
            "exact": manifest.get("exact"), "neighbours": manifest.get("neighbours")}
    return Recommender(catalog, scorer, explainer=explainer, info=info)


__all__ = ["ExportScorer", "export_checkpoint", "load_export", "sparsify_rows"]
