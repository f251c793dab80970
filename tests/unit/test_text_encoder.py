"""Text settings and the encoder contract (no model is loaded here)."""
from __future__ import annotations

import dataclasses

import pytest
import torch

from recbole_kgllm.errors import ConfigError, UnknownComponentError
from recbole_kgllm.features.kg.settings import KGFeatureSettings
from recbole_kgllm.registry import get_registry
from recbole_kgllm.features.text.encoder import TextEncoder
from recbole_kgllm.features.text.hf import HFTextEncoder, default_model_path, pool
from recbole_kgllm.features.text.pipeline import make_encoder
from recbole_kgllm.features.text.settings import DEFAULT_ITEM_TEMPLATE, TextFeatureSettings


def test_mean_pooling_ignores_padding_and_cls_takes_the_first_token() -> None:
    hidden = torch.tensor([[[1.0, 1.0], [3.0, 5.0], [100.0, 100.0]]])
    mask = torch.tensor([[1, 1, 0]])
    assert pool(hidden, mask, "mean").tolist() == [[2.0, 3.0]]
    assert pool(hidden, mask, "cls").tolist() == [[1.0, 1.0]]
    assert pool(hidden.half(), mask, "mean").dtype == torch.float32


def test_hf_encoder_is_registered_and_frozen_by_construction() -> None:
    assert get_registry("text_encoder").get("hf") is HFTextEncoder
    assert issubclass(HFTextEncoder, TextEncoder) and not issubclass(HFTextEncoder, torch.nn.Module)


def test_defaults_and_settings_are_read_once_into_a_frozen_dataclass() -> None:
    settings = TextFeatureSettings.from_config({})
    assert settings.encoder_type == "hf" and settings.encoder is None and settings.pooling == "mean"
    assert settings.template == DEFAULT_ITEM_TEMPLATE == "auto" and settings.user_template is None
    assert TextFeatureSettings.config_defaults()["text_template"] == DEFAULT_ITEM_TEMPLATE
    assert KGFeatureSettings.config_defaults()["kg_model"] == "TransE"
    assert KGFeatureSettings.from_config({"seed": 11}).seed == 11
    assert KGFeatureSettings.from_config({"seed": 11, "kg_seed": 3}).seed == 3
    custom = TextFeatureSettings.from_config({"text_pooling": "cls", "text_normalize": False, "device": "cuda:1"})
    assert (custom.pooling, custom.normalize, custom.device) == ("cls", False, "cuda:1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        custom.pooling = "mean"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("text_pooling", "max"),
        ("text_normalize", "yes"),
        ("text_max_length", 0),
        ("text_encoder_kwargs", [1, 2]),
        ("text_template", ""),
        ("kg_embedding_dim", "64"),
        ("kg_eval_share", 0.9),
        ("kg_eval_share", 0.0),
        ("kg_model_kwargs", "dim=3"),
    ],
)
def test_invalid_values_are_one_line_config_errors(key: str, value: object) -> None:
    with pytest.raises(ConfigError, match=key) as info:
        TextFeatureSettings.from_config({key: value})
        KGFeatureSettings.from_config({key: value})
    assert "\n" not in str(info.value)


def test_unknown_encoder_type_lists_the_valid_ones() -> None:
    settings = TextFeatureSettings.from_config({"text_encoder_type": "hff"})
    with pytest.raises(UnknownComponentError, match="hf"):
        make_encoder(settings)


def test_encoder_identity_is_cheap_and_names_what_changes_the_output() -> None:
    encoder = make_encoder(TextFeatureSettings.from_config({"device": "cuda"}))
    identity = encoder.identity()
    assert identity["type"] == "hf" and identity["precision"] == "float16"
    assert "model.safetensors" in identity["files"] and identity["package_version"]
    assert encoder.folder == default_model_path()  # type: ignore[attr-defined]
    assert "_model" not in vars(encoder)  # the model itself was never loaded

    class OtherEncoder(HFTextEncoder):
        name = "other"

    assert OtherEncoder().identity() != HFTextEncoder().identity()


def test_unknown_offline_model_is_a_clear_config_error() -> None:
    encoder = make_encoder(TextFeatureSettings.from_config({"text_encoder": "no-such-org/no-such-model"}))
    with pytest.raises(ConfigError, match="no-such-org/no-such-model"):
        encoder.identity()
