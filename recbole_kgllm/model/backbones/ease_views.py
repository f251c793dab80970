"""The knowledge views of the EASE backbone as priors, and the learned content path's prior.

Each frozen view the model received becomes a :class:`PriorView`: its presence mask, its
normalised item-item prior (:mod:`ease_priors`) and a dense ``[I, f]`` representation the content
path reads (the embedding itself; for the entity incidence a 64-dimensional sketch of its
IDF-weighted rows, by random projection).
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from recbole_kgllm.model.backbones.ease_options import EaseOptions
from recbole_kgllm.model.backbones.ease_priors import (
    embedding_similarity,
    idf_incidence,
    incidence_similarity,
    normalized_prior,
)
from recbole_kgllm.model.content_path import ContentPath, teacher_vectors, train_content_path
from recbole_kgllm.model.inputs import ModelFeatures
from recbole_kgllm.model.params import KGLLMRecParams
from recbole_kgllm.registry import resolve

logger = logging.getLogger(__name__)

#: Columns of the dense representation of the entity incidence given to the content path.
ENTITY_RANK = 64


@dataclass(frozen=True)
class PriorView:
    """One knowledge view of the items.

    Attributes:
        values: ``[I, f]`` dense representation (content path input); mask: ``[I]`` bool presence;
        prior: normalised ``[I, I]`` prior (CSR when top-k, else dense).
    """

    values: Tensor
    mask: np.ndarray
    prior: object


def _entity_values(incidence: object, seed: int) -> Tensor:
    """A dense ``[I, ENTITY_RANK]`` sketch of the IDF-weighted incidence: a Gaussian random
    projection of its rows, which keeps their inner products in expectation (Johnson-Lindenstrauss);
    the content path's linear projector learns on top of it."""
    import scipy.sparse as sp

    f = sp.csr_matrix(incidence, dtype=np.float32)
    rng = np.random.default_rng(seed)
    projection = rng.standard_normal((f.shape[1], ENTITY_RANK)).astype(np.float32) / np.sqrt(ENTITY_RANK)
    return torch.from_numpy(np.asarray(f @ projection, dtype=np.float32))


def frozen_views(features: ModelFeatures, options: EaseOptions, *, seed: int = 0) -> dict[str, PriorView]:
    """The frozen views of ``features`` that have any present row, as priors."""
    views: dict[str, PriorView] = {}
    for name, view in features.items.items():
        if view.coverage == 0:
            logger.warning("item %s view: no item has it (0%% coverage): its prior is off", name)
            continue
        sim = embedding_similarity(view.values, view.mask, topk=options.prior_topk, center=options.prior_center)
        views[name] = PriorView(values=view.values.float(), mask=view.mask.numpy().copy(), prior=normalized_prior(sim))
    entities = features.item_entities
    if entities is not None and entities.coverage > 0:
        sim = incidence_similarity(entities, topk=options.prior_topk, hops=options.kg_hops)
        f = idf_incidence(entities, hops=options.kg_hops)
        mask = np.diff(f.indptr) > 0
        if mask.sum() > 1:
            views["entities"] = PriorView(values=_entity_values(f, seed), mask=mask, prior=normalized_prior(sim))
    elif entities is not None:
        logger.warning("item-entity incidence: no item is tied to an entity (0%% coverage): its prior is off")
    return views


def content_prior(
    params: KGLLMRecParams, options: EaseOptions, views: Mapping[str, PriorView], gram: np.ndarray, *, seed: int
) -> tuple[Tensor, object, np.ndarray] | None:
    """Train the content path (``params.fusion`` over ``views``, ``params.distiller``) on the
    collaborative teacher of ``gram`` and return its vectors ``[I, d]``, normalised prior and mask
    (``None`` without any view)."""
    if not views:
        return None
    features = {name: (v.values, torch.from_numpy(v.mask)) for name, v in views.items()}
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        path = ContentPath(
            features=features, dim=params.embedding_size, fusion=params.fusion,
            fusion_kwargs=params.fusion_kwargs, projector=params.projector,
        )
        distiller = resolve("distiller", params.distiller)(dim=params.embedding_size, **params.distiller_kwargs)
        teacher = teacher_vectors(gram, params.embedding_size, seed=seed)
        warm = torch.from_numpy(np.diag(gram) > 0)
        history = train_content_path(
            path, teacher, warm, distiller, epochs=options.content_epochs, lr=options.content_lr, seed=seed
        )
        with torch.no_grad():
            vectors = path()
    mask = path.has_content.numpy()
    if not history or not np.isfinite(history[-1]) or not bool(torch.isfinite(vectors).all()):
        return None
    logger.info(
        "content path (fusion %s, distiller %s, %s): loss %.4f -> %.4f in %d epochs",
        params.fusion, params.distiller, "+".join(path.names), history[0], history[-1], len(history),
    )
    sim = embedding_similarity(vectors, mask, topk=options.prior_topk, center=options.prior_center)
    return vectors, normalized_prior(sim), mask


__all__ = ["ENTITY_RANK", "PriorView", "content_prior", "frozen_views"]
