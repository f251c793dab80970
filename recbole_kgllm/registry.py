"""Name -> class registries, one per family, filled by calling each plugin's hooks.

Selection is by name from the config; dispatch happens only here, never in ``if`` chains.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pluggy

from recbole_kgllm.errors import PluginConflictError, UnknownComponentError
from recbole_kgllm.hookspecs import FAMILIES

logger = logging.getLogger("recbole_kgllm.plugins")


@dataclass(frozen=True)
class Entry:
    """One registered component."""

    name: str
    obj: Any
    plugin: str
    meta: dict[str, Any] = field(default_factory=dict)


class Registry:
    """Components of one family, keyed by name.

    Attributes:
        conflicts: names two plugins both registered -> the plugins' descriptions (neither is
            used; asking for the name is an error naming both).
        broken: one line per plugin that failed to load (an unknown name may be theirs).
    """

    def __init__(self, family: str) -> None:
        self.family = family
        self._entries: dict[str, Entry] = {}
        self.conflicts: dict[str, tuple[str, ...]] = {}
        self.broken: list[str] = []

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
        if name in self.conflicts:
            raise PluginConflictError(
                f"{self.family} '{name}' is registered by {' and by '.join(self.conflicts[name])}: block one of them "
                "with RECBOLE_KGLLM_BLOCK_PLUGINS=<plugin name>"
            )
        try:
            return self._entries[name]
        except KeyError:
            raise UnknownComponentError(self.family, name, self._entries, broken=self.broken) from None

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
    """Call every registration hook of every plugin and collect the results by family.

    A hook that raises is named with its plugin in one warning line and its registrations are
    dropped; a name registered by two plugins is named with both (one warning line) and used by
    neither. Everything else stays usable.
    """
    from recbole_kgllm.plugin_health import BrokenPlugin, broken_plugins, describe_plugin, record_broken

    registries = {family: Registry(family) for family in FAMILIES.values()}
    for hook_name, family in FAMILIES.items():
        reg = registries[family]
        offered: dict[str, list[tuple[Any, str, dict[str, Any]]]] = {}
        for impl in getattr(pm.hook, hook_name).get_hookimpls():
            calls: list[tuple[Any, str | None, dict[str, Any]]] = []

            def register(obj: Any, name: str | None = None, *, _calls: list[Any] = calls, **meta: Any) -> None:
                _calls.append((obj, name, meta))

            try:
                impl.function(register=register)
                keys = [_key(reg, obj, name) for obj, name, _meta in calls]
            except Exception as error:  # noqa: BLE001 - a plugin's failing hook is reported, the rest goes on
                dist = describe_plugin(pm, impl.plugin_name).split("(", 1)[-1].rstrip(")").removeprefix("distribution ")
                first = next((line for line in str(error).splitlines() if line.strip()), "")
                record_broken(pm, BrokenPlugin(impl.plugin_name, dist, f"hook {hook_name}", f"{type(error).__name__}: {first[:300]}"))
                continue
            for key, (obj, _name, meta) in zip(keys, calls):
                offered.setdefault(key, []).append((obj, impl.plugin_name, meta))
        for key, offers in offered.items():
            plugins = sorted({plugin for _obj, plugin, _meta in offers})
            if len(offers) > 1:
                reg.conflicts[key] = tuple(f"plugin {describe_plugin(pm, p)}" for p in plugins) if len(plugins) > 1 else (
                    f"plugin {describe_plugin(pm, plugins[0])} twice",)
                logger.warning("%s '%s' is registered by %s: neither is used", family, key, " and by ".join(reg.conflicts[key]))
                continue
            obj, plugin, meta = offers[0]
            reg.add(obj, key, plugin=plugin, **meta)
    broken = [b.line() for b in broken_plugins(pm)]
    for reg in registries.values():
        reg.broken = broken
    return registries


def _key(registry: Registry, obj: Any, name: str | None) -> str:
    key = name or getattr(obj, "name", None) or getattr(obj, "__name__", None)
    if not isinstance(key, str) or not key:
        raise TypeError(f"cannot derive a {registry.family} name for {obj!r}; pass name=")
    return key


_registries: dict[str, Registry] | None = None


def get_registries() -> dict[str, Registry]:
    """All registries for the process-wide plugin manager (built once, lazily)."""
    global _registries
    if _registries is None:
        from recbole_kgllm.plugin_health import check_hook_names
        from recbole_kgllm.plugins import load_plugins

        pm = load_plugins()
        check_hook_names(pm)  # plugins registered directly since loading, too
        _registries = build_registries(pm)
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
