"""The trainers of our models: RecBole's ``Trainer`` with named loss terms in TensorBoard, and
one for closed-form backbones that fit when the model is built."""
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


class NoOptimizer:
    """The optimizer of a model with nothing to optimise: RecBole's trainer saves and restores
    an optimizer state with every checkpoint, which here is empty."""

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Nothing to restore."""

    def zero_grad(self, set_to_none: bool = True) -> None:
        """No gradients."""

    def step(self) -> None:
        """No parameters."""


class ClosedFormTrainer(Trainer):
    """For models fitted in closed form when they are built (no parameters to train): one
    "epoch" that does no work, then RecBole's own validation, checkpoint and test."""

    def __init__(self, config: Any, model: Any) -> None:
        super().__init__(config, model)
        self.epochs = 1
        self.eval_step = min(config["eval_step"], self.epochs)

    def _build_optimizer(self, **kwargs: Any) -> Any:
        if any(p.requires_grad for p in self.model.parameters()):
            raise TypeError(f"{type(self.model).__name__} has trainable parameters: use a gradient trainer")
        return NoOptimizer()

    def _train_epoch(self, train_data: Any, epoch_idx: int, loss_func: Any = None, show_progress: bool = False) -> float:
        """The fit happened when the model was built: nothing to train."""
        return 0.0


__all__ = ["ClosedFormTrainer", "KGLLMTrainer", "NoOptimizer"]
