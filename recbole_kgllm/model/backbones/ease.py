"""EASE backbone with a side-information prior (closed form, no gradient training).

EASE (Steck, WWW 2019) learns an item-item matrix ``B`` minimising
``||X - XB||^2 + lambda ||B||^2`` with ``diag(B) = 0``, solved from the Gram matrix
``G = X^T X + lambda I``. Following the side-information linear autoencoders (collective EASE,
Jeunen et al., RecSys 2020 late-breaking results; L3AE, Moon et al., 2025), each item feature
table ``F`` (rows L2-normalised, missing rows zero) is stacked under ``X`` as weighted pseudo-users,
which adds ``alpha_m F_m F_m^T`` to ``G``: items whose KG or text features agree are tied together
even when few users co-interacted, and items with no interactions (cold start) still get
columns of ``B`` through their features.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np
import torch
from torch import Tensor

from recbole_kgllm.errors import ConfigError
from recbole_kgllm.model.backbones.base import Backbone
from recbole_kgllm.model.backbones.ease_sparse import SolverOptions, fit_sparse
from recbole_kgllm.model.sparse_ease.model import SparseItemModel
from recbole_kgllm.model.cold_start import new_item_share
from recbole_kgllm.model.inputs import FeatureNeeds, ModelFeatures, TrainingData
from recbole_kgllm.model.params import KGLLMRecParams

logger = logging.getLogger(__name__)


def ease_closed_form(gram: np.ndarray, reg_weight: float) -> np.ndarray:
    """``B`` of EASE for a Gram matrix ``[I, I]`` (float64 for a stable inverse)."""
    g = gram.astype(np.float64, copy=True)
    g[np.diag_indices_from(g)] += reg_weight
    p = np.linalg.inv(g)
    b = p / (-np.diag(p))
    np.fill_diagonal(b, 0.0)
    return b.astype(np.float32)


def content_similarity(values: Tensor, mask: Tensor, *, center: bool, topk: int) -> Tensor:
    """Item-item cosine similarity ``[I, I]`` of one feature view (rows without it are zero).

    Args:
        values: ``[I, f]`` features; mask: ``[I]`` presence.
        center: subtract the mean of present rows first (frozen LM embeddings share a large
            common direction that makes every pair look similar).
        topk: keep each item's ``topk`` most similar items only (symmetrised); 0 keeps all.
    """
    f = values.double()
    if center and bool(mask.any()):
        f = f - f[mask].mean(dim=0, keepdim=True)
    f = torch.nn.functional.normalize(f, dim=1) * mask.double().unsqueeze(1)
    sim = f @ f.T
    sim = (sim + sim.T) / 2  # exactly symmetric
    sim.fill_diagonal_(0.0)
    if 0 < topk < sim.shape[0]:
        valid = (mask.unsqueeze(0) & mask.unsqueeze(1)).fill_diagonal_(False)
        best = sim.masked_fill(~valid, float("-inf")).topk(topk, dim=1).indices
        keep = torch.zeros_like(valid).scatter_(1, best, True) & valid
        sim = sim * (keep | keep.T)
    return sim


#: Defaults chosen by validation NDCG@10 on ml-100k, seeds 2020 and 2021
#: (``benchmarks/tune_ease_prior.py``; the grid and its results are in ``docs/tuning.md``).
DEFAULT_REG_WEIGHT = 500.0
DEFAULT_PRIOR_WEIGHTS = {"text": 30.0, "kg": 0.0}
DEFAULT_PRIOR_TOPK = 50
#: Chosen on nested cold-start validation splits of ml-100k, seeds 2020-2022, with
#: ``cold_new_share: auto`` (``benchmarks/tune_cold_scale.py``, rule and tables in ``docs/tuning.md``).
DEFAULT_COLD_SCALE = 0.85


def calibrated_cold_columns(
    b: np.ndarray, prior: np.ndarray, *, cold: np.ndarray, factor: float = 1.0, new_share: float = 1.0
) -> np.ndarray:
    """Give items without training interactions content-based columns on the warm scale.

    A cold item's column of ``B`` comes only from the prior and is far smaller than a warm
    item's, so it never reaches a top-k list. A *new* item's column is its prior column (content
    similarity to every item) times one scale, the median ratio of warm items' column L1 norms
    in ``B`` to their prior columns' norms: the content-only path is calibrated to reproduce
    the size of warm items' learned columns. A cold item is new with probability ``new_share``
    and otherwise a rare item that keeps its own column, so the column becomes the expectation
    ``(1 - new_share) * own + new_share * calibrated``. Padding and items without content keep
    theirs.

    Args:
        b: ``[I, I]`` EASE solution; prior: ``[I, I]`` content prior; cold: ``[I]`` bool;
        factor: multiplies the scale (below 1 favours warm items, trading cold recall away);
        new_share: in ``[0, 1]``, see :func:`recbole_kgllm.model.cold_start.new_item_share`
            (0 returns ``b`` unchanged).

    Returns:
        ``[I, I]`` float32, ``b`` with calibrated cold columns.
    """
    prior_norm = np.abs(prior).sum(axis=0)
    has_prior = prior_norm > 0
    warm = ~cold & has_prior
    cold = cold & has_prior
    if not cold.any() or not warm.any() or new_share <= 0.0:
        return b
    scale = factor * float(np.median(np.abs(b[:, warm]).sum(axis=0) / prior_norm[warm]))
    out = b.copy()
    out[:, cold] = ((1.0 - new_share) * b[:, cold] + new_share * scale * prior[:, cold]).astype(np.float32)
    np.fill_diagonal(out, 0.0)
    return out


def _checked_new_share(value: float | str) -> float | str:
    """``cold_new_share`` as given: ``"auto"`` or a number in ``[0, 1]`` (else :class:`ConfigError`)."""
    if isinstance(value, str) and value == "auto":
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0.0 <= float(value) <= 1.0:
        return float(value)
    raise ConfigError(f"backbone_kwargs cold_new_share must be 'auto' or a number in [0, 1], got {value!r}")


class EaseBackbone(Backbone):
    """EASE closed form with a content prior (see the module docstring).

    ``backbone_kwargs``: ``reg_weight`` (float, 500.0): EASE's lambda; ``prior_weights`` (dict
    view name -> float, default ``{"text": 30.0, "kg": 0.0}``): the alpha of each feature view;
    ``prior_center`` (bool, True) and ``prior_topk`` (int, 50): see :func:`content_similarity`;
    ``cold_scale`` (float, 0.85): see :func:`calibrated_cold_columns` (with ``cold_start:
    content_head``); ``cold_new_share`` (``"auto"`` or a float in ``[0, 1]``, ``"auto"``): the
    share of items without training interactions treated as new; ``"auto"`` estimates it from
    the training counts and the split ratio (:func:`recbole_kgllm.model.cold_start.new_item_share`)
    and treats every cold item as new when the split is not a ratio split.
    ``solver`` (``auto``), ``sparse_min_items`` (10000), ``sparse_neighbours`` (200),
    ``sparse_gram_topk`` (400): the sparse path for large catalogues
    (:mod:`recbole_kgllm.model.backbones.ease_sparse`).
    Large alphas with a top-k prior make the Gram matrix indefinite and break the solution
    (see ``docs/tuning.md``).
    """

    name = "ease"
    fit_kind = "closed_form"
    reads = frozenset({"embedding_size", "reg_weight", "use_kg", "use_text", "cold_start", "cold_start_weight"})

    @classmethod
    def feature_needs(cls, params: KGLLMRecParams) -> FeatureNeeds:
        """The enabled views with a non-zero prior weight: a view weighted 0 is never read, so
        its features are not computed (the KG view with the default weights)."""
        weights = params.backbone_kwargs.get("prior_weights")
        weights = DEFAULT_PRIOR_WEIGHTS if weights is None else weights
        weighted = {name for name, alpha in weights.items() if float(alpha) != 0.0}
        views = set()
        for view, wanted in (("kg", params.use_kg), ("text", params.use_text)):
            if wanted and view not in weighted:
                logger.info("item %s view not loaded: backbone '%s' gives it weight 0", view, cls.name)
            elif wanted:
                views.add(view)
        return FeatureNeeds(items=frozenset(views))

    def __init__(self, *, params: KGLLMRecParams, data: TrainingData, features: ModelFeatures) -> None:
        super().__init__(params=params, data=data, features=features)
        options = dict(params.backbone_kwargs)
        self.reg_weight = float(options.pop("reg_weight", DEFAULT_REG_WEIGHT))
        prior_weights = options.pop("prior_weights", None)
        self.prior_weights = dict(DEFAULT_PRIOR_WEIGHTS if prior_weights is None else prior_weights)
        self.prior_center = bool(options.pop("prior_center", True))
        self.prior_topk = int(options.pop("prior_topk", DEFAULT_PRIOR_TOPK))
        self.cold_scale = float(options.pop("cold_scale", DEFAULT_COLD_SCALE))
        self.cold_new_share = _checked_new_share(options.pop("cold_new_share", "auto"))
        solver = SolverOptions.pop_from(options)  # issue 15: solver dispatch (ease_sparse.py)
        self.reject_unknown(self.name, options)
        self.train_share = data.train_share
        #: The new-item share the fit used (``None`` without calibration).
        self.new_share_used: float | None = None
        self.interactions = data.interactions.astype(np.float32)
        views = {name: (view.values, view.mask) for name, view in features.items.items()}
        # --- solver dispatch (issue 15): large catalogues take the sparse path (ease_sparse.py) ---
        self.sparse: SparseItemModel | None = None
        if solver.sparse_for(data.n_items):
            logger.info("ease: sparse solver (%d items, solver=%s)", data.n_items, solver.solver)
            self.sparse = fit_sparse(self, views, solver, calibrate_cold=params.cold_start == "content_head")
            return
        self.register_buffer(
            "item_similarity", self.fit(views, calibrate_cold=params.cold_start == "content_head"), persistent=True
        )

    def fit(self, features: Mapping[str, tuple[Tensor, Tensor]], *, calibrate_cold: bool = True) -> Tensor:
        """``B`` ``[I, I]`` solved with the prior of ``features`` (view -> ``(values [I, f], mask [I])``).

        With ``calibrate_cold``, the column of each item without training interactions is
        replaced by its content similarities rescaled to warm items' scale (see
        :func:`calibrated_cold_columns`), so cold items can reach top-k lists.
        """
        x = self.interactions
        gram = np.asarray((x.T @ x).todense(), dtype=np.float64)
        prior = np.zeros_like(gram)
        for name, (values, mask) in features.items():
            alpha = float(self.prior_weights.get(name, 0.0))
            if alpha == 0.0:
                continue
            sim = content_similarity(values, mask, center=self.prior_center, topk=self.prior_topk)
            prior += alpha * sim.cpu().numpy()
        b = ease_closed_form(gram + prior, self.reg_weight)
        if calibrate_cold:
            counts = np.asarray(x.getnnz(axis=0))
            self.new_share_used = self._new_share(counts[np.abs(prior).sum(axis=0) > 0])
            b = calibrated_cold_columns(
                b, prior, cold=counts == 0, factor=self.cold_scale, new_share=self.new_share_used
            )
        return torch.from_numpy(b)

    def _new_share(self, counts: np.ndarray) -> float:
        """The new-item share for the training counts of the items with content (logged)."""
        if not isinstance(self.cold_new_share, str):
            return self.cold_new_share
        if self.train_share is None:
            logger.info("cold start: cold_new_share 'auto' needs a ratio split (eval_args.split.RS); "
                        "every item without training interactions is treated as new")
            return 1.0
        est = new_item_share(counts, train_share=self.train_share)
        logger.info(
            "cold start: %d items without training interactions, at most %.1f of them rare items left out "
            "by the %.2f training split (%d items seen once): new-item share %.2f",
            est.cold, est.expected, self.train_share, est.singletons, est.share,
        )
        return est.share

    def loss_terms(self, users: Tensor, pos: Tensor, neg: Tensor) -> dict[str, Tensor]:
        raise TypeError("the ease backbone is a closed form fitted when it is built: it has no training loss")

    def full_scores(self, users: Tensor) -> Tensor:
        """``[B, n_items]``: the users' training rows times ``B``, as a sparse-dense product
        (a user's row holds only their interactions, so this costs ``nnz * n_items``, not
        ``B * n_items^2``)."""
        if self.sparse is not None:  # issue 15: the sparse solver scores itself
            return self.sparse.full_scores(users)
        rows = self.interactions[users.cpu().numpy()].tocoo()
        device = self.item_similarity.device
        index = torch.from_numpy(np.vstack([rows.row, rows.col]).astype(np.int64))
        sparse = torch.sparse_coo_tensor(
            index, torch.from_numpy(rows.data), size=rows.shape, device=device, check_invariants=False
        )
        return torch.sparse.mm(sparse, self.item_similarity)
