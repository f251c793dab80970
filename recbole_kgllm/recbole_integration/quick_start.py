"""Training and evaluating any model, ours, a plugin's or RecBole's, the way RecBole's
``run_recbole`` does, but with plugin models and their YAML defaults, and RecBole's
multi-process (multi-GPU) path kept."""
from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import Any

import torch.distributed as dist
from recbole.data import create_dataset, data_preparation
from recbole.data.transform import construct_transform
from recbole.utils import get_environment, get_flops, get_trainer, init_logger, init_seed, set_color

from recbole_kgllm.recbole_integration.compat.trust import config_trusts_checkpoints, trusted_checkpoints
from recbole_kgllm.recbole_integration.config import build_config
from recbole_kgllm.recbole_integration.model_lookup import resolve_model
from recbole_kgllm.recbole_integration.preflight import check_processes, preflight
from recbole_kgllm.recbole_integration.session import prepare_recbole
from recbole_kgllm.recbole_integration.validation import ValidationReport

RunResult = dict[str, Any]


def trainer_class(model_class: type, config: Any) -> type:
    """The model's choice (a ``trainer_for(config)`` static method) if it has one, else RecBole's
    choice for its name and type."""
    choose = getattr(model_class, "trainer_for", None)
    return choose(config) if choose is not None else get_trainer(config["MODEL_TYPE"], config["model"])


def run_single(
    model: str,
    dataset: str,
    config_file_list: Sequence[str] | None = None,
    config_dict: dict[str, Any] | None = None,
    *,
    saved: bool = True,
    queue: Any = None,
) -> RunResult:
    """Train, validate and test one model in this process; returns RecBole's result dict.

    Settings, device and data files are checked (:func:`preflight`) before RecBole's logger
    starts; checkpoints and saved datasets are read safely unless ``trust_checkpoint`` is set.
    """
    prepare_recbole()
    config = build_config(model, dataset, config_file_list, config_dict)
    report = preflight(config)
    with trusted_checkpoints(config_trusts_checkpoints(config)):
        return _train_and_test(config, model, report, saved=saved, queue=queue)


def _train_and_test(config: Any, model: str, report: ValidationReport, *, saved: bool, queue: Any) -> RunResult:
    init_seed(config["seed"], config["reproducibility"])
    init_logger(config)
    logger = logging.getLogger()
    report.log()
    logger.info(sys.argv)
    logger.info(config)

    data = create_dataset(config)
    logger.info(data)
    train_data, valid_data, test_data = data_preparation(config, data)

    init_seed(config["seed"] + config["local_rank"], config["reproducibility"])
    model_class = resolve_model(model)
    recommender = model_class(config, train_data._dataset).to(config["device"])
    logger.info(recommender)
    flops = get_flops(recommender, data, config["device"], logger, construct_transform(config))
    logger.info(set_color("FLOPs", "blue") + f": {flops}")

    trainer = trainer_class(model_class, config)(config, recommender)
    best_valid_score, best_valid_result = trainer.fit(
        train_data, valid_data, saved=saved, show_progress=config["show_progress"]
    )
    test_result = trainer.evaluate(test_data, load_best_model=saved, show_progress=config["show_progress"])

    logger.info("The running environment of this training is as follows:\n" + get_environment(config).draw())
    logger.info(set_color("best valid ", "yellow") + f": {best_valid_result}")
    logger.info(set_color("test result", "yellow") + f": {test_result}")
    result: RunResult = {
        "best_valid_score": best_valid_score,
        "valid_score_bigger": config["valid_metric_bigger"],
        "best_valid_result": best_valid_result,
        "test_result": test_result,
        "checkpoint": getattr(trainer, "saved_model_file", None) if saved else None,
    }
    if not config["single_spec"]:
        dist.destroy_process_group()
    if config["local_rank"] == 0 and queue is not None:
        queue.put(result)
    return result


def _worker(rank: int, model: str, dataset: str, config_file_list: Sequence[str] | None, kwargs: dict[str, Any]) -> None:
    """Entry of each spawned process on RecBole's multi-process path."""
    config_dict = dict(kwargs["config_dict"], local_rank=rank)
    run_single(model, dataset, config_file_list, config_dict, saved=kwargs["saved"], queue=kwargs["queue"])


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
) -> RunResult | None:
    """Like ``recbole.quick_start.run``: one process, or ``nproc`` processes (one per GPU)."""
    check_processes(nproc, world_size)
    if nproc == 1 and world_size <= 0:
        return run_single(model, dataset, config_file_list, config_dict, saved=saved)
    import torch.multiprocessing as mp

    resolve_model(model)  # fail fast, before spawning: the settings, devices and data are checked once here
    prepare_recbole()
    parent_config = build_config(model, dataset, config_file_list, config_dict)
    preflight(parent_config)
    check_processes(nproc, world_size, str(parent_config["gpu_id"]))
    queue = mp.get_context("spawn").SimpleQueue()
    config_dict = dict(config_dict or {})
    config_dict.update(
        {"world_size": nproc if world_size == -1 else world_size, "ip": ip, "port": port, "nproc": nproc, "offset": group_offset}
    )
    kwargs = {"config_dict": config_dict, "queue": queue, "saved": saved}
    mp.spawn(_worker, args=(model, dataset, config_file_list, kwargs), nprocs=nproc, join=True)
    return None if queue.empty() else queue.get()
