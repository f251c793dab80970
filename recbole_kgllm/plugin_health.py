"""Broken plugins are named and skipped; the rest of the package keeps working.

pluggy's ``load_setuptools_entrypoints`` stops at the first plugin whose import fails, with a
traceback naming only a file. Here each entry point is loaded on its own: a failure becomes one
warning line naming the plugin (entry-point name) and its distribution, and is remembered so
that ``recbole-kgllm plugins`` lists it and an unknown-component error can point at it. A hook
with a misspelt name (``kgllm_register_fusion``) is an error naming the plugin
(:func:`check_hook_names`, pluggy's ``check_pending``).
"""
from __future__ import annotations

import difflib
import importlib.metadata
import logging
from dataclasses import dataclass
from typing import Any

import pluggy

from recbole_kgllm.errors import BrokenPluginError

__all__ = ["BrokenPlugin", "broken_plugins", "check_hook_names", "describe_plugin", "load_entry_points", "record_broken"]

logger = logging.getLogger("recbole_kgllm.plugins")
_ATTR = "_recbole_kgllm_broken"


@dataclass(frozen=True)
class BrokenPlugin:
    """A plugin that could not be used.

    Attributes:
        name: the plugin's name (its entry-point name).
        distribution: ``"<project> <version>"`` of the distribution that installed it.
        stage: what failed (``import``, ``hook kgllm_register_fusions``...).
        error: ``Type: first line of the message``.
    """

    name: str
    distribution: str
    stage: str
    error: str

    def line(self) -> str:
        """One line naming the plugin, its distribution and the failure."""
        return f"plugin '{self.name}' (distribution {self.distribution}) failed at {self.stage}: {self.error}"


def _one_line(error: BaseException) -> str:
    first = next((line.strip() for line in str(error).splitlines() if line.strip()), "")
    return f"{type(error).__name__}: {first[:300]}"


def broken_plugins(pm: pluggy.PluginManager) -> list[BrokenPlugin]:
    """The plugins of ``pm`` that failed so far."""
    return list(getattr(pm, _ATTR, []))


def record_broken(pm: pluggy.PluginManager, broken: BrokenPlugin) -> None:
    """Remember ``broken`` on ``pm`` and say so in one warning line."""
    if not hasattr(pm, _ATTR):
        setattr(pm, _ATTR, [])
    getattr(pm, _ATTR).append(broken)
    logger.warning("%s; skipped (block it with RECBOLE_KGLLM_BLOCK_PLUGINS=%s)", broken.line(), broken.name)


def _dist_label(dist: Any) -> str:
    try:
        return f"{dist.metadata['Name']} {dist.version}"
    except Exception:  # noqa: BLE001 - a broken dist-info must not break the report
        return "unknown"


def describe_plugin(pm: pluggy.PluginManager, name: str) -> str:
    """``"'name' (distribution X 1.0)"``, or ``"'name' (built-in)"``."""
    plugin = pm.get_plugin(name)
    for registered, dist in pm.list_plugin_distinfo():
        if registered is plugin:
            return f"'{name}' (distribution {_dist_label(dist)})"
    from recbole_kgllm.plugins import DEFAULT_PLUGINS

    return f"'{name}' ({'built-in' if name in DEFAULT_PLUGINS else 'registered directly'})"


def load_entry_points(pm: pluggy.PluginManager, group: str) -> int:
    """Load the ``group`` entry points one by one; a failing one is recorded and skipped.

    Returns:
        The number of plugins loaded.
    """
    loaded = 0
    for ep in importlib.metadata.entry_points(group=group):
        if pm.has_plugin(ep.name) or pm.is_blocked(ep.name):
            continue
        dist = _dist_label(ep.dist) if getattr(ep, "dist", None) is not None else "unknown"
        try:
            loaded += pm.load_setuptools_entrypoints(group, name=ep.name)
        except Exception as error:  # noqa: BLE001 - any failure of a third party's import is reported, not raised
            if pm.has_plugin(ep.name):
                pm.unregister(name=ep.name)
            record_broken(pm, BrokenPlugin(ep.name, dist, f"import of '{ep.value}'", _one_line(error)))
    return loaded


def check_hook_names(pm: pluggy.PluginManager) -> None:
    """Raise :class:`BrokenPluginError` when a plugin implements a hook recbole-kgllm does not
    define (a misspelt ``kgllm_register_fusion``): it would otherwise be silently ignored."""
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as error:
        name = pm.get_name(error.plugin) or repr(error.plugin)
        hooks = [h for h in pm.hook.__dict__ if not h.startswith("_") and not getattr(pm.hook, h).has_spec()]
        own = [h for h in hooks if any(i.plugin is error.plugin for i in getattr(pm.hook, h).get_hookimpls())]
        wrong = own[0] if own else "?"
        known = [h for h in pm.hook.__dict__ if not h.startswith("_") and getattr(pm.hook, h).has_spec()]
        close = difflib.get_close_matches(wrong, known, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else f" (hooks: {', '.join(sorted(known))})"
        raise BrokenPluginError(
            f"plugin {describe_plugin(pm, name)} implements hook '{wrong}', which recbole-kgllm does not define{hint}: "
            f"fix the hook's name, or block the plugin with RECBOLE_KGLLM_BLOCK_PLUGINS={name}"
        ) from None
