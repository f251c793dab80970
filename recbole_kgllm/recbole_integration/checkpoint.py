"""Reloading checkpoints of any model, ours, a plugin's or RecBole's, through the run pipeline's
stages: the same config, dataset, split, features and model as the run that wrote them.

Every checkpoint this package reads goes through :func:`read_checkpoint`.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from torch import Tensor

from recbole_kgllm.errors import ConfigError, KGLLMError
from recbole_kgllm.recbole_integration.compat.checkpoint import load_recbole_checkpoint
from recbole_kgllm.recbole_integration.distributed import single_process_config, strip_ddp_prefix


def read_checkpoint(path: str | Path, *, map_location: Any = None) -> dict[str, Any]:
    """The dict RecBole's trainer saved (``config``, ``state_dict``, ``other_parameter``...)."""
    if not Path(path).is_file():
        raise KGLLMError(f"checkpoint not found: {path}")
    return load_recbole_checkpoint(path, map_location=map_location)


def _restore(model: Any, checkpoint: dict[str, Any], path: str | Path, label: str = "checkpoint") -> Any:
    try:
        model.load_state_dict(strip_ddp_prefix(checkpoint["state_dict"]))
    except RuntimeError as error:
        detail = " ".join(line.strip() for line in str(error).splitlines()[1:])[:300]
        raise ConfigError(f"{label} {path} does not match the model rebuilt from it: {detail}") from None
    model.load_other_parameter(checkpoint.get("other_parameter"))
    return model


def load_data_and_model(model_file: str | Path, *, trust_checkpoint: bool = False) -> tuple[Any, Any, Any, Any, Any, Any]:
    """RecBole's ``load_data_and_model`` for every model: the checkpoint's config, its dataset
    and split rebuilt, the model built by the run pipeline (features included) with the saved
    weights.

    The checkpoint is read through the restricted unpickler (nothing in it runs), and the
    dataset's atomic files are validated before RecBole reads them (``docs/reliability.md``).

    Args:
        model_file: the ``.pth`` file RecBole's trainer saved.
        trust_checkpoint: unpickle the checkpoint (and any saved dataset/dataloaders RecBole
            finds) in full. Only for files you trust: a pickle can run code.

    Returns:
        ``(config, model, dataset, train_data, valid_data, test_data)`` as RecBole does.

    Raises:
        UntrustedCheckpointError: the file needs a type outside the allow-list (one line).
        KGLLMError: the file is missing or not a RecBole checkpoint; DataFileError: a data file is bad.
    """
    from recbole.utils import init_logger, init_seed

    from recbole_kgllm.recbole_integration.compat.trust import trusted_checkpoints
    from recbole_kgllm.recbole_integration.pipeline import build_model, load_data
    from recbole_kgllm.recbole_integration.session import prepare_recbole
    from recbole_kgllm.recbole_integration.validation import validate_dataset

    prepare_recbole()
    with trusted_checkpoints(trust_checkpoint):
        checkpoint = read_checkpoint(model_file)
        config = single_process_config(checkpoint["config"])  # a DDP run's checkpoint loads in one process
        config.compatibility_settings()  # numpy aliases RecBole's metrics use: set when a Config is built, not unpickled
        validate_dataset(config).log()
        init_seed(config["seed"], config["reproducibility"])
        init_logger(config)
        logging.getLogger().info(config)
        data = load_data(config)
        model = _restore(build_model(config, data.train_dataset), checkpoint, model_file)
    return config, model, data.dataset, data.train, data.valid, data.test


class FrozenScorer:
    """``scorer(users [B], items [B]) -> [B]``: a frozen model's ``predict`` (not an ``nn.Module``,
    so a student holding it neither trains nor saves it)."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def __call__(self, users: Tensor, items: Tensor) -> Tensor:
        from recbole.data.interaction import Interaction

        batch = Interaction({self.model.USER_ID: users, self.model.ITEM_ID: items})
        return self.model.predict(batch.to(self.model.device))


def load_teacher(path: str, dataset: Any, device: Any) -> FrozenScorer:
    """The checkpoint's model rebuilt on ``dataset`` (same data and split), frozen, in eval mode.

    The checkpoint must come from a run on the same dataset and seed.
    """
    from recbole_kgllm.recbole_integration.pipeline import feature_stage, instantiate
    from recbole_kgllm.recbole_integration.model_lookup import resolve_model

    if not Path(path).is_file():
        raise ConfigError(f"teacher_checkpoint not found: {path}")
    checkpoint = read_checkpoint(path, map_location=device)
    config = single_process_config(checkpoint["config"])
    config.final_config_dict["device"] = device
    model_class = resolve_model(config["model"])
    teacher = instantiate(config, dataset, model_class, feature_stage(config, model_class, dataset))
    _restore(teacher, checkpoint, path, "teacher_checkpoint")
    teacher.eval()
    for parameter in teacher.parameters():
        parameter.requires_grad_(False)
    return FrozenScorer(teacher)


__all__ = ["FrozenScorer", "load_data_and_model", "load_teacher", "read_checkpoint"]
