"""Installing the stand-ins as importable ``dgl`` / ``torch_scatter`` modules.

A stand-in is placed in ``sys.modules`` only when the real package cannot be found by
:func:`importlib.util.find_spec`; a user who has the real package keeps it. (A real package that
is installed but fails to import, e.g. a DGL built for another torch, is kept too: its own
ImportError is more useful than a silent substitute.) Each stand-in is a fresh module object
with a :class:`importlib.machinery.ModuleSpec` (so ``importlib.util.find_spec`` answers for it;
``importlib.reload`` does not, as no finder knows the name) and a marker attribute that tells it
apart from the real package.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from types import ModuleType

__all__ = ["SHIMS", "SHIM_VERSION", "install_shim", "is_shim", "real_package_available", "uninstall_shim"]

#: Importable name -> module of this package implementing it.
SHIMS: dict[str, str] = {
    "dgl": "recbole_kgllm.recbole_integration.compat.dgl_graph",
    "torch_scatter": "recbole_kgllm.recbole_integration.compat.torch_scatter_ops",
}

#: ``__version__`` of every stand-in: a PEP 440 version no real release will ever compare above.
SHIM_VERSION = "0.0.0+recbole.kgllm.shim"

_MARKER = "__recbole_kgllm_shim__"


class _ShimLoader(importlib.abc.Loader):
    """Loader of a stand-in: (re)fills the module from its implementation module."""

    def __init__(self, implementation: str) -> None:
        self.implementation = implementation

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None  # default module creation

    def exec_module(self, module: ModuleType) -> None:
        impl = importlib.import_module(self.implementation)
        for attr in impl.__all__:
            setattr(module, attr, getattr(impl, attr))
        module.__doc__ = impl.__doc__
        module.__version__ = SHIM_VERSION  # type: ignore[attr-defined]
        setattr(module, _MARKER, self.implementation)


def is_shim(module: ModuleType | None) -> bool:
    """Whether ``module`` is one of this package's stand-ins."""
    return module is not None and hasattr(module, _MARKER)


def real_package_available(name: str) -> bool:
    """Whether the real package ``name`` is imported or importable (stand-ins excluded)."""
    existing = sys.modules.get(name)
    if existing is not None:
        return not is_shim(existing)
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def install_shim(name: str) -> ModuleType:
    """Put the stand-in for ``name`` in ``sys.modules`` and return it.

    The caller decides whether it should (see :func:`real_package_available`).
    """
    loader = _ShimLoader(SHIMS[name])
    impl_spec = importlib.util.find_spec(SHIMS[name])
    spec = importlib.machinery.ModuleSpec(name, loader, origin=impl_spec.origin if impl_spec else None)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    sys.modules[name] = module
    return module


def uninstall_shim(name: str) -> bool:
    """Remove the stand-in for ``name`` from ``sys.modules`` (for tests). True if it was there."""
    if is_shim(sys.modules.get(name)):
        del sys.modules[name]
        return True
    return False
