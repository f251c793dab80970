"""What the run pipeline does differently in a multi-process (DDP) run, in one place.

* **features once**: global rank 0 computes (or reads) the feature views while the other ranks
  wait at a barrier, then they read the same store entries; every rank then checks that all
  ranks hold identical features (a node whose ``feature_cache_dir`` is not shared and whose
  features differ is a one-line error, not a silently different model);
* **the same model on every rank**: the model is initialised with the run's ``seed`` on every
  rank (RecBole seeds ``seed + local_rank``; DDP then broadcasts rank 0's parameters, but not
  what a model draws into plain attributes), and the training streams are reseeded with
  ``seed + rank`` after it is built so that ranks sample different negatives;
* **one checkpoint name**: RecBole names the checkpoint by the second each rank built its
  trainer; rank 0's name is broadcast so every rank tests the file rank 0 wrote, after a barrier;
* **before spawning** (:func:`check_processes`): a GPU request on a machine without enough GPUs
  is one line; a closed-form model runs in one process (one line says so);
* **reloading** (:func:`single_process_config`, :func:`strip_ddp_prefix`): a checkpoint written
  by a DDP run loads in one process (RecBole issue #2063).
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import torch
import torch.distributed as dist

from recbole_kgllm.errors import ConfigError

logger = logging.getLogger(__name__)
T = TypeVar("T")

#: Settings of a multi-process run that a one-process reload resets.
DISTRIBUTED_KEYS = {"single_spec": True, "local_rank": 0, "world_size": 1, "nproc": 1, "offset": 0}


def is_distributed(config: Any) -> bool:
    """Whether ``config`` belongs to one rank of a multi-process run."""
    try:
        return not config["single_spec"] and dist.is_available() and dist.is_initialized()
    except KeyError:
        return False


def rank(config: Any) -> int:
    """The global rank (0 in one process)."""
    return int(config["local_rank"]) + int(config["offset"] or 0) if is_distributed(config) else 0


def barrier(config: Any) -> None:
    """Wait for every rank (nothing in one process)."""
    if is_distributed(config):
        dist.barrier()


def rank_zero_first(config: Any, compute: Callable[[], T]) -> T:
    """``compute()`` on global rank 0, then on the other ranks (which then read what rank 0 stored)."""
    if not is_distributed(config):
        return compute()
    if rank(config) == 0:
        result = compute()
        dist.barrier()
        return result
    dist.barrier()
    return compute()


def features_digest(features: Any) -> str:
    """sha256 over every tensor of a :class:`~recbole_kgllm.model.inputs.ModelFeatures`."""
    digest = hashlib.sha256()
    groups: list[tuple[str, Mapping[str, Any]]] = [("items", features.items), ("users", features.users)]
    for group, views in groups:
        for name in sorted(views):
            for tensor in (views[name].values, views[name].mask):
                digest.update(f"{group}/{name}".encode())
                digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    if features.item_kg is not None:
        kg = features.item_kg
        for tensor in (kg.heads, kg.relations, kg.tails, kg.entities):
            digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def check_same_features(config: Any, features: Any) -> None:
    """Raise :class:`ConfigError` unless every rank holds the same features."""
    if not is_distributed(config) or features is None:
        return
    digests: list[Any] = [None] * dist.get_world_size()
    dist.all_gather_object(digests, features_digest(features))
    if len(set(digests)) > 1:
        raise ConfigError(
            "the ranks of this multi-process run read different features: put feature_cache_dir on a file system "
            "every node shares, or copy rank 0's feature store to every node before the run"
        )


def seed_model(config: Any, init_seed: Callable[[int, bool], None]) -> None:
    """Seed before building the model: the run's seed on every rank."""
    init_seed(config["seed"], config["reproducibility"])


def seed_training(config: Any, init_seed: Callable[[int, bool], None]) -> None:
    """After building the model of a multi-process run: ``seed + rank`` for the training streams."""
    if is_distributed(config):
        init_seed(config["seed"] + rank(config), config["reproducibility"])


def sync_checkpoint_name(trainer: Any) -> None:
    """Every rank uses rank 0's checkpoint file name."""
    if not is_distributed(trainer.config):
        return
    name = [trainer.saved_model_file]
    dist.broadcast_object_list(name, src=0)
    trainer.saved_model_file = name[0]


def check_processes(nproc: int, world_size: int, config: Any, model_class: type, trainer: type) -> int:
    """The processes to start on this node, checked before spawning: ``nproc``, or 1 for a
    closed-form model (printed once). With NCCL (a CUDA machine, unless ``ddp_backend: gloo``)
    there must be one GPU per process and ``gpu_id`` must list one per process, as RecBole
    asserts inside each spawned process.

    Raises:
        ConfigError: one line.
    """
    from recbole.utils import ModelType

    from recbole_kgllm.recbole_integration.trainers import ClosedFormTrainer

    if nproc < 1:
        raise ConfigError(f"--nproc={nproc}: nproc must be at least 1")
    closed = issubclass(trainer, ClosedFormTrainer) or getattr(model_class, "type", None) == ModelType.TRADITIONAL
    if closed:
        print(f"{config['model']} is fitted in closed form in one process: --nproc={nproc} is ignored, running 1 process")
        return 1
    from recbole_kgllm.recbole_integration.compat.distributed import wants_gloo

    if wants_gloo(config.final_config_dict):
        return nproc
    gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if gpus < nproc:
        raise ConfigError(
            f"--nproc={nproc} asks for {nproc} GPUs (NCCL) but this machine has {gpus}: use --nproc={max(gpus, 1)}, "
            "or --ddp_backend=gloo to run the processes on CPU"
        )
    gpu_id = str(config["gpu_id"] if config["gpu_id"] is not None else "")
    ids = [i for i in gpu_id.split(",") if i.strip()]
    if len(ids) < nproc:
        raise ConfigError(
            f"--nproc={nproc} runs one process per GPU listed in gpu_id, but gpu_id='{gpu_id}' lists {len(ids)}: "
            f"pass --gpu_id={','.join(str(i) for i in range(nproc))}"
        )
    return nproc


def single_process_config(config: Any) -> Any:
    """``config`` of a checkpoint, made a one-process config on this machine's device."""
    cfg = config.final_config_dict
    if cfg.get("single_spec", True):
        return config
    processes = cfg.get("world_size")
    cfg.update(DISTRIBUTED_KEYS)
    cfg.pop("ddp_backend", None)
    use_cuda = torch.cuda.is_available() and str(cfg.get("gpu_id", "")) != ""
    cfg["device"] = torch.device("cuda") if use_cuda else torch.device("cpu")
    logger.info("checkpoint of a %s-process run: loaded in one process on %s", processes, cfg["device"])
    return config


def strip_ddp_prefix(state_dict: Mapping[str, Any]) -> dict[str, Any]:
    """``state_dict`` without DDP's ``module.`` prefix (a checkpoint of a wrapped model)."""
    state = dict(state_dict)
    if state and all(key.startswith("module.") for key in state):
        return {key.removeprefix("module."): value for key, value in state.items()}
    return state


__all__ = [
    "barrier",
    "check_processes",
    "check_same_features",
    "features_digest",
    "is_distributed",
    "rank",
    "rank_zero_first",
    "seed_model",
    "seed_training",
    "single_process_config",
    "strip_ddp_prefix",
    "sync_checkpoint_name",
]
