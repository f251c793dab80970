"""EASE backbone with knowledge priors whose weights are chosen on the user's own data.

EASE (Steck, WWW 2019) solves an item-item matrix ``B`` in closed form from the Gram matrix
(:mod:`ease_solve`). Each knowledge view is an item-item prior added to the Gram matrix,
``G + sum_m w_m lambda S_m`` (collective EASE, :mod:`ease_priors`): the frozen text embedding, the
KG's item-entity incidence, the PyKEEN KG embedding and the learned content path, which fuses
those views with the ``fusion`` strategy and is trained by the ``distiller`` to reproduce the
collaborative teacher (:mod:`recbole_kgllm.model.content_path`). Items without training
interactions get calibrated content columns (:mod:`ease_cold`).

Every weight the config leaves unset (lambda, the two regularisation refinements, each prior's
weight, the cold-start scale) is chosen when the model is built, on an inner split of the
training interactions (:mod:`ease_search`; never RecBole's validation or test parts); weight 0 is
always a candidate. The model is then refitted on every training interaction. The log lists
every candidate's inner NDCG@10 and the choice; :attr:`EaseBackbone.weights` and the persistent
buffer ``chosen_weights`` (:data:`CHOICE_KEYS`) carry it into the checkpoint.

Large catalogues (``solver: auto`` from ``sparse_min_items`` items, or ``solver: sparse``) take
the sparse path (:mod:`ease_sparse`, issue 15): the search needs dense inner solves and does not
run there; unset weights take :data:`~ease_sparse.SPARSE_DEFAULTS`, and the log says so.
"""
from __future__ import annotations

import logging
import time
from dataclasses import replace

import numpy as np
import torch
from torch import Tensor

from recbole_kgllm.model.backbones.base import Backbone
from recbole_kgllm.model.backbones.ease_cold import (
    GroupShare,
    calibrated_cold_columns,
    content_groups,
    estimated_new_items,
    new_item_shares,
    significant_share,
)
from recbole_kgllm.model.backbones.ease_inner import inner_split
from recbole_kgllm.model.backbones.ease_options import INNER_EVIDENCE, PRIOR_VIEWS, EaseOptions
from recbole_kgllm.model.backbones.ease_priors import add_prior
from recbole_kgllm.model.backbones.ease_search import (
    ColdSearch,
    SearchOptions,
    SearchRecord,
    WeightSearch,
    Weights,
    weighted_prior,
)
from recbole_kgllm.model.backbones.ease_sparse import SPARSE_DEFAULTS, SparseWeights, fit_sparse
from recbole_kgllm.model.backbones.ease_solve import ease_solve, gram_matrix, item_reg_weights, row_weights
from recbole_kgllm.model.backbones.ease_users import USER_VIEW, UserSide, augmented_gram
from recbole_kgllm.model.backbones.ease_views import PriorView, content_prior, frozen_views
from recbole_kgllm.model.inputs import FeatureNeeds, ModelFeatures, TrainingData
from recbole_kgllm.model.params import KGLLMRecParams
from recbole_kgllm.model.sparse_ease.model import SparseItemModel

logger = logging.getLogger(__name__)

#: Order of the values in the ``chosen_weights`` buffer (NaN: the view was not available).
CHOICE_KEYS = ("reg_weight", "user_weight", "diag_weight", *(f"prior:{v}" for v in PRIOR_VIEWS), "cold_scale")
#: Cold-start searches need at least this many estimated new items.
MIN_NEW_ITEMS = 3


class EaseBackbone(Backbone):
    """EASE with knowledge priors and a weight search (see the module docstring).

    ``backbone_kwargs``: see :class:`~recbole_kgllm.model.backbones.ease_options.EaseOptions`
    and ``docs/models.md``.
    """

    name = "ease"
    fit_kind = "closed_form"
    reads = frozenset({
        "embedding_size", "reg_weight", "use_kg", "use_text", "cold_start", "cold_start_weight",
        "fusion", "fusion_kwargs", "distiller", "distiller_kwargs", "projector", "use_user_text",
    })

    @classmethod
    def feature_needs(cls, params: KGLLMRecParams) -> FeatureNeeds:
        """The enabled views whose weight is not fixed to 0 (a view fixed to 0 is off: neither
        its prior nor the content path reads it, so it is not computed). With ``solver: sparse``
        the views with a non-zero fixed weight (``auto`` cannot know the catalogue's size here)."""
        options = EaseOptions.from_kwargs(params.backbone_kwargs)
        if options.solver.solver == "sparse":  # fixed weights (SPARSE_DEFAULTS): only views with one
            wanted = {"text": params.use_text, "kg": params.use_kg}
            views = {v for v, on in wanted.items() if on and options.prior_weights.get(v, SPARSE_DEFAULTS.get(v, 0.0))}
            return FeatureNeeds(items=frozenset(views), users=frozenset(), item_entities=False)
        items = set()
        for view, wanted in (("text", params.use_text), ("kg", params.use_kg)):
            if wanted and options.prior_maybe_used(view):
                items.add(view)
            elif wanted:
                logger.info("item %s view not loaded: backbone 'ease' gives it weight 0", view)
        entities = params.use_kg and options.prior_maybe_used("entities")
        users = frozenset({"text"}) if params.use_user_text and options.prior_maybe_used(USER_VIEW) else frozenset()
        return FeatureNeeds(items=frozenset(items), users=users, item_entities=entities)

    def __init__(self, *, params: KGLLMRecParams, data: TrainingData, features: ModelFeatures) -> None:
        super().__init__(params=params, data=data, features=features)
        clock = time.perf_counter()
        self.options = options = EaseOptions.from_kwargs(params.backbone_kwargs)
        self.params = params
        self.seed = int(options.search_seed if options.search_seed is not None else torch.initial_seed() % 2**31)
        self.interactions = data.interactions.astype(np.float32)
        self.train_share = data.train_share
        self.search_record: SearchRecord | None = None
        self.content_vectors: Tensor | None = None
        #: The sparse solver's model (large catalogues), else ``None``.
        self.sparse: SparseItemModel | None = None
        if options.solver.sparse_for(self.n_items):
            self._fit_sparse(params, features)
            self.fit_seconds = time.perf_counter() - clock
            logger.info("EASE backbone (sparse solver) fitted in %.1f s: %s", self.fit_seconds, self.weights.describe())
            return
        self.views = frozen_views(features, options, seed=self.seed)
        self.masks = {name: view.mask for name, view in self.views.items()}
        self.priors = {name: view.prior for name, view in self.views.items()}
        user_view = features.users.get("text")
        self.users = UserSide.build(user_view, self.interactions, seed=self.seed) if user_view is not None else None
        counts = data.item_counts()
        groups, labels = content_groups(self.masks, self.n_items)
        fixed_share = None if options.cold_new_share == "auto" else float(options.cold_new_share)
        self.new_shares, report = new_item_shares(counts, groups, labels, train_share=data.train_share, fixed=fixed_share)
        _log_groups(report)
        cold_on = params.cold_start == "content_head"
        self.new_share_used = _mean_share(self.new_shares, counts) if cold_on else None
        self.weights = self._choose(params, features, counts, groups, labels, cold_on)
        b, user_rows = self._final_fit(counts, cold_on)
        self.register_buffer("item_similarity", torch.from_numpy(b.astype(np.float32)), persistent=True)
        # With user text: the users' feature columns [U, r] and their rows of B [r, I] (else None).
        features, rows = user_rows if user_rows is not None else (None, None)
        for name, value in (("user_features", features), ("user_feature_similarity", rows)):
            self.register_buffer(name, None if value is None else torch.from_numpy(value.astype(np.float32)), persistent=True)
        available = set(self.priors) | ({USER_VIEW} if self.users else set())
        self.register_buffer("chosen_weights", self._choice_tensor(available), persistent=True)
        self.fit_seconds = time.perf_counter() - clock
        logger.info("EASE backbone fitted in %.1f s: %s", self.fit_seconds, self.weights.describe())

    # ----- the sparse path (large catalogues) ------------------------------------------

    def _fit_sparse(self, params: KGLLMRecParams, features: ModelFeatures) -> None:
        """Fit ``B`` with the sparse solver and fixed weights (the config's, else
        :data:`SPARSE_DEFAULTS`)."""
        o = self.options
        views = {name: (view.values, view.mask) for name, view in features.items.items()}
        priors = {v: float(o.prior_weights.get(v, SPARSE_DEFAULTS.get(v, 0.0))) for v in views}
        weights = SparseWeights(
            reg_weight=o.reg_weight if o.reg_weight is not None else SPARSE_DEFAULTS["reg_weight"],
            priors=priors, cold_scale=o.cold_scale if o.cold_scale is not None else SPARSE_DEFAULTS["cold_scale"],
            prior_topk=o.prior_topk, prior_center=o.prior_center,
        )
        logger.warning(
            "ease: sparse solver for %d items (solver=%s); the weight search needs the dense solver and does not run, "
            "weights: %s", self.n_items, o.solver.solver, weights.describe(),
        )
        new_share = self._sparse_new_share if params.cold_start == "content_head" else None
        self.sparse, self.new_share_used = fit_sparse(self.interactions, views, weights, o.solver, new_share=new_share)
        self.weights = Weights(reg_weight=weights.reg_weight, priors=priors, cold_scale=weights.cold_scale)
        self.register_buffer("chosen_weights", self._choice_tensor(set(priors)), persistent=True)

    def _sparse_new_share(self, counts: np.ndarray) -> float:
        """The new-item share of the cold items among ``counts`` (items with a prior)."""
        if self.options.cold_new_share != "auto":
            return float(self.options.cold_new_share)
        if self.train_share is None:
            return 1.0
        return significant_share(counts, self.train_share)

    # ----- choosing the weights -------------------------------------------------------

    def _choose(
        self, params: KGLLMRecParams, features: ModelFeatures, counts: np.ndarray, groups: np.ndarray,
        labels: list[tuple[str, ...]], cold_on: bool,
    ) -> Weights:
        o = self.options
        fixed_priors = {v: o.prior_weights.get(v, 0.0) for v in PRIOR_VIEWS}
        start = Weights(
            reg_weight=o.value("reg_weight"), user_weight=o.value("user_weight"), diag_weight=o.value("diag_weight"),
            priors=fixed_priors, cold_scale=o.value("cold_scale"),
        )
        content = _content_on(o, params) and bool(self.masks)
        free = [k for k in ("reg_weight", "user_weight", "diag_weight") if o.free(k)]
        available = set(self.priors) | ({"content"} if content else set()) | ({USER_VIEW} if self.users else set())
        free += [f"prior:{v}" for v in PRIOR_VIEWS if not o.prior_fixed(v) and v in available]
        new_items = estimated_new_items(self.new_shares, counts)
        cold_search = cold_on and o.free("cold_scale") and new_items >= MIN_NEW_ITEMS and bool(self.priors or content)
        if cold_search:
            free.append("cold_scale")
        if not free:
            if content:
                self._add_content(params, gram_matrix(self.interactions))
            return start
        held = self._held_items(counts, new_items) if cold_search else None
        split = inner_split(self.interactions, share=o.search_share, seed=self.seed, held_items=held, max_users=o.search_users)
        n_folds = o.search_folds if isinstance(o.search_folds, int) else int(
            min(5, max(1, np.ceil(INNER_EVIDENCE / max(1, split.valid.nnz))))
        )
        splits = [split] + [
            inner_split(self.interactions, share=o.search_share, seed=self.seed + 7919 * k, held_items=held,
                        max_users=o.search_users)
            for k in range(1, n_folds)
        ]
        logger.info(
            "weight search: %d inner split(s) of the training interactions (seed %d): %d of %d to inner validation, "
            "%d items held out entirely, %d users scored; free: %s",
            n_folds, self.seed, split.valid.nnz, self.interactions.nnz, len(split.held_items),
            sum(len(s.users) for s in splits), ", ".join(free),
        )
        if content:
            self._add_content(params, gram_matrix(split.train))
        cold = None
        if cold_search:
            inner_counts = np.asarray(split.train.getnnz(axis=0))
            p_in = None if self.train_share is None else self.train_share * (1.0 - o.search_share)
            fixed_share = None if o.cold_new_share == "auto" else float(o.cold_new_share)
            shares, _ = new_item_shares(inner_counts, groups, labels, train_share=p_in, fixed=fixed_share)
            cold = ColdSearch(cold=inner_counts == 0, shares=shares, sources=dict(self.priors), reach=o.cold_reach,
                              max_loss=o.cold_max_loss, real_cold=counts == 0, real_shares=self.new_shares)
        ratio = float(np.mean([s.nnz_ratio for s in splits]))
        start = replace(start, reg_weight=start.reg_weight / ratio)
        search = WeightSearch(splits, self.priors, start, free, options=SearchOptions(z=o.search_z), cold=cold,
                              users=self.users)
        chosen, score = search.run()
        self.search_record = search.record
        logger.info(
            "weight search: %d candidates, %d solves, %.1f s; chosen (inner NDCG@10 %s): %s; reg_weight x %.3f for "
            "the full training data", len(search.record.candidates), search.record.solves, search.record.seconds,
            f"{score.ndcg:.4f}" if score else "n/a", chosen.describe(), ratio,
        )
        return replace(chosen, reg_weight=chosen.reg_weight * ratio)

    def _held_items(self, counts: np.ndarray, new_items: float) -> np.ndarray:
        """Warm items with content held out by the inner split, as many (relative to the warm
        items) as the estimated new items are relative to all live items."""
        has_content = np.zeros(self.n_items, dtype=bool)
        for mask in self.masks.values():
            has_content |= mask
        warm = np.flatnonzero((counts > 0) & has_content)
        share = new_items / (warm.size + new_items)
        n_hold = int(round(share * warm.size))
        rng = np.random.default_rng(self.seed + 1)
        return np.sort(rng.choice(warm, size=min(n_hold, warm.size), replace=False))

    def _add_content(self, params: KGLLMRecParams, gram: np.ndarray) -> None:
        """Train the content path on the collaborative teacher of ``gram`` and add its prior."""
        result = content_prior(params, self.options, self.views, gram, seed=self.seed)
        if result is not None:
            self.content_vectors, prior, mask = result
            self.priors["content"] = prior
            self.masks["content"] = mask

    # ----- the final fit ----------------------------------------------------------------

    def _final_fit(self, counts: np.ndarray, cold_on: bool) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray] | None]:
        """``B`` ``[I, I]`` on every training interaction, and with user text the users' feature
        columns and their rows of ``B``."""
        w = self.weights
        base = gram_matrix(self.interactions, user_weight=w.user_weight)
        gram = base.copy()
        for name, weight in w.priors.items():
            if weight and name in self.priors:
                add_prior(gram, self.priors[name], weight * w.reg_weight)
        reg = item_reg_weights(base, w.reg_weight, w.diag_weight)
        user_weight = float(w.priors.get(USER_VIEW, 0.0))
        user_rows = None
        if self.users is not None and user_weight:
            features = self.users.scaled(user_weight)
            gram = augmented_gram(gram, self.interactions, features, row_weights(self.interactions, w.user_weight))
            reg = np.concatenate([np.broadcast_to(np.asarray(reg, dtype=float), (self.n_items,)),
                                  np.full(self.users.rank, float(w.reg_weight))])
            b_full = ease_solve(gram, reg)
            b = np.ascontiguousarray(b_full[: self.n_items, : self.n_items])
            user_rows = (features, b_full[self.n_items:, : self.n_items])
        else:
            b = ease_solve(gram, reg)
        if not cold_on or w.cold_scale <= 0:
            return b, user_rows
        source = self._cold_source(w)
        if source is None:
            return b, user_rows
        return calibrated_cold_columns(b, source, cold=counts == 0, factor=w.cold_scale, new_share=self.new_shares), user_rows

    def _cold_source(self, w: Weights) -> object | None:
        if w.cold_source in self.priors:
            return self.priors[w.cold_source]
        weighted = weighted_prior(self.priors, w.priors, self.n_items)
        if weighted is not None:
            return weighted
        fallback = self.priors.get("content")
        if fallback is None and self.priors:
            fallback = sum(self.priors.values())  # type: ignore[assignment]
        return fallback

    def _choice_tensor(self, available: set[str]) -> Tensor:
        """The chosen weights in :data:`CHOICE_KEYS` order; NaN for a prior whose view is not in
        ``available``."""
        values = [
            float("nan") if key.startswith("prior:") and key[len("prior:"):] not in available else self.weights.value(key)
            for key in CHOICE_KEYS
        ]
        return torch.tensor(values, dtype=torch.float64)

    # ----- scoring ----------------------------------------------------------------------

    def loss_terms(self, users: Tensor, pos: Tensor, neg: Tensor) -> dict[str, Tensor]:
        raise TypeError("the ease backbone is a closed form fitted when it is built: it has no training loss")

    def full_scores(self, users: Tensor) -> Tensor:
        """``[B, n_items]``: the users' training rows times ``B``, as a sparse-dense product
        (a user's row holds only their interactions, so this costs ``nnz * n_items``, not
        ``B * n_items^2``)."""
        if self.sparse is not None:
            return self.sparse.full_scores(users)
        rows = self.interactions[users.cpu().numpy()].tocoo()
        device = self.item_similarity.device
        index = torch.from_numpy(np.vstack([rows.row, rows.col]).astype(np.int64))
        sparse = torch.sparse_coo_tensor(
            index, torch.from_numpy(rows.data), size=rows.shape, device=device, check_invariants=False
        )
        scores = torch.sparse.mm(sparse, self.item_similarity)
        if self.user_features is not None and self.user_feature_similarity is not None:
            scores = scores + self.user_features[users.to(device)] @ self.user_feature_similarity
        return scores


def _content_on(options: EaseOptions, params: KGLLMRecParams) -> bool:
    """Whether the learned content path is trained: its prior can be non-zero or it can give
    cold items their columns."""
    if not (params.use_kg or params.use_text):
        return False
    return options.prior_maybe_used("content") or (params.cold_start == "content_head" and options.search)


def _mean_share(shares: np.ndarray, counts: np.ndarray) -> float:
    cold = (counts == 0) & (shares > 0)
    return float(shares[cold].mean()) if cold.any() else 0.0


def _log_groups(report: list[GroupShare]) -> None:
    for g in report:
        logger.info(
            "cold start: items with %s: %d (%d warm, %d without training interactions, %d seen once): new-item share %.2f%s",
            "+".join(g.views), g.items, g.warm, g.cold, g.singletons, g.share,
            " (no warm item has these views: none is treated as new)" if g.warm == 0 and g.cold else "",
        )


__all__ = ["CHOICE_KEYS", "EaseBackbone"]
