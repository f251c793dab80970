"""RecBole's multi-process (DDP) path on CPU: gloo instead of NCCL, CPU modules in DDP.

RecBole 1.2.1 hard-codes NCCL and one GPU per process: ``Config._init_device`` asserts one GPU
id per process and calls ``init_process_group(backend="nccl")``, and the trainer wraps the model
in ``DistributedDataParallel(model, device_ids=[local_rank])``, which torch refuses for a CPU
module. :func:`install_cpu_ddp` wraps both so that a multi-process run uses **gloo on CPU**
when CUDA is not available or when the config asks for it (``ddp_backend: gloo``); a GPU run
(CUDA present, no ``ddp_backend`` or ``nccl``) goes through RecBole's own code unchanged.
"""
from __future__ import annotations

import functools
from typing import Any

import torch

_MARK = "__recbole_kgllm_cpu_ddp__"


def wants_gloo(config_dict: dict[str, Any]) -> bool:
    """Whether a multi-process run of this config runs on CPU with gloo."""
    backend = str(config_dict.get("ddp_backend") or "").lower()
    return backend == "gloo" or (backend != "nccl" and not torch.cuda.is_available())


def _init_device_gloo(config: Any) -> None:
    """RecBole's ``_init_device`` for a multi-process CPU run (same settings, gloo, CPU device)."""
    cfg = config.final_config_dict
    gpu_id = cfg["gpu_id"]
    cfg["gpu_id"] = ",".join(map(str, gpu_id)) if isinstance(gpu_id, tuple) else str(gpu_id)
    if not torch.distributed.is_initialized():
        torch.distributed.init_process_group(
            backend="gloo", rank=cfg["local_rank"] + cfg["offset"], world_size=cfg["world_size"],
            init_method=f"tcp://{cfg['ip']}:{cfg['port']}",
        )
    cfg["device"] = torch.device("cpu")
    cfg["single_spec"] = False
    cfg["ddp_backend"] = "gloo"
    if cfg["local_rank"] != 0:
        cfg["state"] = "error"
        cfg["show_progress"] = False
        cfg["verbose"] = False


def _ddp_factory(original: Any) -> Any:
    """``DistributedDataParallel`` that leaves ``device_ids`` out for a CPU module."""

    @functools.wraps(original)
    def build(module: torch.nn.Module, *args: Any, **kwargs: Any) -> Any:
        first = next(iter(module.parameters()), None)
        if first is None or first.device.type == "cpu":
            kwargs.pop("device_ids", None)
            args = ()
        return original(module, *args, **kwargs)

    setattr(build, _MARK, True)
    return build


def install_cpu_ddp() -> bool:
    """Wrap RecBole's ``Config._init_device`` and its trainer's DDP class (idempotent).

    Returns:
        True when this call installed the wrappers.
    """
    from recbole.config.configurator import Config
    from recbole.trainer import trainer as trainer_module

    if getattr(Config._init_device, _MARK, False):
        return False
    original = Config._init_device

    @functools.wraps(original)
    def _init_device(self: Any) -> None:
        cfg = self.final_config_dict
        if "local_rank" in cfg and wants_gloo(cfg):
            _init_device_gloo(self)
        else:
            original(self)

    setattr(_init_device, _MARK, True)
    Config._init_device = _init_device
    if not getattr(trainer_module.DistributedDataParallel, _MARK, False):
        trainer_module.DistributedDataParallel = _ddp_factory(trainer_module.DistributedDataParallel)
    return True


def uninstall_cpu_ddp() -> bool:
    """Restore RecBole's own ``_init_device`` and DDP class (for tests). True if installed."""
    from recbole.config.configurator import Config
    from recbole.trainer import trainer as trainer_module

    if not getattr(Config._init_device, _MARK, False):
        return False
    Config._init_device = Config._init_device.__wrapped__
    if getattr(trainer_module.DistributedDataParallel, _MARK, False):
        trainer_module.DistributedDataParallel = trainer_module.DistributedDataParallel.__wrapped__
    return True


def is_cpu_ddp_installed() -> bool:
    """Whether :func:`install_cpu_ddp` is in place."""
    from recbole.config.configurator import Config

    return bool(getattr(Config._init_device, _MARK, False))


__all__ = ["install_cpu_ddp", "is_cpu_ddp_installed", "uninstall_cpu_ddp", "wants_gloo"]
