"""RecBole's saved datasets and dataloaders are full pickles: refuse them unless trusted.

``recbole.data.create_dataset`` unpickles ``<checkpoint_dir>/<dataset>-<DatasetClass>.pth`` (or
``dataset_save_path``) whenever that file exists, and ``data_preparation`` unpickles
``<checkpoint_dir>/<dataset>-for-<model>-dataloader.pth`` (or ``dataloaders_save_path``) the
same way, with plain ``pickle.load``: any file placed there runs code. They hold whole
``Dataset`` objects (pandas frames, samplers...), far beyond an allow-list, so
:func:`install_saved_data_guard` replaces the ``pickle`` name inside ``recbole.data.utils`` (the
only RecBole module that unpickles them) with a proxy whose ``load`` refuses, in one line naming
the file, unless the user trusts it (:mod:`.trust`: ``--trust_checkpoint``). Writing
(``save_dataset``, ``save_dataloaders``) is unchanged. RecBole's files are not edited.
"""
from __future__ import annotations

import importlib
import pickle
import sys
import types
from typing import Any

from recbole_kgllm.errors import UntrustedCheckpointError
from recbole_kgllm.recbole_integration.compat.trust import ENV_TRUST, checkpoints_trusted

__all__ = ["GUARDED_MODULES", "install_saved_data_guard", "is_saved_data_guard_installed", "uninstall_saved_data_guard"]

#: RecBole modules that call ``pickle.load`` on saved datasets/dataloaders.
GUARDED_MODULES = ("recbole.data.utils",)
_MARK = "__recbole_kgllm_guard__"


def _guarded_load(file: Any, *args: Any, **kwargs: Any) -> Any:
    if checkpoints_trusted():
        return pickle.load(file, *args, **kwargs)
    name = getattr(file, "name", "<file object>")
    raise UntrustedCheckpointError(
        f"refusing to unpickle the saved RecBole dataset/dataloaders {name}: such files are full pickles that can run "
        f"code; delete the file to rebuild from the atomic files, or, if you made it yourself, add --trust_checkpoint "
        f"(or set {ENV_TRUST}=1)"
    )


def _proxy() -> types.ModuleType:
    proxy = types.ModuleType("pickle", "pickle whose load refuses untrusted files (recbole-kgllm)")
    for name in dir(pickle):
        if not name.startswith("__"):
            setattr(proxy, name, getattr(pickle, name))
    proxy.load = _guarded_load  # type: ignore[attr-defined]
    setattr(proxy, _MARK, True)
    return proxy


def is_saved_data_guard_installed() -> bool:
    """Whether every module of :data:`GUARDED_MODULES` sees the guarded ``pickle``."""
    return all(getattr(getattr(sys.modules.get(m), "pickle", None), _MARK, False) for m in GUARDED_MODULES)


def install_saved_data_guard() -> bool:
    """Install the guard; True if this call installed it."""
    if is_saved_data_guard_installed():
        return False
    proxy = _proxy()
    for module_name in GUARDED_MODULES:
        importlib.import_module(module_name).pickle = proxy  # type: ignore[attr-defined]
    return True


def uninstall_saved_data_guard() -> bool:
    """Restore the real ``pickle`` in the guarded modules (for tests); True if it was installed."""
    installed = is_saved_data_guard_installed()
    for module_name in GUARDED_MODULES:
        importlib.import_module(module_name).pickle = pickle  # type: ignore[attr-defined]
    return installed
