"""A text template built from the atomic file's own fields: names and types decide."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from recbole_kgllm.features.text.auto_template import AUTO, AutoTemplate, resolve_template, text_fields
from recbole_kgllm.features.text.template import TextTemplate


def _file(tmp_path: Path, header: str) -> Path:
    path = tmp_path / "x.item"
    path.write_text(header + "\n1\tA\n")
    return path


def test_title_leads_and_ids_urls_and_vectors_are_left_out(tmp_path: Path) -> None:
    path = _file(tmp_path, "item_id:token\tartist_id:token\ttags:token_seq\ttrack_name:token_seq\turl:token\t"
                           "embedding:float_seq\tplays:float\tgenre:token")
    template = resolve_template(AUTO, path, "item_id")
    assert isinstance(template, AutoTemplate)
    assert template.fields == ("track_name", "tags", "plays", "genre")
    assert template.template == "auto: {track_name}. tags: {tags}. plays: {plays}. genre: {genre}"
    row = {"track_name": np.array(["Blue", "in", "Green"]), "tags": np.array(["jazz", "modal"]), "plays": 12.0,
           "genre": "Jazz", "url": "http://x"}
    assert template.render(row) == "Blue in Green. tags: jazz, modal. plays: 12. genre: Jazz"


def test_missing_values_are_skipped_and_an_empty_row_is_none() -> None:
    lead, fields = text_fields([("item_id", "token"), ("name", "token"), ("kind", "token_seq")], "item_id")
    template = AutoTemplate(fields=fields, lead=lead)
    assert template.render({"name": "", "kind": np.array(["a"])}) == "kind: a"
    assert template.render({"name": float("nan"), "kind": np.array([])}) is None


def test_without_a_title_every_field_is_labelled(tmp_path: Path) -> None:
    path = _file(tmp_path, "user_id:token\tage:token\toccupation:token")
    template = resolve_template(AUTO, path, "user_id")
    assert template.render({"age": "24", "occupation": "writer"}) == "age: 24. occupation: writer"


def test_no_text_field_or_no_file_gives_none_and_a_written_template_is_kept(tmp_path: Path) -> None:
    assert resolve_template(AUTO, _file(tmp_path, "item_id:token\tembedding:float_seq"), "item_id") is None
    assert resolve_template(AUTO, tmp_path / "missing.item", "item_id") is None
    assert isinstance(resolve_template("{title}", tmp_path / "missing.item", "item_id"), TextTemplate)
