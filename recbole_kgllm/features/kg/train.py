"""Training KG embeddings with PyKEEN on token triples; evaluation on a bounded held-out set."""
from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from recbole_kgllm.errors import ConfigError
from recbole_kgllm.features.kg.settings import KGFeatureSettings
from recbole_kgllm.features.kg.triples import TokenTriples

logger = logging.getLogger(__name__)

#: Triples scored at once during evaluation (each against every entity).
EVAL_BATCH_SIZE = 256


@dataclass(frozen=True, eq=False)
class KGEmbeddings:
    """Trained embeddings in external tokens, plus what the evaluation measured.

    Attributes:
        entity_tokens: [E] tokens; ``entity`` rows follow this order.
        entity: FloatTensor [E, d_e] (complex embeddings as real: concat(real, imag)).
        relation_tokens: [R] tokens.
        relation: FloatTensor [R, d_r] (matrices flattened).
        info: training/evaluation facts for the manifest (metrics, losses, notes).
    """

    entity_tokens: list[str]
    entity: torch.Tensor
    relation_tokens: list[str]
    relation: torch.Tensor
    info: Mapping[str, Any] = field(default_factory=dict)


def as_real_rows(representation: torch.Tensor) -> tuple[torch.Tensor, bool]:
    """[n, ...] real or complex -> FloatTensor [n, m]; complex values become concat(real, imag).

    Returns:
        The real matrix and whether the input was complex.
    """
    x = representation.detach().to("cpu")
    is_complex = x.is_complex()
    if is_complex:
        x = torch.cat([x.real, x.imag], dim=-1)
    return x.reshape(x.shape[0], -1).to(torch.float32).contiguous(), is_complex


def _merge_kwargs(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if key.endswith("_kwargs") and isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def _metric(results: Any, name: str) -> float:
    return float(results.get_metric(name))


def train_kg_embeddings(triples: TokenTriples, settings: KGFeatureSettings, *, run_dir: Path) -> KGEmbeddings:
    """Train ``settings.model`` on ``triples`` with ``pykeen.pipeline.pipeline``.

    A share ``eval_share`` of triples is held out (PyKEEN's split keeps every entity in
    training); at most ``eval_max_triples`` of them are ranked, filtered, on both sides, by
    PyKEEN's ``RankBasedEvaluator``. Loss per epoch and the metrics go to TensorBoard in ``run_dir``.
    """
    from pykeen.pipeline import pipeline
    from pykeen.triples import TriplesFactory

    if settings.eval_share <= 0:
        raise ConfigError("setting 'kg_eval_share' must be > 0: a held-out share keeps the KG quality visible")
    factory = TriplesFactory.from_labeled_triples(triples.labeled())
    training, testing = factory.split([1.0 - settings.eval_share, settings.eval_share], random_state=settings.seed)
    order = torch.randperm(testing.num_triples, generator=torch.Generator().manual_seed(settings.seed))
    evaluated_ids, unevaluated_ids = order[: settings.eval_max_triples], order[settings.eval_max_triples :]
    evaluated = testing.clone_and_exchange_triples(testing.mapped_triples[evaluated_ids])
    kwargs = _merge_kwargs(
        {
            "training": training,
            "testing": evaluated,
            "model": settings.model,
            "model_kwargs": {"embedding_dim": settings.embedding_dim, **settings.model_kwargs},
            "optimizer": "Adam",
            "optimizer_kwargs": {"lr": settings.learning_rate},
            "training_kwargs": {
                "num_epochs": settings.epochs,
                "batch_size": settings.batch_size,
                "pin_memory": torch.device(settings.device).type == "cuda",
            },
            "evaluator": "RankBasedEvaluator",
            "evaluation_kwargs": {
                "batch_size": EVAL_BATCH_SIZE,
                "additional_filter_triples": [testing.mapped_triples[unevaluated_ids]],
            },
            "result_tracker": "tensorboard",
            "result_tracker_kwargs": {"experiment_path": str(run_dir)},
            "random_seed": settings.seed,
            "device": settings.device,
        },
        settings.pipeline_kwargs,
    )
    start = time.perf_counter()
    result = pipeline(**kwargs)
    seconds = time.perf_counter() - start
    model = result.model
    entity, entity_complex = as_real_rows(model.entity_representations[0](indices=None))
    relation, relation_complex = as_real_rows(model.relation_representations[0](indices=None))
    mrr = _metric(result.metric_results, "both.realistic.inverse_harmonic_mean_rank")
    hits10 = _metric(result.metric_results, "both.realistic.hits_at_10")
    losses = [float(x) for x in result.losses]
    info = {
        "kg_model_class": type(model).__name__,
        "complex_to_real": "concat(real, imag)" if entity_complex or relation_complex else "none (real-valued model)",
        "triples": len(triples),
        "training_triples": int(training.num_triples),
        "held_out_triples": int(testing.num_triples),
        "evaluation": (
            f"PyKEEN RankBasedEvaluator, filtered (training and all held-out triples), both sides, "
            f"realistic ranks, on {int(evaluated.num_triples)} of {int(testing.num_triples)} held-out "
            f"triples sampled with seed {settings.seed}, against all {factory.num_entities} entities"
        ),
        "mrr": mrr,
        "hits_at_10": hits10,
        "final_loss": losses[-1] if losses else None,
        "losses": losses,
        "training_seconds": round(seconds, 3),
        "tensorboard_dir": str(run_dir),
    }
    logger.info(
        "KG %s: MRR %.4f, Hits@10 %.4f on %d held-out triples, final loss %.4f",
        settings.model, mrr, hits10, int(evaluated.num_triples), losses[-1] if losses else float("nan"),
    )
    id_to_entity = factory.entity_id_to_label
    id_to_relation = factory.relation_id_to_label
    return KGEmbeddings(
        entity_tokens=[id_to_entity[i] for i in range(factory.num_entities)],
        entity=entity,
        relation_tokens=[id_to_relation[i] for i in range(factory.num_relations)],
        relation=relation,
        info=info,
    )


def item_rows(embeddings: KGEmbeddings, item_to_entity: Mapping[str, str]) -> tuple[list[str], torch.Tensor]:
    """The entity embedding of each linked item: (item tokens [I], FloatTensor [I, d_e])."""
    index = {token: row for row, token in enumerate(embeddings.entity_tokens)}
    items = sorted(i for i, e in item_to_entity.items() if e in index)
    rows = torch.as_tensor(np.array([index[item_to_entity[i]] for i in items], dtype=np.int64))
    return items, embeddings.entity[rows].clone()


__all__ = ["EVAL_BATCH_SIZE", "KGEmbeddings", "as_real_rows", "item_rows", "train_kg_embeddings"]
