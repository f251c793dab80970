"""Reloading RecBole checkpoints of any model, plugin models included, without running code
from the file."""
from __future__ import annotations

from logging import getLogger
from typing import Any

from recbole_kgllm.recbole_integration.session import prepare_recbole


def load_data_and_model(model_file: str, *, trust_checkpoint: bool = False) -> tuple[Any, Any, Any, Any, Any, Any]:
    """RecBole's ``load_data_and_model`` for every model, with the checkpoint read safely.

    The same steps as ``recbole.quick_start.load_data_and_model`` (seed, logger, dataset, split,
    model, state), except that the checkpoint is read through the restricted unpickler
    (:mod:`recbole_kgllm.recbole_integration.compat.safe_unpickle`), the dataset's atomic files
    are validated before RecBole reads them, and plugin models are found.

    Args:
        model_file: the ``.pth`` file RecBole's trainer saved.
        trust_checkpoint: unpickle the checkpoint (and any saved dataset/dataloaders RecBole
            finds) in full. Only for files you trust: a pickle can run code.

    Returns:
        ``(config, model, dataset, train_data, valid_data, test_data)`` as RecBole does.

    Raises:
        UntrustedCheckpointError: the file needs a type outside the allow-list (one line).
        KGLLMError: the file is missing or not a RecBole checkpoint.
    """
    from recbole.data import create_dataset, data_preparation
    from recbole.utils import init_logger, init_seed

    from recbole_kgllm.recbole_integration.compat.checkpoint import load_recbole_checkpoint
    from recbole_kgllm.recbole_integration.compat.trust import trusted_checkpoints
    from recbole_kgllm.recbole_integration.model_lookup import resolve_model
    from recbole_kgllm.recbole_integration.validation import validate_dataset

    prepare_recbole()
    with trusted_checkpoints(trust_checkpoint):
        checkpoint = load_recbole_checkpoint(model_file, map_location="cpu")
        config = checkpoint["config"]
        validate_dataset(config)
        init_seed(config["seed"], config["reproducibility"])
        init_logger(config)
        logger = getLogger()
        logger.info(config)
        dataset = create_dataset(config)
        logger.info(dataset)
        train_data, valid_data, test_data = data_preparation(config, dataset)
    init_seed(config["seed"], config["reproducibility"])
    model = resolve_model(config["model"])(config, train_data._dataset).to(config["device"])
    model.load_state_dict(checkpoint["state_dict"])
    model.load_other_parameter(checkpoint.get("other_parameter"))
    return config, model, dataset, train_data, valid_data, test_data
