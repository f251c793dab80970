"""The allow-list of the restricted checkpoint unpickler (:mod:`.safe_unpickle`): what a RecBole
checkpoint legitimately holds, built from real checkpoints of BPR, LightGCN, EASE, SASRec, KGAT,
KGIN, KGLLMRec (each backbone) and KGLLMSeqRec (``tests/integration/test_checkpoint_safety.py``).

Three kinds of names: globals a pickle may *call* (torch's own weights-only list plus the few
below), classes it may only create *empty* and fill (``NEWOBJ`` + ``BUILD``), and classes that may
only appear as *values* (the model class and YAML loader a ``Config`` holds). Modules are
imported only for names on these lists.
"""
from __future__ import annotations

import enum
import functools
import importlib
from collections import OrderedDict
from typing import Any

__all__ = ["allowed_call_names", "model_class", "static_calls", "static_new_only", "static_values"]


#: (module, qualname) pairs, besides torch's own allow-list, that a pickle may call or instantiate.
_CALLS: tuple[tuple[str, str], ...] = (
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("builtins", "complex"),
    ("builtins", "slice"),
    ("builtins", "bytearray"),
    ("collections", "OrderedDict"),
    ("collections", "Counter"),
    ("pathlib", "Path"),
    ("pathlib", "PosixPath"),
    ("pathlib", "WindowsPath"),
    ("pathlib", "PurePath"),
    ("pathlib", "PurePosixPath"),
    ("pathlib", "PureWindowsPath"),
    ("numpy", "dtype"),
    ("numpy", "ndarray"),
    ("numpy", "matrix"),
    ("numpy.matrixlib.defmatrix", "matrix"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy._core.multiarray", "_reconstruct"),
)

#: (module, qualname) classes a pickle may only create empty (``NEWOBJ``: ``cls.__new__(cls)``)
#: and then fill (``BUILD``), never call: calling ``Config(...)`` would parse and ``eval`` values.
_NEW_ONLY: tuple[tuple[str, str], ...] = (
    ("recbole.config.configurator", "Config"),
    ("recbole_kgllm.recbole_integration.config", "KGLLMConfig"),
    ("scipy.sparse._csr", "csr_matrix"),
    ("scipy.sparse._csc", "csc_matrix"),
    ("scipy.sparse._coo", "coo_matrix"),
    ("scipy.sparse.csr", "csr_matrix"),
    ("scipy.sparse.csc", "csc_matrix"),
    ("scipy.sparse.coo", "coo_matrix"),
)

#: Modules whose ``Enum`` classes a pickle may call (``ModelType(1)`` is a value lookup).
_ENUM_MODULES = ("recbole.utils.enum_type",)

#: (module, qualname) pairs that may appear as values but are never called.
_VALUES: tuple[tuple[str, str], ...] = (
    ("yaml.loader", "Loader"),
    ("yaml.loader", "FullLoader"),
    ("yaml.loader", "SafeLoader"),
    ("yaml", "Loader"),
    ("yaml", "FullLoader"),
    ("yaml", "SafeLoader"),
)


def _torch_allowed() -> dict[str, Any]:
    """torch's own weights-only allow-list (tensor rebuild functions, dtypes, storages...)."""
    try:
        from torch._weights_only_unpickler import _get_allowed_globals

        return dict(_get_allowed_globals())
    except (ImportError, AttributeError):  # pragma: no cover - a torch without the private helper
        import torch

        return {
            "torch._utils._rebuild_tensor_v2": torch._utils._rebuild_tensor_v2,
            "torch._utils._rebuild_parameter": torch._utils._rebuild_parameter,
            "torch.device": torch.device,
            "torch.Size": torch.Size,
            "collections.OrderedDict": OrderedDict,
        }


def _lookup(module: str, qualname: str) -> Any:
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _resolve_all(pairs: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    out = {}
    for module, qualname in pairs:
        try:
            out[f"{module}.{qualname}"] = _lookup(module, qualname)
        except (ImportError, AttributeError):  # e.g. numpy 1 has no numpy._core
            continue
    return out


@functools.lru_cache(maxsize=1)
def static_calls() -> dict[str, Any]:
    allowed = {**_torch_allowed(), **_resolve_all(_CALLS)}
    for module_name in _ENUM_MODULES:
        module = importlib.import_module(module_name)
        for name, obj in vars(module).items():
            if isinstance(obj, type) and issubclass(obj, enum.Enum) and obj.__module__ == module_name:
                allowed[f"{module_name}.{name}"] = obj
    return allowed


@functools.lru_cache(maxsize=1)
def static_new_only() -> dict[str, Any]:
    return _resolve_all(_NEW_ONLY)


@functools.lru_cache(maxsize=1)
def static_values() -> dict[str, Any]:
    return _resolve_all(_VALUES)


def allowed_call_names() -> list[str]:
    """Every ``module.qualname`` a checkpoint pickle may call (for docs and tests)."""
    return sorted(static_calls())


def model_class(module: str, qualname: str) -> type | None:
    """A model class (RecBole's or a registered plugin model's) named ``module.qualname``, imported
    only when ``module`` is one of RecBole's model modules; else None."""
    from recbole_kgllm.recbole_integration.model_lookup import plugin_models, recbole_model_files

    for cls in plugin_models().values():
        if cls.__module__ == module and cls.__qualname__ == qualname:
            return cls
    if module.startswith("recbole.model.") and module in set(recbole_model_files().values()):
        try:
            cls = _lookup(module, qualname)
        except (ImportError, AttributeError):
            return None
        from recbole.model.abstract_recommender import AbstractRecommender

        if isinstance(cls, type) and issubclass(cls, AbstractRecommender):
            return cls
    return None
