"""Score or ranking distillation from a frozen teacher's candidate scores into the student."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import torch
import torch.nn.functional as F
from torch import Tensor

from recbole_kgllm.distill.base import DistillInputs, Distiller
from recbole_kgllm.errors import ConfigError

Mode = Literal["score", "rank"]
LossName = Literal["kl", "mse", "listmle", "pairwise"]
#: mode -> loss name -> method name; the first loss of each mode is its default.
_LOSSES: dict[str, dict[str, str]] = {
    "score": {"kl": "_kl", "mse": "_mse"},
    "rank": {"listmle": "_listmle", "pairwise": "_pairwise"},
}


class TeacherDistiller(Distiller):
    """Knowledge distillation from a teacher recommender's scores of ``K`` candidates per row.

    ``mode="score"`` matches the scores themselves: ``loss="kl"`` (default) is
    ``T^2 KL(softmax(t/T) || softmax(s/T))`` over the candidates (Hinton et al., "Distilling
    the Knowledge in a Neural Network", 2015); ``loss="mse"`` is the mean squared error of
    the raw scores. ``mode="rank"`` matches the teacher's *ranking* of its top ``top_k``
    candidates, as Ranking Distillation does (Tang & Wang, KDD 2018): ``loss="listmle"``
    (default) is the top-k Plackett-Luce likelihood of the teacher's order under the
    student's scores / ``T`` (ListMLE, Xia et al., ICML 2008); ``loss="pairwise"`` is a
    logistic loss on every pair (teacher top-k candidate, candidate the teacher ranks lower).

    The teacher scores are detached: the teacher never learns from the student. They are
    supplied by the model (this class loads nothing). Masks are irrelevant; scores must be
    finite.

    Args:
        dim: Model dimension ``d`` (unused).
        weight: Loss multiplier.
        mode: ``"score"`` or ``"rank"``.
        loss: ``"kl"``/``"mse"`` for score mode, ``"listmle"``/``"pairwise"`` for rank mode;
            default per mode as above.
        temperature: Softening temperature ``T`` (> 0) for kl, listmle and pairwise.
        top_k: Teacher positions distilled in rank mode (clipped to ``K``).
    """

    name = "teacher"
    requires = frozenset({"student_scores", "teacher_scores"})

    def __init__(
        self,
        *,
        dim: int,
        mode: Mode = "score",
        loss: LossName | None = None,
        temperature: float = 1.0,
        top_k: int = 10,
        **kwargs: Any,
    ) -> None:
        super().__init__(dim=dim, **kwargs)
        if mode not in _LOSSES:
            raise ConfigError(f"distiller 'teacher' needs mode in score, rank; got '{mode}'")
        loss = loss or next(iter(_LOSSES[mode]))
        if loss not in _LOSSES[mode]:
            valid = ", ".join(_LOSSES[mode])
            raise ConfigError(f"distiller 'teacher' mode '{mode}' needs loss in {valid}; got '{loss}'")
        if not temperature > 0 or int(top_k) <= 0:
            raise ConfigError(f"distiller 'teacher' needs temperature > 0 and top_k > 0, got {temperature}, {top_k}")
        self.mode, self.loss_name = mode, loss
        self.temperature, self.top_k = float(temperature), int(top_k)

    def compute_loss(self, inputs: DistillInputs) -> Tensor:
        """The chosen loss of ``student_scores`` ``[B, K]`` against ``teacher_scores`` ``[B, K]``."""
        assert inputs.student_scores is not None and inputs.teacher_scores is not None
        loss_fn: Callable[[Tensor, Tensor], Tensor] = getattr(self, _LOSSES[self.mode][self.loss_name])
        return loss_fn(inputs.student_scores, inputs.teacher_scores.detach().to(inputs.student_scores.dtype))

    def _kl(self, student: Tensor, teacher: Tensor) -> Tensor:
        t = self.temperature
        log_p_student = torch.log_softmax(student / t, dim=-1)
        log_p_teacher = torch.log_softmax(teacher / t, dim=-1)
        return F.kl_div(log_p_student, log_p_teacher, reduction="batchmean", log_target=True) * t * t

    def _mse(self, student: Tensor, teacher: Tensor) -> Tensor:
        return F.mse_loss(student, teacher)

    def _teacher_order(self, student: Tensor, teacher: Tensor) -> tuple[Tensor, Tensor, int]:
        order = teacher.argsort(dim=-1, descending=True)
        k = min(self.top_k, teacher.shape[-1])
        return student.gather(-1, order) / self.temperature, teacher.gather(-1, order), k

    def _listmle(self, student: Tensor, teacher: Tensor) -> Tensor:
        s, _, k = self._teacher_order(student, teacher)  # s: [B, K] in the teacher's order
        tail_lse = torch.logcumsumexp(s.flip(-1), dim=-1).flip(-1)  # logsumexp of s[:, r:]
        return (tail_lse[:, :k] - s[:, :k]).sum(dim=-1).mean() / k

    def _pairwise(self, student: Tensor, teacher: Tensor) -> Tensor:
        s, t, k = self._teacher_order(student, teacher)
        pairs = t[:, :k, None] > t[:, None, :]  # [B, k, K] teacher prefers the top-k one
        diff = s[:, :k, None] - s[:, None, :]
        losses = torch.where(pairs, F.softplus(-diff), diff.new_zeros(()))
        return losses.sum() / pairs.sum().clamp(min=1).to(losses.dtype)
