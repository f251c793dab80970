"""Optional multi-task KG loss on the in-model KG view (TransE margin loss as in CKE, Zhang et
al., KDD 2016): for triples (item, relation, tail) the model's item representation plus a
relation vector should land near the tail entity's (frozen, projected) embedding."""
from __future__ import annotations

import torch
from torch import Tensor, nn

from recbole_kgllm.model.inputs import ItemKG


class TranslationalKGLoss(nn.Module):
    """Margin ranking loss ``[m + ||h + r - t|| - ||h + r - t'||]_+`` with corrupted tails.

    Args:
        n_relations: number of relations.
        dim: model dimension.
        margin: the margin ``m``.
    """

    def __init__(self, *, n_relations: int, dim: int, margin: float = 1.0) -> None:
        super().__init__()
        self.relations = nn.Embedding(n_relations, dim)
        nn.init.xavier_uniform_(self.relations.weight)
        self.margin = margin

    def forward(self, heads: Tensor, relations: Tensor, tails: Tensor, corrupted: Tensor) -> Tensor:
        """Args: heads, tails, corrupted ``[B, d]``; relations ``[B]`` (long). Returns a scalar."""
        r = self.relations(relations)
        pos = torch.linalg.vector_norm(heads + r - tails, dim=-1)
        neg = torch.linalg.vector_norm(heads + r - corrupted, dim=-1)
        return torch.relu(self.margin + pos - neg).mean()


class ItemKGTriples(nn.Module):
    """The dataset's item-headed triples (model indices) with frozen entity embeddings, for
    :class:`TranslationalKGLoss` on the in-model KG view.

    Args:
        kg: the triples and entity table the run pipeline built (:class:`ItemKG`).
        dim: model dimension.
    """

    def __init__(self, *, kg: ItemKG, dim: int) -> None:
        super().__init__()
        self.register_buffer("heads", kg.heads.long(), persistent=False)
        self.register_buffer("relations", kg.relations.long(), persistent=False)
        self.register_buffer("tails", kg.tails.long(), persistent=False)
        self.register_buffer("entities", kg.entities.float(), persistent=False)
        self.loss = TranslationalKGLoss(n_relations=kg.n_relations, dim=dim)

    def __len__(self) -> int:
        return int(self.heads.shape[0])

    def forward(self, items: Tensor, project: nn.Module, batch_size: int) -> Tensor:
        """Loss on ``batch_size`` random triples; ``items`` ``[I, d]`` layer-0 representations,
        ``project`` maps entity embeddings to ``d``."""
        pick = torch.randint(len(self), (batch_size,), device=items.device)
        corrupted = torch.randint(self.entities.shape[0], (batch_size,), device=items.device)
        tails = project(self.entities[self.tails[pick]])
        return self.loss(items[self.heads[pick]], self.relations[pick], tails, project(self.entities[corrupted]))
