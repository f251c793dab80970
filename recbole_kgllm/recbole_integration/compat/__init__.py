"""Make RecBole 1.2.1's baselines run on today's libraries, with the least global effect.

What breaks without this layer, and what :func:`apply_compat` does about it:

* torch >= 2.6 refuses RecBole's checkpoints (best-model reload, ``load_data_and_model``):
  ``torch.load`` calls made by RecBole's own modules load through a restricted unpickler with an
  explicit allow-list, so a checkpoint never runs code (:mod:`.checkpoint`, :mod:`.safe_unpickle`;
  the opt-in for trusted files is in :mod:`.trust`).
* RecBole unpickles saved datasets/dataloaders with plain ``pickle.load`` whenever the file
  exists: refused unless trusted (:mod:`.saved_data`).
* KGAT (through ``Dataset.ckg_graph(form="dgl")``) imports ``dgl``, which has no build for
  current torch: a pure-torch/scipy stand-in (:mod:`.dgl_graph`) becomes importable as ``dgl``.
* KGIN and MCCLK import ``torch_scatter``, source-only on PyPI: a pure-torch stand-in
  (:mod:`.torch_scatter_ops`) becomes importable as ``torch_scatter``.
* RecBole's multi-process path hard-codes NCCL and one GPU per process: :mod:`.distributed`
  runs it with gloo on CPU when CUDA is absent or ``ddp_backend: gloo`` is set.
* RecBole's evaluation collector crashes on the beyond-accuracy metrics (``ItemCoverage``,
  ``GiniIndex``, ...; RecBole issue #2194): :mod:`.collector` lets their non-tensor inputs through.

A stand-in is installed only when the real package is not importable; a user who has DGL or
torch_scatter keeps them. Nothing happens on ``import recbole_kgllm``: only this package's entry
points call :func:`apply_compat`. Side effect worth knowing: code that probes for
``torch_scatter`` *after* :func:`apply_compat` (PyKEEN's ``pykeen.nn.weighting`` does at its
import) finds the stand-in, which implements the functions it calls (``scatter_add``,
``scatter_max``).
"""
from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

import torch

from recbole_kgllm.recbole_integration.compat import checkpoint, collector, distributed, saved_data, shims

__all__ = ["CompatReport", "apply_compat", "compat_status"]

logger = logging.getLogger(__name__)

ModuleState = Literal["real", "shim", "missing"]
CheckpointState = Literal["restricted", "not-needed", "off"]

_lock = threading.Lock()


@dataclass(frozen=True)
class CompatReport:
    """State of the compatibility layer, and what the call that produced it changed.

    Attributes:
        modules: for ``dgl`` and ``torch_scatter``: ``"real"`` (the user's package),
            ``"shim"`` (our stand-in is installed) or ``"missing"`` (neither, not yet applied).
        checkpoint_loading: ``"restricted"`` (RecBole's ``torch.load`` calls go through the
            allow-list unpickler), ``"not-needed"`` (torch < 2.6) or ``"off"``.
        saved_data_guard: whether RecBole's saved datasets/dataloaders are refused unless trusted.
        beyond_accuracy_metrics: whether RecBole's collector passes non-tensor values (the
            :mod:`.collector` fix is installed).
        torch_version: ``torch.__version__``.
        changes: what this call did, one line each; empty when nothing changed.
    """

    modules: Mapping[str, ModuleState]
    checkpoint_loading: CheckpointState
    torch_version: str
    changes: tuple[str, ...] = field(default=())
    beyond_accuracy_metrics: bool = False
    saved_data_guard: bool = False

    def lines(self) -> list[str]:
        """Human-readable status lines, for ``recbole-kgllm`` to print."""
        names = {"real": "real package", "shim": "recbole-kgllm stand-in", "missing": "not available"}
        out = [f"{name}: {names[state]}" for name, state in self.modules.items()]
        out.append(f"checkpoint loading (torch {self.torch_version}): {self.checkpoint_loading}")
        out.append(f"saved datasets/dataloaders: {'refused unless trusted' if self.saved_data_guard else 'unpickled by RecBole'}")
        out.append(f"beyond-accuracy metrics in RecBole's evaluator: {'fixed' if self.beyond_accuracy_metrics else 'off'}")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def _module_state(name: str) -> ModuleState:
    if shims.is_shim(sys.modules.get(name)):
        return "shim"
    return "real" if shims.real_package_available(name) else "missing"


def _checkpoint_state() -> CheckpointState:
    if not checkpoint.needs_checkpoint_fix():
        return "not-needed"
    return "restricted" if checkpoint.is_checkpoint_loading_installed() else "off"


def compat_status() -> CompatReport:
    """The current state, changing nothing."""
    return CompatReport(
        modules=MappingProxyType({name: _module_state(name) for name in shims.SHIMS}),
        checkpoint_loading=_checkpoint_state(),
        torch_version=str(torch.__version__),
        beyond_accuracy_metrics=collector.is_collector_fix_installed(),
        saved_data_guard=saved_data.is_saved_data_guard_installed(),
    )


def apply_compat() -> CompatReport:
    """Apply the compatibility layer (idempotent, thread-safe) and report what it did.

    Returns:
        The resulting state; ``changes`` lists what this call installed (empty on repeats).
    """
    changes: list[str] = []
    with _lock:
        for name in shims.SHIMS:
            if _module_state(name) == "missing":
                shims.install_shim(name)
                changes.append(f"installed stand-in module '{name}' ({shims.SHIMS[name]})")
        if checkpoint.install_checkpoint_loading():
            changes.append("torch.load: calls from recbole.* modules use the restricted checkpoint unpickler")
        if saved_data.install_saved_data_guard():
            changes.append("recbole.data.utils: saved datasets/dataloaders are unpickled only when trusted")
        if collector.install_collector_fix():
            changes.append("recbole Collector: non-tensor values (ItemCoverage, GiniIndex inputs) pass through")
        if distributed.install_cpu_ddp():
            changes.append("recbole multi-process runs: gloo on CPU without CUDA or with ddp_backend: gloo")
        status = compat_status()
    report = CompatReport(
        modules=status.modules,
        checkpoint_loading=status.checkpoint_loading,
        torch_version=status.torch_version,
        changes=tuple(changes),
        beyond_accuracy_metrics=status.beyond_accuracy_metrics,
        saved_data_guard=status.saved_data_guard,
    )
    for change in changes:
        logger.info("recbole-kgllm compat: %s", change)
    return report
