"""The run pipeline: config -> dataset -> features -> model -> trainer -> evaluation.

Every entry point runs models through this module (``run_recbole``, ``recbole-kgllm run``,
the benchmark worker, the scripts in ``benchmarks/``, checkpoint reloading); no other module
creates a RecBole dataset, trainer or model. Each stage is a function, so a script that needs
only some stages (a grid search that fits many models on one split) composes them, and
:func:`run_pipeline` chains them all with :mod:`callbacks <recbole_kgllm.recbole_integration.callbacks>`
for what a caller observes (timings, a time cap, the split).

::

    build_config ─▶ load_data ─▶ feature_stage ─▶ build_model ─▶ build_trainer ─▶ fit ─▶ evaluate
     (YAML of        (RecBole     (the views the    (seeded;       (the model's
      plugins)        split)       model declares)   closed forms   trainer_for, else
                                                     fit here)      RecBole's choice)
"""
from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from recbole.data import create_dataset, data_preparation
from recbole.data.transform import construct_transform
from recbole.utils import get_environment, get_flops, get_trainer, init_logger, init_seed, set_color

from recbole_kgllm.model.inputs import ModelFeatures
from recbole_kgllm.recbole_integration.callbacks import Callbacks, FitSummary, RunCallback, StopTraining
from recbole_kgllm.recbole_integration.compat.trust import config_trusts_checkpoints, trusted_checkpoints
from recbole_kgllm.recbole_integration.config import build_config
from recbole_kgllm.recbole_integration.dataset_facts import item_tokens, user_tokens
from recbole_kgllm.recbole_integration import distributed
from recbole_kgllm.recbole_integration.model_lookup import resolve_model
from recbole_kgllm.recbole_integration.preflight import preflight
from recbole_kgllm.recbole_integration.session import prepare_recbole

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DataSplits:
    """A loaded dataset and RecBole's dataloaders of its split."""

    dataset: Any
    train: Any
    valid: Any
    test: Any

    @property
    def train_dataset(self) -> Any:
        """The training split as a RecBole dataset (what models are built on)."""
        return self.train._dataset

    @property
    def parts(self) -> list[Any]:
        """The train, valid and test split datasets."""
        return [self.train._dataset, self.valid._dataset, self.test._dataset]


@dataclass(frozen=True)
class RunResult:
    """What one run produced.

    Attributes:
        best_valid_score, best_valid_result: the best validation; valid_score_bigger: its direction;
        test_result: the test evaluation of the best checkpoint (of the last model when not saved);
        checkpoint: the saved file, or ``None``; fit: :class:`FitSummary`;
        config, model, data: the run's objects (the model holds the tested weights).
    """

    best_valid_score: float
    valid_score_bigger: bool
    best_valid_result: dict[str, float] | None
    test_result: dict[str, float]
    checkpoint: str | None
    fit: FitSummary
    config: Any = None
    model: Any = None
    data: DataSplits | None = None

    def summary(self) -> dict[str, Any]:
        """The plain values (no RecBole objects), e.g. to pass between processes."""
        return {
            "best_valid_score": self.best_valid_score, "valid_score_bigger": self.valid_score_bigger,
            "best_valid_result": dict(self.best_valid_result or {}), "test_result": dict(self.test_result),
            "checkpoint": self.checkpoint, "epochs": self.fit.epochs, "best_epoch": self.fit.best_epoch,
        }


def start(
    model: str, dataset: str, config_file_list: Sequence[str] | None = None,
    config_dict: dict[str, Any] | None = None, *, log: bool = True,
) -> Any:
    """RecBole readied (:func:`prepare_recbole`), the config built and checked (settings, device,
    data files: :func:`~recbole_kgllm.recbole_integration.preflight.preflight`, before anything is
    logged or written) and the seed set; with ``log``, RecBole's logger is set up and the data
    warnings, command line and config are logged."""
    prepare_recbole()
    config = build_config(model, dataset, config_file_list, config_dict)
    report = preflight(config)
    init_seed(config["seed"], config["reproducibility"])
    if log:
        # RecBole's ``ensure_dir`` tests then creates: the ranks of a multi-process run race on it.
        os.makedirs(os.path.join("log", str(config["model"])), exist_ok=True)
        init_logger(config)
        report.log()
        logging.getLogger().info(sys.argv)
        logging.getLogger().info(config)
    else:
        report.log()
    return config


def load_data(config: Any) -> DataSplits:
    """RecBole's dataset for ``config`` and its split into train/valid/test dataloaders."""
    dataset = create_dataset(config)
    logging.getLogger().info(dataset)
    train, valid, test = data_preparation(config, dataset)
    return DataSplits(dataset, train, valid, test)


def feature_stage(config: Any, model_class: type, dataset: Any) -> ModelFeatures | None:
    """The frozen inputs ``model_class`` declares for ``config`` (``feature_needs``), aligned to
    ``dataset``'s internal ids; ``None`` for models that declare none (RecBole's)."""
    declare = getattr(model_class, "feature_needs", None)
    if declare is None:
        return None
    needs = declare(config)
    from recbole_kgllm.features.stage import compute_features, rng_preserved

    # multi-process runs: rank 0 computes, the others read its store entries (issue 15)
    features = distributed.rank_zero_first(
        config, lambda: compute_features(config, needs, item_tokens=item_tokens(dataset), user_tokens=user_tokens(dataset))
    )
    distributed.check_same_features(config, features)
    if needs.teacher_checkpoint:
        from recbole_kgllm.recbole_integration.checkpoint import load_teacher

        with rng_preserved():
            features = replace(features, teacher=load_teacher(needs.teacher_checkpoint, dataset, config["device"]))
    return features


def instantiate(config: Any, dataset: Any, model_class: type, features: ModelFeatures | None) -> Any:
    """``model_class`` on ``dataset``, handed its ``features`` when it declared any, on the config's device."""
    model = model_class(config, dataset) if features is None else model_class(config, dataset, features=features)
    return model.to(config["device"])


def build_model(config: Any, dataset: Any, model_class: type | None = None, features: ModelFeatures | None = None) -> Any:
    """Seed, then build the model (its features are computed first unless given). Every rank of
    a multi-process run initialises the same model (the run's ``seed``) and then reseeds its
    training streams with ``seed + rank`` (:mod:`.distributed`); one process is seeded as
    RecBole's runner seeds it."""
    model_class = model_class or resolve_model(config["model"])
    if features is None:
        features = feature_stage(config, model_class, dataset)
    distributed.seed_model(config, init_seed)
    model = instantiate(config, dataset, model_class, features)
    distributed.seed_training(config, init_seed)
    return model


def trainer_class(model_class: type, config: Any) -> type:
    """The model's choice (a ``trainer_for(config)`` static method) if it has one, else RecBole's
    choice for its name and type."""
    choose = getattr(model_class, "trainer_for", None)
    return choose(config) if choose is not None else get_trainer(config["MODEL_TYPE"], config["model"])


def build_trainer(config: Any, model: Any) -> Any:
    """The trainer of ``model`` (see :func:`trainer_class`); the ranks of a multi-process run
    share rank 0's checkpoint name."""
    os.makedirs(config["checkpoint_dir"], exist_ok=True)  # before RecBole's racy ``ensure_dir``
    trainer = trainer_class(type(model), config)(config, model)
    distributed.sync_checkpoint_name(trainer)
    return trainer


def fit(trainer: Any, data: DataSplits, *, saved: bool = True, callbacks: RunCallback | None = None) -> FitSummary:
    """``trainer.fit`` on the split, with ``callbacks.on_epoch`` after each validation."""
    callbacks = callbacks or RunCallback()
    evaluated: list[int] = []

    def on_epoch(epoch: int, valid_score: float) -> None:
        evaluated.append(int(epoch))
        callbacks.on_epoch(int(epoch), float(valid_score))

    start, stopped_by = time.perf_counter(), None
    try:
        trainer.fit(data.train, data.valid, saved=saved, show_progress=trainer.config["show_progress"], callback_fn=on_epoch)
    except StopTraining as stop:
        stopped_by = str(stop)
        logging.getLogger().info(stopped_by)
    epochs = len(trainer.train_loss_dict)
    # RecBole's own formula for the epoch of the best checkpoint (as it logs at early stopping).
    best = evaluated[-1] - int(trainer.cur_step) * int(trainer.eval_step) if evaluated else epochs - 1
    summary = FitSummary(epochs=epochs, best_epoch=best, seconds=time.perf_counter() - start, stopped_by=stopped_by)
    callbacks.on_fit(summary)
    return summary


def evaluate(trainer: Any, loader: Any, *, load_best: bool) -> dict[str, float]:
    """RecBole's evaluation of ``loader`` (the best checkpoint first, with ``load_best``; in a
    multi-process run, once rank 0 has written it)."""
    distributed.barrier(trainer.config)
    return trainer.evaluate(loader, load_best_model=load_best, show_progress=trainer.config["show_progress"])


def config_snapshot(config: Any) -> dict[str, Any]:
    """Every effective setting of ``config`` (for a run's record)."""
    return dict(config.final_config_dict)


def run_pipeline(
    model: str,
    dataset: str,
    config_file_list: Sequence[str] | None = None,
    config_dict: dict[str, Any] | None = None,
    *,
    saved: bool = True,
    callbacks: Sequence[RunCallback] = (),
) -> RunResult:
    """Train, validate and test one model in this process (see the module docstring).

    Checkpoints (the best-model reload, a teacher) and RecBole's saved datasets are read through
    the restricted unpickler unless the config sets ``trust_checkpoint`` (``docs/reliability.md``).
    """
    config = start(model, dataset, config_file_list, config_dict)
    with trusted_checkpoints(config_trusts_checkpoints(config)):
        return _stages(config, model, saved=saved, cb=Callbacks(callbacks))


def _stages(config: Any, model: str, *, saved: bool, cb: Callbacks) -> RunResult:
    root = logging.getLogger()
    cb.on_config(config)

    clock = time.perf_counter()
    data = load_data(config)
    cb.on_data(data, time.perf_counter() - clock)

    model_class = resolve_model(model)
    clock = time.perf_counter()
    features = feature_stage(config, model_class, data.train_dataset)
    cb.on_features(features, time.perf_counter() - clock)

    clock = time.perf_counter()
    recommender = build_model(config, data.train_dataset, model_class, features)
    cb.on_model(recommender, time.perf_counter() - clock)
    root.info(recommender)
    flops = get_flops(recommender, data.dataset, config["device"], root, construct_transform(config))
    root.info(set_color("FLOPs", "blue") + f": {flops}")

    trainer = build_trainer(config, recommender)
    summary = fit(trainer, data, saved=saved, callbacks=cb)
    clock = time.perf_counter()
    test_result = evaluate(trainer, data.test, load_best=saved)
    cb.on_test(test_result, time.perf_counter() - clock)

    root.info("The running environment of this training is as follows:\n" + get_environment(config).draw())
    root.info(set_color("best valid ", "yellow") + f": {trainer.best_valid_result}")
    root.info(set_color("test result", "yellow") + f": {test_result}")
    return RunResult(
        best_valid_score=trainer.best_valid_score, valid_score_bigger=config["valid_metric_bigger"],
        best_valid_result=trainer.best_valid_result, test_result=test_result,
        checkpoint=trainer.saved_model_file if saved else None, fit=summary,
        config=config, model=recommender, data=data,
    )


__all__ = [
    "DataSplits",
    "RunResult",
    "build_model",
    "build_trainer",
    "config_snapshot",
    "evaluate",
    "feature_stage",
    "fit",
    "instantiate",
    "load_data",
    "run_pipeline",
    "start",
    "trainer_class",
]
