"""The plugin manager: built-ins and third-party plugins, registered through the same hooks.

Environment variables:
    RECBOLE_KGLLM_DISABLE_AUTOLOAD: when set to ``1``/``true``, plugins from the
        ``recbole_kgllm`` entry-point group are not loaded (built-ins still are).
    RECBOLE_KGLLM_BLOCK_PLUGINS: comma-separated plugin names (entry-point names, or the
        built-ins' names in :data:`DEFAULT_PLUGINS`) that must not be loaded.
"""
from __future__ import annotations

import importlib
import os

import pluggy

from recbole_kgllm import hookspecs
from recbole_kgllm.plugin_health import check_hook_names, load_entry_points

PROJECT = "recbole_kgllm"
ENTRY_POINT_GROUP = "recbole_kgllm"
ENV_DISABLE_AUTOLOAD = "RECBOLE_KGLLM_DISABLE_AUTOLOAD"
ENV_BLOCK = "RECBOLE_KGLLM_BLOCK_PLUGINS"

#: Built-in plugins: plugin name -> module implementing the hooks.
DEFAULT_PLUGINS: dict[str, str] = {
    "kgllm.models": "recbole_kgllm.default_plugins.models",
    "kgllm.fusions": "recbole_kgllm.default_plugins.fusions",
    "kgllm.distillers": "recbole_kgllm.default_plugins.distillers",
    "kgllm.text_encoders": "recbole_kgllm.default_plugins.text_encoders",
    "kgllm.backbones": "recbole_kgllm.default_plugins.backbones",
    "kgllm.losses": "recbole_kgllm.default_plugins.losses",
}

_pm: pluggy.PluginManager | None = None


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def blocked_plugins() -> set[str]:
    """Plugin names listed in ``RECBOLE_KGLLM_BLOCK_PLUGINS``."""
    return {n.strip() for n in os.environ.get(ENV_BLOCK, "").split(",") if n.strip()}


def get_plugin_manager() -> pluggy.PluginManager:
    """A fresh plugin manager with the hook specs added and nothing registered."""
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    return pm


def load_plugins(pm: pluggy.PluginManager | None = None) -> pluggy.PluginManager:
    """Register built-ins and (unless disabled) entry-point plugins, honouring the block list.

    Without ``pm`` this returns the process-wide manager, created on first call. An entry-point
    plugin that fails to import is skipped with one warning line naming it and its distribution
    (:mod:`recbole_kgllm.plugin_health`); a hook with an unknown name is an error naming the plugin.
    """
    global _pm
    if pm is None and _pm is not None:
        return _pm
    process_wide = pm is None
    pm = get_plugin_manager() if pm is None else pm
    for name in blocked_plugins():
        pm.set_blocked(name)
    for name, module_name in DEFAULT_PLUGINS.items():
        if not pm.is_blocked(name) and pm.get_plugin(name) is None:
            pm.register(importlib.import_module(module_name), name=name)
    if not _truthy(os.environ.get(ENV_DISABLE_AUTOLOAD)):
        load_entry_points(pm, ENTRY_POINT_GROUP)
    check_hook_names(pm)
    if process_wide:
        _pm = pm
    return pm


def reset_plugins() -> None:
    """Forget the process-wide manager and registries (tests, or after changing the env vars)."""
    global _pm
    _pm = None
    from recbole_kgllm import registry

    registry.reset_registries()


def plugin_versions(pm: pluggy.PluginManager) -> dict[str, str]:
    """Plugin name -> version (the distribution's for entry-point plugins, ours for built-ins)."""
    from recbole_kgllm import __version__

    versions = {name: __version__ for name, plugin in pm.list_name_plugin() if name in DEFAULT_PLUGINS}
    for plugin, dist in pm.list_plugin_distinfo():
        versions[pm.get_name(plugin) or str(plugin)] = f"{dist.project_name} {dist.version}"
    for name, _plugin in pm.list_name_plugin():
        versions.setdefault(name, "unknown")
    return versions
