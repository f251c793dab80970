"""What a feature-store entry is: its key inputs (:class:`EntrySpec`) and its manifest.

The key is a stable hash of everything that determines the output: the producer, every
output-changing setting, a fingerprint of the input data and the library versions. Shapes,
dtypes, file checksums and creation time are recorded in the manifest and checked on load.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from recbole_kgllm.errors import FeatureStoreError
from recbole_kgllm.store.hashing import canonical, stable_hash

#: Version of the on-disk layout; bumping it makes every old entry a different key.
FORMAT_VERSION = 1
MANIFEST_FILE = "manifest.json"
TENSORS_FILE = "tensors.safetensors"
TOKENS_FILE = "tokens.json"


@dataclass(frozen=True)
class EntrySpec:
    """Everything the key is computed from; cheap to build (no data loading).

    Attributes:
        kind: entry family, also the store sub-folder (``"kg_embedding"``, ``"item_text"``...).
        producer: the code that makes the entry, with a version (``"recbole_kgllm.features.kg/1"``).
        settings: every setting that changes the output (JSON-able).
        inputs: input name -> content fingerprint (e.g. ``{"ml-100k.kg": "<sha256>"}``).
        versions: library -> version.
    """

    kind: str
    producer: str
    settings: Mapping[str, Any] = field(default_factory=dict)
    inputs: Mapping[str, Any] = field(default_factory=dict)
    versions: Mapping[str, str] = field(default_factory=dict)

    def key_fields(self) -> dict[str, Any]:
        """The canonical dict that is hashed into :attr:`key`."""
        return canonical(
            {
                "format": FORMAT_VERSION,
                "kind": self.kind,
                "producer": self.producer,
                "settings": dict(self.settings),
                "inputs": dict(self.inputs),
                "versions": dict(self.versions),
            }
        )

    @property
    def key(self) -> str:
        """SHA-256 hex of :meth:`key_fields`."""
        return stable_hash(self.key_fields())


@dataclass(frozen=True)
class Manifest:
    """The ``manifest.json`` of one entry.

    Attributes:
        key: the entry key (folder name).
        spec: the key inputs.
        tensors: tensor name -> ``{"shape": [...], "dtype": "float32"}``.
        tokens: token-list name -> length.
        files: file name -> ``{"sha256": ..., "bytes": ...}``.
        created: creation time, ISO 8601 UTC.
        info: free-form facts about the result (coverage, quality, seconds, notes).
    """

    key: str
    spec: EntrySpec
    tensors: Mapping[str, Mapping[str, Any]]
    tokens: Mapping[str, int]
    files: Mapping[str, Mapping[str, Any]]
    created: str
    info: Mapping[str, Any] = field(default_factory=dict)

    @staticmethod
    def now() -> str:
        """The current UTC time in ISO 8601."""
        return datetime.now(timezone.utc).isoformat(timespec="seconds")

    def to_json(self) -> str:
        """The manifest as indented JSON text."""
        body = {
            "key": self.key,
            **self.spec.key_fields(),
            "created": self.created,
            "tensors": canonical(self.tensors),
            "tokens": canonical(self.tokens),
            "files": canonical(self.files),
            "info": canonical(self.info),
        }
        return json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        """Parse ``manifest.json``; raises :class:`FeatureStoreError` when it is not a manifest."""
        try:
            body = json.loads(text)
            if body["format"] != FORMAT_VERSION:
                raise FeatureStoreError(f"manifest format {body['format']} is not {FORMAT_VERSION}")
            spec = EntrySpec(
                kind=body["kind"],
                producer=body["producer"],
                settings=body["settings"],
                inputs=body["inputs"],
                versions=body["versions"],
            )
            return cls(
                key=body["key"],
                spec=spec,
                tensors=body["tensors"],
                tokens=body["tokens"],
                files=body["files"],
                created=body["created"],
                info=body.get("info", {}),
            )
        except FeatureStoreError:
            raise
        except (ValueError, KeyError, TypeError) as exc:
            raise FeatureStoreError(f"unreadable manifest ({type(exc).__name__}: {exc})") from None


__all__ = ["FORMAT_VERSION", "MANIFEST_FILE", "TENSORS_FILE", "TOKENS_FILE", "EntrySpec", "Manifest"]
