"""Registry behaviour: naming, lookup, conflicts and errors."""
from __future__ import annotations

import pluggy
import pytest

from recbole_kgllm import hookimpl
from recbole_kgllm.errors import PluginConflictError, UnknownComponentError
from recbole_kgllm.plugins import get_plugin_manager
from recbole_kgllm.registry import Registry, build_registries


class GatedThing:
    name = "gated"


class ConcatThing:
    name = "concat"


def test_add_uses_class_name_attribute_and_get_returns_class() -> None:
    registry = Registry("fusion")
    registry.add(GatedThing, plugin="p")
    assert registry.get("gated") is GatedThing
    assert registry.entry("gated").plugin == "p"
    assert "gated" in registry and len(registry) == 1


def test_unknown_name_lists_valid_names_and_close_match() -> None:
    registry = Registry("fusion")
    registry.add(GatedThing)
    registry.add(ConcatThing)
    with pytest.raises(UnknownComponentError) as info:
        registry.get("gatd")
    message = str(info.value)
    assert "unknown fusion 'gatd'" in message
    assert "concat, gated" in message
    assert "Did you mean: gated" in message
    assert isinstance(info.value, KeyError)


def test_conflict_names_both_plugins() -> None:
    registry = Registry("fusion")
    registry.add(GatedThing, plugin="first-plugin")
    with pytest.raises(PluginConflictError, match="first-plugin.*second-plugin"):
        registry.add(ConcatThing, "gated", plugin="second-plugin")


def _plugin(cls: type) -> object:
    class Plugin:
        @staticmethod
        @hookimpl
        def kgllm_register_fusions(register):  # noqa: ANN001
            register(cls)

    return Plugin()


def test_build_registries_records_registering_plugin_per_entry() -> None:
    pm = get_plugin_manager()
    pm.register(_plugin(GatedThing), name="alpha")
    pm.register(_plugin(ConcatThing), name="beta")
    registries = build_registries(pm)
    assert {e.name: e.plugin for e in registries["fusion"]} == {"concat": "beta", "gated": "alpha"}
    assert len(registries["distiller"]) == 0


@pytest.mark.parametrize("order", [("alpha", "beta"), ("beta", "alpha")])
def test_conflict_between_plugins_names_both_whatever_the_order(order: tuple[str, str]) -> None:
    """Neither plugin wins (call order must not decide); asking for the name is an error naming
    both, and every other component stays usable."""
    pm: pluggy.PluginManager = get_plugin_manager()
    for name in order:
        pm.register(_plugin(GatedThing), name=name)
    pm.register(_plugin(ConcatThing), name="gamma")
    registries = build_registries(pm)
    with pytest.raises(PluginConflictError) as info:
        registries["fusion"].entry("gated")
    assert "alpha" in str(info.value) and "beta" in str(info.value) and "\n" not in str(info.value)
    assert registries["fusion"].get("concat") is ConcatThing
