"""Name -> class registries, one per family, filled by calling each plugin's hooks.

Selection is by name from the config; dispatch happens only here, never in ``if`` chains.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pluggy

from recbole_kgllm.errors import PluginConflictError, UnknownComponentError
from recbole_kgllm.hookspecs import FAMILIES


@dataclass(frozen=True)
class Entry:
    """One registered component."""

    name: str
    obj: Any
    plugin: str
    meta: dict[str, Any] = field(default_factory=dict)


class Registry:
    """Components of one family, keyed by name."""

    def __init__(self, family: str) -> None:
        self.family = family
        self._entries: dict[str, Entry] = {}

    def add(self, obj: Any, name: str | None = None, *, plugin: str = "<direct>", **meta: Any) -> None:
        """Register ``obj``; the name defaults to ``obj.name`` (strategies) or ``obj.__name__``."""
        key = name or getattr(obj, "name", None) or obj.__name__
        if not isinstance(key, str) or not key:
            raise TypeError(f"cannot derive a {self.family} name for {obj!r}; pass name=")
        if key in self._entries:
            other = self._entries[key].plugin
            raise PluginConflictError(
                f"{self.family} '{key}' is registered by both plugin '{other}' and plugin '{plugin}'"
            )
        self._entries[key] = Entry(key, obj, plugin, dict(meta))

    def entry(self, name: str) -> Entry:
        """The entry for ``name``; raises :class:`UnknownComponentError` listing valid names."""
        try:
            return self._entries[name]
        except KeyError:
            raise UnknownComponentError(self.family, name, self._entries) from None

    def get(self, name: str) -> Any:
        """The class registered as ``name``."""
        return self.entry(name).obj

    def names(self) -> list[str]:
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[Entry]:
        return iter(sorted(self._entries.values(), key=lambda e: e.name))

    def __len__(self) -> int:
        return len(self._entries)


def build_registries(pm: pluggy.PluginManager) -> dict[str, Registry]:
    """Call every registration hook of every plugin and collect the results by family."""
    registries = {family: Registry(family) for family in FAMILIES.values()}
    for hook_name, family in FAMILIES.items():
        reg = registries[family]
        for impl in getattr(pm.hook, hook_name).get_hookimpls():

            def register(obj: Any, name: str | None = None, *, _p: str = impl.plugin_name, _r: Registry = reg, **meta: Any) -> None:
                _r.add(obj, name, plugin=_p, **meta)

            impl.function(register=register)
    return registries


_registries: dict[str, Registry] | None = None


def get_registries() -> dict[str, Registry]:
    """All registries for the process-wide plugin manager (built once, lazily)."""
    global _registries
    if _registries is None:
        from recbole_kgllm.plugins import load_plugins

        _registries = build_registries(load_plugins())
    return _registries


def get_registry(family: str) -> Registry:
    """The registry of one family: ``model``, ``fusion``, ``distiller``, ``text_encoder``, ``backbone`` or ``loss``."""
    registries = get_registries()
    if family not in registries:
        raise UnknownComponentError("component family", family, registries)
    return registries[family]


def resolve(family: str, name: str) -> Any:
    """The class registered as ``name`` in ``family`` (one clear error when unknown)."""
    return get_registry(family).get(name)


def reset_registries() -> None:
    """Drop the cached registries (see :func:`recbole_kgllm.plugins.reset_plugins`)."""
    global _registries
    _registries = None
