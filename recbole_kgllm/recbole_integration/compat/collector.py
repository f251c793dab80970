"""Let RecBole 1.2.1 evaluate its beyond-accuracy metrics (RecBole issue #2194).

``Collector.get_data_struct`` calls ``.cpu()`` on every collected value. ``ItemCoverage``,
``GiniIndex``, ``AveragePopularity`` and ``TailPercentage`` ask for ``data.num_items`` (an
``int``) or ``data.count_items`` (a ``Counter``), so evaluation with any of them in ``metrics``
fails with ``AttributeError: 'int' object has no attribute 'cpu'``.

The fix wraps ``get_data_struct``: before RecBole's own method runs, every value that is not a
tensor is boxed in :class:`_CpuPassthrough`, whose ``cpu()`` hands back the original value. RecBole's
method then runs unchanged and the metrics receive exactly the values RecBole collected. It is
installed only by :func:`recbole_kgllm.recbole_integration.compat.apply_compat` and can be
removed with :func:`uninstall_collector_fix`.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import torch

_MARK = "_recbole_kgllm_collector_fix"


class _CpuPassthrough:
    """A non-tensor collected value with the ``cpu()`` RecBole calls on it."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def cpu(self) -> Any:
        return self.value


def _wrap(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    @functools.wraps(original)
    def get_data_struct(self: Any) -> Any:
        values = self.data_struct._data_dict
        for key, value in list(values.items()):
            if not isinstance(value, torch.Tensor):
                values[key] = _CpuPassthrough(value)
        return original(self)

    setattr(get_data_struct, _MARK, original)
    return get_data_struct


def is_collector_fix_installed() -> bool:
    from recbole.evaluator.collector import Collector

    return hasattr(Collector.get_data_struct, _MARK)


def install_collector_fix() -> bool:
    """Install the wrapper; ``False`` when it already was."""
    from recbole.evaluator.collector import Collector

    if is_collector_fix_installed():
        return False
    Collector.get_data_struct = _wrap(Collector.get_data_struct)
    return True


def uninstall_collector_fix() -> bool:
    """Restore RecBole's method; ``False`` when the wrapper was not installed."""
    from recbole.evaluator.collector import Collector

    if not is_collector_fix_installed():
        return False
    Collector.get_data_struct = getattr(Collector.get_data_struct, _MARK)
    return True


__all__ = ["install_collector_fix", "is_collector_fix_installed", "uninstall_collector_fix"]
