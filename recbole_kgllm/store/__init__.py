"""Feature store: vectors keyed by external tokens, with a manifest, under a stable key.

Import from here: :class:`FeatureStore`, :class:`FeatureTable`, :class:`AlignedFeatures`,
:class:`EntrySpec`, :class:`EntryContent`.
"""
from __future__ import annotations

from recbole_kgllm.store.entry import EntryContent, StoredEntry, StoreResult
from recbole_kgllm.store.manifest import EntrySpec, Manifest
from recbole_kgllm.store.paths import default_cache_dir, resolve_cache_dir
from recbole_kgllm.store.store import FeatureStore
from recbole_kgllm.store.table import PAD_TOKEN, AlignedFeatures, FeatureTable

__all__ = [
    "PAD_TOKEN",
    "AlignedFeatures",
    "EntryContent",
    "EntrySpec",
    "FeatureStore",
    "FeatureTable",
    "Manifest",
    "StoreResult",
    "StoredEntry",
    "default_cache_dir",
    "resolve_cache_dir",
]
