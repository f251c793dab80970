"""The distillation/alignment contract: a batch's embeddings and scores in, a scalar loss out."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import torch
from torch import Tensor, nn

from recbole_kgllm.errors import ConfigError


@dataclass(frozen=True)
class DistillInputs:
    """What a distiller may use for one batch of ``B`` rows (items, or users: any entity).

    Row ``b`` of every tensor describes the same entity (for scores: the same user's
    candidates). Optional fields are None when the model did not compute them; a distiller
    declares the ones it needs in :attr:`Distiller.requires`, so the model computes only those.

    Attributes:
        collab: ``[B, d]`` collaborative (ID-side) embeddings.
        semantic: Modality -> ``[B, d]`` projected semantic views of the same rows (e.g.
            ``"kg"``, ``"text"``); may be empty.
        masks: Modality -> ``[B]`` bool, ``True`` = the row has that view. A view without a
            mask is present in every row; a masked-out row's values are arbitrary.
        user: ``[B, d]`` user embeddings paired with the rows, or None (unused by built-ins).
        student_scores: ``[B, K]`` the student's scores of ``K`` candidates per row, or None.
        teacher_scores: ``[B, K]`` a frozen teacher's scores of the same candidates, or None.
            Distillers never back-propagate into them.
        ids: ``[B]`` integer ids of the rows, or None. Rows sharing an id are the same entity:
            in-batch contrastive losses do not use them as each other's negatives.
    """

    collab: Tensor
    semantic: Mapping[str, Tensor] = field(default_factory=dict)
    masks: Mapping[str, Tensor] = field(default_factory=dict)
    user: Tensor | None = None
    student_scores: Tensor | None = None
    teacher_scores: Tensor | None = None
    ids: Tensor | None = None

    def __post_init__(self) -> None:
        if self.collab.dim() != 2:
            raise ValueError(f"DistillInputs.collab must be [B, d], got {tuple(self.collab.shape)}")
        b, d = self.collab.shape
        for key, view in self.semantic.items():
            if view.shape != (b, d):
                raise ValueError(f"DistillInputs.semantic['{key}'] must be ({b}, {d}), got {tuple(view.shape)}")
        for key, mask in self.masks.items():
            if key not in self.semantic or mask.dtype != torch.bool or mask.shape != (b,):
                raise ValueError(f"DistillInputs.masks['{key}'] must be a ({b},) bool mask of a semantic view")
        if self.user is not None and self.user.shape != (b, d):
            raise ValueError(f"DistillInputs.user must be ({b}, {d}), got {tuple(self.user.shape)}")
        for name in ("student_scores", "teacher_scores"):
            scores = getattr(self, name)
            if scores is not None and (scores.dim() != 2 or scores.shape[0] != b):
                raise ValueError(f"DistillInputs.{name} must be [{b}, K], got {tuple(scores.shape)}")
        if self.student_scores is not None and self.teacher_scores is not None:
            if self.student_scores.shape != self.teacher_scores.shape:
                raise ValueError("DistillInputs.student_scores and teacher_scores must have the same shape")
        if self.ids is not None and self.ids.shape != (b,):
            raise ValueError(f"DistillInputs.ids must be ({b},), got {tuple(self.ids.shape)}")

    @property
    def batch_size(self) -> int:
        return int(self.collab.shape[0])

    def mask(self, key: str) -> Tensor:
        """``[B]`` bool presence of semantic view ``key`` (all True when it has no mask)."""
        if key in self.masks:
            return self.masks[key]
        return torch.ones(self.batch_size, dtype=torch.bool, device=self.collab.device)

    def zero(self) -> Tensor:
        """A scalar zero on the batch's device and dtype."""
        return self.collab.new_zeros(())


class Distiller(nn.Module, ABC):
    """Abstract distillation/alignment strategy, selected as ``distiller: <name>``.

    Subclasses set :attr:`name` (and :attr:`requires`), take their options as keyword
    arguments (the config's ``distiller_kwargs``), pass the rest to ``super().__init__`` (which
    rejects unknown ones) and implement :meth:`compute_loss`. :meth:`forward` checks the
    required inputs and multiplies by ``weight``; with ``weight == 0`` it computes nothing.

    Args:
        dim: The model dimension ``d`` of the embeddings.
        weight: Multiplier of the loss (>= 0).
        warmup: Training steps (batches) over which the multiplier ramps linearly from
            ``weight / warmup`` to ``weight`` (0: full weight from the first step). An alignment
            term at full weight on the first batches can pull a randomly initialised
            collaborative space off course before the ranking loss has shaped it.
        **kwargs: Unknown options: rejected with :class:`ConfigError`.
    """

    name: ClassVar[str]
    #: Optional :class:`DistillInputs` fields this strategy needs (e.g. ``"teacher_scores"``).
    requires: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, *, dim: int, weight: float = 1.0, warmup: int = 0, **kwargs: Any) -> None:
        super().__init__()
        label = getattr(self, "name", type(self).__name__)
        if kwargs:
            raise ConfigError(f"distiller '{label}' got unknown distiller_kwargs: {', '.join(sorted(kwargs))}")
        if int(dim) <= 0 or not float(weight) >= 0.0 or int(warmup) < 0:
            raise ConfigError(f"distiller '{label}' needs dim > 0, weight >= 0 and warmup >= 0, got {dim}, {weight}, {warmup}")
        self.dim = int(dim)
        self.weight = float(weight)
        self.warmup = int(warmup)
        self.steps = 0  # training steps seen (not saved: a reloaded model is evaluated, not resumed)

    def current_weight(self) -> float:
        """The multiplier of the next loss: ``weight``, ramped over the first ``warmup`` training steps."""
        if self.warmup == 0 or self.steps >= self.warmup:
            return self.weight
        return self.weight * (self.steps + 1) / self.warmup

    def forward(self, inputs: DistillInputs) -> Tensor:
        """The weighted loss of one batch.

        Args:
            inputs: The batch; see :class:`DistillInputs`.

        Returns:
            Scalar (0-dim) tensor on the inputs' device and dtype, already times ``weight``.
        """
        missing = sorted(f for f in self.requires if getattr(inputs, f) is None)
        if missing:
            fields = ", ".join(missing)
            raise ConfigError(f"distiller '{self.name}' needs DistillInputs.{fields}, which the model did not supply")
        weight = self.current_weight()
        if self.training:
            self.steps += 1
        if weight == 0.0:
            return inputs.zero()
        return self.compute_loss(inputs) * weight

    @abstractmethod
    def compute_loss(self, inputs: DistillInputs) -> Tensor:
        """The unweighted scalar loss of one batch (see :meth:`forward`)."""

    def extra_repr(self) -> str:
        return f"name={getattr(self, 'name', '?')!r}, dim={self.dim}, weight={self.weight}, warmup={self.warmup}"
