"""Loading a frozen teacher from a RecBole checkpoint for score/ranking distillation."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from recbole_kgllm.errors import ConfigError


def load_teacher(path: str, dataset: Any, device: torch.device) -> nn.Module:
    """The checkpoint's model, rebuilt on ``dataset`` (same data and split), frozen, in eval mode.

    The checkpoint must come from a run on the same dataset and seed. It is read like every
    checkpoint of this package, through the restricted unpickler (nothing in the file runs;
    ``--trust_checkpoint`` lifts that for trusted files).
    """
    from recbole_kgllm.recbole_integration.compat.checkpoint import load_recbole_checkpoint
    from recbole_kgllm.recbole_integration.model_lookup import resolve_model

    if not Path(path).is_file():
        raise ConfigError(f"teacher_checkpoint not found: {path}")
    checkpoint = load_recbole_checkpoint(path, map_location=device)
    config = checkpoint["config"]
    config.final_config_dict["device"] = device
    teacher = resolve_model(config["model"])(config, dataset).to(device)
    try:
        teacher.load_state_dict(checkpoint["state_dict"])
    except RuntimeError as error:
        raise ConfigError(f"teacher_checkpoint {path} does not match this dataset: {str(error).splitlines()[0]}") from None
    teacher.load_other_parameter(checkpoint.get("other_parameter"))
    teacher.eval()
    for parameter in teacher.parameters():
        parameter.requires_grad_(False)
    return teacher
