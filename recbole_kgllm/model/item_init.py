"""Initialisation of an entity ID table: random (Xavier), or from the frozen content views.

``content`` starts each item's ID vector at its content: the principal components of its
frozen views (each view L2-normalised per row and centred, the views concatenated), scaled to
the random initialisation's standard deviation. Items with similar text or KG neighbourhoods
then start close together, so training refines a content-shaped space instead of discovering
it from noise (AlphaRec, Sheng et al., 2024, represents items by a learned map of their
language-model embeddings; here the map is fixed at initialisation and the ID table then
trains freely). Rows without any content view keep their random vectors.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from recbole_kgllm.errors import ConfigError

#: ``(table [n, d], features {name: (values [n, f], mask [n])}) -> None``, in place.
Initialiser = Callable[[Tensor, Mapping[str, tuple[Tensor, Tensor]]], None]


def content_components(features: Mapping[str, tuple[Tensor, Tensor]], dim: int) -> tuple[Tensor, Tensor]:
    """Principal components of the content views, ``[n, dim]``, and the rows that have content.

    Each view is L2-normalised per row and centred over its present rows (absent rows are zero),
    the views are concatenated (each weighted ``1/sqrt(#views)``), and the rows with any view
    are projected on their top ``dim`` principal directions (fewer when the views have fewer
    columns: the remaining columns are zero).

    Returns:
        ``components [n, dim]`` (zero on rows without content) and ``has_content`` bool ``[n]``.
    """
    if not features:
        raise ValueError("content initialisation needs at least one content view")
    blocks, present = [], None
    scale = len(features) ** -0.5
    for values, mask in features.values():
        x = F.normalize(values.float(), dim=1) * mask.unsqueeze(1)
        if bool(mask.any()):
            x = x - x[mask].mean(0, keepdim=True) * mask.unsqueeze(1)
        blocks.append(x * scale)
        present = mask.clone() if present is None else present | mask
    assert present is not None
    x = torch.cat(blocks, dim=1)  # [n, F]
    out = x.new_zeros(x.shape[0], dim)
    rows = x[present]
    if rows.shape[0] > 1:
        _, _, vh = torch.linalg.svd(rows, full_matrices=False)  # vh [min(r, F), F]
        k = min(dim, vh.shape[0])
        out[present, :k] = rows @ vh[:k].T
    return out, present


def content_init(table: Tensor, features: Mapping[str, tuple[Tensor, Tensor]]) -> None:
    """Overwrite the rows of ``table [n, d]`` that have content with their principal components,
    scaled to the standard deviation of ``table``'s current (random) values."""
    components, present = content_components(features, table.shape[1])
    if not bool(present.any()):
        return
    target = table.std().clamp(min=1e-8)
    spread = components[present].std().clamp(min=1e-12)
    with torch.no_grad():
        table[present] = (components[present] * (target / spread)).to(table.dtype)


def random_init(table: Tensor, features: Mapping[str, tuple[Tensor, Tensor]]) -> None:
    """Keep the random initialisation."""


#: ``item_init`` name -> initialiser.
INITIALISERS: dict[str, Initialiser] = {"random": random_init, "content": content_init}


def initialise(embedding: nn.Embedding, kind: str, features: Mapping[str, tuple[Tensor, Tensor]]) -> None:
    """Apply the initialiser ``kind`` (a key of :data:`INITIALISERS`) to ``embedding``'s table;
    ``content`` without any content view keeps the random table."""
    if kind not in INITIALISERS:
        raise ConfigError(f"item_init must be one of {', '.join(INITIALISERS)}, got '{kind}'")
    if features:
        INITIALISERS[kind](embedding.weight.data, features)


__all__ = ["INITIALISERS", "content_components", "content_init", "initialise", "random_init"]
