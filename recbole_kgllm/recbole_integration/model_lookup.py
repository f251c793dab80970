"""Finding model classes by name: plugin models first, then RecBole's own.

RecBole looks models up only inside ``recbole.model.<subpackage>.<name lowercased>`` and imports
that lookup by name in several modules. :func:`install_model_aliases` therefore puts an alias
module for each plugin model under that path in ``sys.modules``, so RecBole's own
``get_model`` (and ``load_data_and_model``) find plugin models too.
"""
from __future__ import annotations

import difflib
import importlib
import importlib.machinery
import importlib.util
import pkgutil
import sys
import types
from functools import lru_cache

from recbole_kgllm.errors import PluginConflictError, UnknownModelError

#: RecBole's model subpackages, in the order ``recbole.utils.get_model`` searches them.
RECBOLE_SUBPACKAGES = (
    "general_recommender",
    "context_aware_recommender",
    "sequential_recommender",
    "knowledge_aware_recommender",
    "exlib_recommender",
)

_TYPE_TO_SUBPACKAGE = {
    "GENERAL": "general_recommender",
    "CONTEXT": "context_aware_recommender",
    "SEQUENTIAL": "sequential_recommender",
    "KNOWLEDGE": "knowledge_aware_recommender",
}


@lru_cache(maxsize=1)
def recbole_model_files() -> dict[str, str]:
    """Lower-cased model module name -> full module path, for every RecBole model module."""
    found: dict[str, str] = {}
    for sub in RECBOLE_SUBPACKAGES:
        spec = importlib.util.find_spec(f"recbole.model.{sub}")  # no import: exlib needs lightgbm
        for info in pkgutil.iter_modules(list(spec.submodule_search_locations or []) if spec else []):
            found.setdefault(info.name, f"recbole.model.{sub}.{info.name}")
    return found


def _recbole_class_name(module_path: str, lower: str) -> str | None:
    try:
        module = importlib.import_module(module_path)
    except ImportError:  # e.g. exlib models whose optional library is not installed
        return None
    return next((n for n in vars(module) if n.lower() == lower and isinstance(vars(module)[n], type)), None)


def plugin_models() -> dict[str, type]:
    """Models registered through ``kgllm_register_models``: name -> class."""
    from recbole_kgllm.registry import get_registry

    return {entry.name: entry.obj for entry in get_registry("model")}


def close_model_names(name: str, n: int = 5) -> list[str]:
    """Model names (plugin and RecBole) close to ``name``, best first."""
    files = recbole_model_files()
    lower_matches = difflib.get_close_matches(name.lower(), list(files), n=n, cutoff=0.6)
    names = [c for c in (_recbole_class_name(files[m], m) for m in lower_matches) if c]
    plugin = difflib.get_close_matches(name, list(plugin_models()), n=n, cutoff=0.6)
    return (plugin + [c for c in names if c not in plugin])[:n]


def resolve_model(name: str) -> type:
    """The model class called ``name`` (plugin models first, then RecBole's).

    Raises:
        UnknownModelError: no such model; the message lists close matches.
    """
    plugins = plugin_models()
    if name in plugins:
        return plugins[name]
    module_path = recbole_model_files().get(name.lower())
    if module_path is not None:
        model_class = getattr(importlib.import_module(module_path), name, None)
        if isinstance(model_class, type):
            return model_class
    from recbole_kgllm.registry import get_registry

    raise UnknownModelError(name, close_model_names(name), broken=get_registry("model").broken)


def is_knowledge_model(model_class: type) -> bool:
    """Whether RecBole treats ``model_class`` as a knowledge-aware model (``KnowledgeBasedDataset``,
    which drops interactions on items without a ``.link`` entity)."""
    from recbole.utils import ModelType

    return getattr(model_class, "type", None) == ModelType.KNOWLEDGE


def install_model_aliases() -> list[str]:
    """Make every plugin model findable by RecBole's ``get_model``; returns the alias paths.

    Idempotent. Raises :class:`PluginConflictError` if a plugin model's lower-cased name is
    already a RecBole model module.
    """
    installed = []
    for name, model_class in plugin_models().items():
        lower = name.lower()
        existing = recbole_model_files().get(lower)
        if existing is not None:
            raise PluginConflictError(f"plugin model '{name}' clashes with RecBole's model module {existing}")
        model_type = getattr(getattr(model_class, "type", None), "name", "GENERAL")
        path = f"recbole.model.{_TYPE_TO_SUBPACKAGE.get(model_type, 'exlib_recommender')}.{lower}"
        module = sys.modules.get(path)
        if module is None or getattr(module, name, None) is not model_class:
            module = types.ModuleType(path, f"Alias of plugin model {model_class.__module__}.{name}")
            module.__spec__ = importlib.machinery.ModuleSpec(path, loader=None)
            setattr(module, name, model_class)
            sys.modules[path] = module
        installed.append(path)
    return installed
