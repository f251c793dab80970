"""Training and evaluating any model, ours, a plugin's or RecBole's, the way RecBole's
``run_recbole`` does, through our run pipeline (:mod:`recbole_kgllm.recbole_integration.pipeline`),
with RecBole's multi-process (multi-GPU) path kept."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch.distributed as dist

from recbole_kgllm.recbole_integration.model_lookup import resolve_model
from recbole_kgllm.recbole_integration.pipeline import RunResult, run_pipeline
from recbole_kgllm.recbole_integration.preflight import preflight


def run_single(
    model: str,
    dataset: str,
    config_file_list: Sequence[str] | None = None,
    config_dict: dict[str, Any] | None = None,
    *,
    saved: bool = True,
    queue: Any = None,
) -> RunResult:
    """Train, validate and test one model in this process (one rank of a multi-process run)."""
    result = run_pipeline(model, dataset, config_file_list, config_dict, saved=saved)
    config = result.config
    if not config["single_spec"]:
        dist.destroy_process_group()
    if config["local_rank"] == 0 and queue is not None:
        queue.put(result.summary())
    return result


def _worker(rank: int, model: str, dataset: str, config_file_list: Sequence[str] | None, kwargs: dict[str, Any]) -> None:
    """Entry of each spawned process on RecBole's multi-process path."""
    config_dict = dict(kwargs["config_dict"], local_rank=rank)
    run_single(model, dataset, config_file_list, config_dict, saved=kwargs["saved"], queue=kwargs["queue"])


def _processes(
    model: str, dataset: str, config_file_list: Sequence[str] | None, config_dict: dict[str, Any] | None,
    nproc: int, world_size: int,
) -> int:
    """The processes to spawn (1 for a closed form), checked once before spawning: every
    setting, device and data file (:func:`preflight`) and the process count (see
    :func:`recbole_kgllm.recbole_integration.distributed.check_processes`)."""
    from recbole_kgllm.recbole_integration.config import build_config
    from recbole_kgllm.recbole_integration.distributed import check_processes
    from recbole_kgllm.recbole_integration.pipeline import trainer_class
    from recbole_kgllm.recbole_integration.session import prepare_recbole

    prepare_recbole()
    model_class = resolve_model(model)
    config = build_config(model, dataset, config_file_list, config_dict)
    preflight(config)
    return check_processes(nproc, world_size, config, model_class, trainer_class(model_class, config))


def run(
    model: str,
    dataset: str,
    config_file_list: Sequence[str] | None = None,
    config_dict: dict[str, Any] | None = None,
    *,
    saved: bool = True,
    nproc: int = 1,
    world_size: int = -1,
    ip: str = "localhost",
    port: str = "5678",
    group_offset: int = 0,
) -> dict[str, Any] | None:
    """Like ``recbole.quick_start.run``: one process, or ``nproc`` processes (one per GPU with
    NCCL; on CPU with gloo when CUDA is absent or ``ddp_backend: gloo`` is set; a closed-form
    model runs in one process).

    Returns:
        ``{"best_valid_score", "valid_score_bigger", "best_valid_result", "test_result",
        "checkpoint", "epochs", "best_epoch"}`` of rank 0 (see :meth:`RunResult.summary`).
    """
    if nproc == 1 and world_size <= 0:
        return run_single(model, dataset, config_file_list, config_dict, saved=saved).summary()
    import torch.multiprocessing as mp

    nproc = _processes(model, dataset, config_file_list, config_dict, nproc, world_size)  # fail fast, before spawning
    if nproc == 1 and world_size <= 1:
        return run_single(model, dataset, config_file_list, config_dict, saved=saved).summary()
    queue = mp.get_context("spawn").SimpleQueue()
    config_dict = dict(config_dict or {})
    config_dict.update(
        {"world_size": nproc if world_size == -1 else world_size, "ip": ip, "port": port, "nproc": nproc, "offset": group_offset}
    )
    kwargs = {"config_dict": config_dict, "queue": queue, "saved": saved}
    mp.spawn(_worker, args=(model, dataset, config_file_list, kwargs), nprocs=nproc, join=True)
    return None if queue.empty() else queue.get()
