"""RecBole's trainer with named loss terms and per-modality fusion weights in TensorBoard."""
from __future__ import annotations

from typing import Any

from recbole.trainer import Trainer


class KGLLMTrainer(Trainer):
    """Logs ``Loss/<term>`` for every loss term the model names in ``loss_names`` and
    ``Fusion/<entity>/<modality>`` for the epoch's average fusion weights."""

    def _add_train_loss_to_tensorboard(self, epoch_idx: int, losses: Any, tag: str = "Loss/Train") -> None:
        names = list(getattr(self.model, "loss_names", []))
        if isinstance(losses, tuple) and len(names) == len(losses):
            for name, value in zip(names, losses):
                self.tensorboard.add_scalar(f"Loss/{name}", value, epoch_idx)
            self.tensorboard.add_scalar(tag, sum(losses), epoch_idx)
        else:
            super()._add_train_loss_to_tensorboard(epoch_idx, losses, tag)
        weights = getattr(self.model, "pop_fusion_weights", None)
        for entity, per_modality in (weights() if weights else {}).items():
            for modality, value in per_modality.items():
                self.tensorboard.add_scalar(f"Fusion/{entity}/{modality}", value, epoch_idx)
