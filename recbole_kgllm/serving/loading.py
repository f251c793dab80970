"""Building a :class:`Recommender` from a checkpoint (through the project's one loader), from
the objects ``load_data_and_model`` returned, or from an export folder."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recbole_kgllm.errors import KGLLMError
from recbole_kgllm.serving.catalog import Catalog
from recbole_kgllm.serving.reasons import Explainer, KGView, TextView
from recbole_kgllm.serving.topk import Recommender

logger = logging.getLogger(__name__)


def live_kg_view(config: Any, catalog: Catalog) -> KGView | None:
    """The dataset's KG as RecBole loads it (through the feature store), or ``None`` without one."""
    from recbole_kgllm.features import api

    try:
        triples = api.kg_triples(config)
    except KGLLMError as error:
        logger.warning("kg reasons unavailable: %s", error)
        return None
    return KGView.build(triples.entity_tokens, triples.relation_tokens, triples.triples.numpy(),
                        dict(triples.item_to_entity), catalog.item_tokens)


def live_text_view(config: Any, catalog: Catalog) -> TextView | None:
    """The item text embeddings (computed once into the feature store), or ``None``."""
    from recbole_kgllm.features import api

    try:
        aligned = api.item_text_table(config).align(catalog.item_tokens.tolist())
    except KGLLMError as error:
        logger.warning("text reasons unavailable: %s", error)
        return None
    return TextView.build(aligned.values, aligned.mask)


@dataclass(frozen=True, eq=False)
class LiveParts:
    """A loaded model's catalog, model access and config (what :mod:`.export` writes out)."""

    config: Any
    catalog: Catalog
    access: Any

    def explainer(self) -> Explainer:
        """Reasons over the dataset's KG and text features and the model's evidence."""
        return Explainer(self.catalog, cf=self.access.cf_evidence, cf_kind=self.access.cf_kind,
                         kg=live_kg_view(self.config, self.catalog), text=live_text_view(self.config, self.catalog))


def live_parts(config: Any, model: Any, dataset: Any, train_data: Any) -> LiveParts:
    """Catalog and model access of ``load_data_and_model``'s config, model, dataset and train_data."""
    from recbole_kgllm.serving.model_access import is_sequential, model_access
    from recbole_kgllm.recbole_integration.serving_data import catalog_from_recbole, sequences_from_recbole

    sequential = is_sequential(model)
    catalog = catalog_from_recbole(config, dataset, train_data, sequential=sequential)
    sequences = sequences_from_recbole(config, train_data, catalog.n_users) if sequential else None
    return LiveParts(config=config, catalog=catalog, access=model_access(model, catalog, sequences))


def recommender_from_loaded(config: Any, model: Any, dataset: Any, train_data: Any, *, source: str = "") -> Recommender:
    """A recommender over a loaded model (``load_data_and_model``'s config, model, dataset, train_data)."""
    parts = live_parts(config, model, dataset, train_data)
    catalog = parts.catalog
    info = {"model": type(model).__name__, "dataset": str(config["dataset"]), "source": source or "model",
            "scorer": parts.access.name, "n_users": catalog.n_users - 1, "n_items": catalog.n_items - 1}
    return Recommender(catalog, parts.access, explainer=parts.explainer, info=info)


def load_recommender(path: str | Path, *, trust_checkpoint: bool = False) -> Recommender:
    """A recommender from a RecBole checkpoint (``.pth``) or an export folder (``manifest.json``);
    ``trust_checkpoint`` unpickles a checkpoint without the allow-list (``docs/reliability.md``)."""
    path = Path(path)
    if path.is_dir():
        from recbole_kgllm.serving.export import load_export

        return load_export(path)
    from recbole_kgllm import load_data_and_model

    config, model, dataset, train_data, _, _ = load_data_and_model(str(path), trust_checkpoint=trust_checkpoint)
    return recommender_from_loaded(config, model, dataset, train_data, source=str(path))


def as_recommender(checkpoint_or_model: Any) -> Recommender:
    """A :class:`Recommender` from a path, a recommender, or ``load_data_and_model``'s 6-tuple."""
    if isinstance(checkpoint_or_model, Recommender):
        return checkpoint_or_model
    if isinstance(checkpoint_or_model, (str, Path)):
        return load_recommender(checkpoint_or_model)
    if isinstance(checkpoint_or_model, tuple) and len(checkpoint_or_model) == 6:
        config, model, dataset, train_data, _, _ = checkpoint_or_model
        return recommender_from_loaded(config, model, dataset, train_data)
    raise KGLLMError(
        "recommend() takes a checkpoint path, an export folder, a Recommender, or the 6-tuple of "
        f"load_data_and_model; got {type(checkpoint_or_model).__name__}"
    )


__all__ = ["LiveParts", "as_recommender", "live_parts", "live_kg_view", "live_text_view", "load_recommender", "recommender_from_loaded"]
