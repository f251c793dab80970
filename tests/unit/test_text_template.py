"""Text templates: readable joins, missing fields and empty texts become masked rows."""
from __future__ import annotations

import numpy as np
import pytest

from recbole_kgllm.errors import ConfigError
from recbole_kgllm.features.text.settings import MOVIELENS_TEMPLATE
from recbole_kgllm.features.text.template import TextTemplate


def test_movielens_template_renders_ml100k_style_row_readably() -> None:
    row = {
        "item_id": "1",
        "movie_title": np.array(["Toy", "Story"]),
        "release_year": "1995",
        "class": np.array(["Animation", "Children's", "Comedy"]),
    }
    text = TextTemplate(template=MOVIELENS_TEMPLATE).render(row)
    assert text == "Toy Story (1995). Genres: Animation, Children's, Comedy"


def test_join_spec_and_plain_format_specs() -> None:
    template = TextTemplate(template="{tags: / } | {score:.1f} | {name:>6}")
    assert template.fields == ("tags", "score", "name")
    assert template.render({"tags": ["a", "b"], "score": 3.14159, "name": "x"}) == "a / b | 3.1 | x"


@pytest.mark.parametrize(
    "row",
    [
        {},
        {"movie_title": np.array([]), "release_year": float("nan"), "class": None},
        {"movie_title": "   ", "release_year": "", "class": np.array([], dtype=str)},
    ],
)
def test_rows_with_nothing_to_say_are_none(row: dict[str, object]) -> None:
    assert TextTemplate(template=MOVIELENS_TEMPLATE).render(row) is None


def test_partly_missing_row_drops_empty_brackets_and_keeps_the_rest() -> None:
    template = TextTemplate(template=MOVIELENS_TEMPLATE)
    assert template.render({"movie_title": ["Heat"], "release_year": float("nan"), "class": []}) == "Heat. Genres:"
    assert template.render({"release_year": "1995"}) == "(1995). Genres:"


def test_punctuation_only_text_is_none() -> None:
    assert TextTemplate(template="{a} - {b}").render({"a": "", "b": "-"}) is None


@pytest.mark.parametrize("bad", ["no fields", "{", "{0}", "{}", "{a.b}", "{a[0]}"])
def test_malformed_templates_are_config_errors(bad: str) -> None:
    with pytest.raises(ConfigError):
        TextTemplate(template=bad)


def test_a_format_spec_that_does_not_fit_the_value_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="cannot format"):
        TextTemplate(template="{year:.1f}").render({"year": "1995"})
