"""docs/features.md lists every feature setting with the default the code uses."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from recbole_kgllm.features.kg.settings import KGFeatureSettings
from recbole_kgllm.features.text.settings import TextFeatureSettings

DOC = Path(__file__).resolve().parents[2] / "docs" / "features.md"


def test_settings_table_equals_code_defaults() -> None:
    rows = re.findall(r"^\| `([a-z_]+)` \| `(.*?)` \|", DOC.read_text(encoding="utf-8"), flags=re.MULTILINE)
    documented = {key: yaml.safe_load(value) for key, value in rows}
    code = {**KGFeatureSettings.config_defaults(), **TextFeatureSettings.config_defaults()}
    assert documented == code
