"""YAML defaults, typed parameters and docs/configuration.md agree, key by key."""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from recbole.config import Config

from recbole_kgllm.features.kg.settings import KGFeatureSettings
from recbole_kgllm.model.params import TRAINER_DEFAULTS, KGLLMRecParams, KGLLMSeqRecParams
from recbole_kgllm.features.text.settings import TextFeatureSettings

ROOT = Path(__file__).resolve().parents[2]
PROPERTIES = ROOT / "recbole_kgllm" / "properties" / "model"
DOC = ROOT / "docs" / "configuration.md"
LINE = re.compile(r"^(?P<key>\w+):\s*(?P<value>.*?)\s+#\s*\((?P<type>\w+)\)\s*(?P<text>\S.*)$")


def _load(path: Path) -> dict[str, Any]:
    return yaml.load(path.read_text(), Loader=Config._build_yaml_loader(None))  # RecBole's own loader


def _dataclass_defaults(cls: type) -> dict[str, Any]:
    out = {}
    for f in dataclasses.fields(cls):
        out[f.name] = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
    return out


EXPECTED = {
    "KGLLMRec.yaml": lambda: {**_dataclass_defaults(KGLLMRecParams), **TRAINER_DEFAULTS},
    "KGLLMSeqRec.yaml": lambda: _dataclass_defaults(KGLLMSeqRecParams),
    "features.yaml": lambda: {**KGFeatureSettings.config_defaults(), **TextFeatureSettings.config_defaults()},
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_yaml_defaults_equal_the_typed_defaults(name: str) -> None:
    assert _load(PROPERTIES / name) == EXPECTED[name]()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_yaml_key_has_a_type_and_description(name: str) -> None:
    keys = [l.split(":")[0] for l in (PROPERTIES / name).read_text().splitlines() if re.match(r"^\w+:", l)]
    described = {m["key"] for l in (PROPERTIES / name).read_text().splitlines() if (m := LINE.match(l))}
    assert keys and set(keys) == described


def _doc_rows() -> dict[tuple[str, str], str]:
    rows = {}
    section = ""
    for line in DOC.read_text().splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
        match = re.match(r"^\| `(\w+)` \| `(.*?)` \|", line)
        if match:
            rows[(section, match[1])] = match[2]
    return rows


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_docs_list_every_key_with_its_default(name: str) -> None:
    rows = _doc_rows()
    documented = {key: value for (section, key), value in rows.items() if section == name}
    yaml_values = {m["key"]: m["value"] for l in (PROPERTIES / name).read_text().splitlines() if (m := LINE.match(l))}
    assert documented == yaml_values
