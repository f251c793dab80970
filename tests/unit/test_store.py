"""Feature store: round trip, alignment, damaged-entry detection and recovery."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from recbole_kgllm.errors import FeatureStoreError
from recbole_kgllm.store import PAD_TOKEN, EntryContent, EntrySpec, FeatureStore, FeatureTable
from recbole_kgllm.store.hashing import file_sha256
from recbole_kgllm.store.manifest import MANIFEST_FILE, TENSORS_FILE, TOKENS_FILE


def _spec(**settings: object) -> EntrySpec:
    return EntrySpec(
        kind="demo",
        producer="tests/1",
        settings={"dim": 4, **settings},
        inputs={"demo.item": "abc"},
        versions={"torch": "x"},
    )


def _content(seed: int = 0) -> EntryContent:
    g = torch.Generator().manual_seed(seed)
    return EntryContent(
        tensors={"item": torch.randn(5, 4, generator=g), "triples": torch.arange(6).reshape(2, 3)},
        tokens={"item": ["a", "b", "c", "d", "é"], "triples": ["x", "y"]},
        info={"coverage": 0.5, "note": "hello"},
    )


def test_round_trip_keeps_tokens_values_and_manifest(tmp_path: Path) -> None:
    store, spec, content = FeatureStore(root=tmp_path), _spec(), _content()
    saved = store.save(spec, content)
    loaded = store.load(spec)
    assert loaded is not None and loaded.path == saved.path == tmp_path / "demo" / spec.key
    assert torch.equal(loaded.tensors["item"], content.tensors["item"])
    assert torch.equal(loaded.tensors["triples"], content.tensors["triples"])
    assert loaded.tokens["item"] == ("a", "b", "c", "d", "é")
    manifest = loaded.manifest
    assert manifest.key == spec.key and manifest.spec.key_fields() == spec.key_fields()
    assert manifest.tensors["item"] == {"shape": [5, 4], "dtype": "float32"}
    assert manifest.tensors["triples"]["dtype"] == "int64"
    assert manifest.info["note"] == "hello" and manifest.created
    table = loaded.table("item")
    assert table.tokens[4] == "é" and table.dim == 4 and table.manifest is manifest
    assert sorted(p.name for p in loaded.path.iterdir()) == sorted([MANIFEST_FILE, TENSORS_FILE, TOKENS_FILE])


def test_load_absent_is_none_and_get_or_compute_caches(tmp_path: Path) -> None:
    store, spec, calls = FeatureStore(root=tmp_path), _spec(), []

    def compute() -> EntryContent:
        calls.append(1)
        return _content()

    assert store.load(spec) is None
    first = store.get_or_compute(spec, compute)
    second = store.get_or_compute(spec, compute)
    assert (first.status, second.status, len(calls)) == ("computed", "cached", 1)
    assert torch.equal(first.entry.tensors["item"], second.entry.tensors["item"])


def test_align_orders_rows_and_masks_missing_and_pad() -> None:
    values = torch.tensor([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    table = FeatureTable(name="item", tokens=["10", "20", "30"], values=values)
    aligned = table.align([PAD_TOKEN, "30", "missing", "10", "30"])
    assert aligned.mask.tolist() == [False, True, False, True, True]
    assert aligned.values.tolist() == [[0, 0], [3, 3], [0, 0], [1, 1], [3, 3]]
    assert aligned.values.dtype == torch.float32 and aligned.coverage == pytest.approx(0.6)


def test_align_accepts_numpy_token_arrays_like_recbole() -> None:
    import numpy as np

    table = FeatureTable(name="item", tokens=["1", "2"], values=torch.ones(2, 3))
    aligned = table.align(np.array([PAD_TOKEN, "2", "3"]))
    assert aligned.mask.tolist() == [False, True, False]


@pytest.mark.parametrize(
    ("tokens", "values", "message"),
    [
        (["a", "a"], torch.zeros(2, 2), "duplicate"),
        (["a", PAD_TOKEN], torch.zeros(2, 2), "padding"),
        (["a"], torch.zeros(2, 2), "shape"),
        (["a"], torch.zeros(1, 2, dtype=torch.long), "floating"),
    ],
)
def test_table_rejects_inconsistent_contents(tokens: list[str], values: torch.Tensor, message: str) -> None:
    with pytest.raises(FeatureStoreError, match=message):
        FeatureTable(name="item", tokens=tokens, values=values)


def _truncate(path: Path) -> None:
    data = (path / TENSORS_FILE).read_bytes()
    (path / TENSORS_FILE).write_bytes(data[: len(data) // 2])


def _wrong_shape(path: Path) -> None:
    """Replace the tensors with a consistent file of another shape (checksums updated)."""
    save_file({"item": torch.zeros(5, 3), "triples": torch.arange(6).reshape(2, 3)}, str(path / TENSORS_FILE))
    manifest = json.loads((path / MANIFEST_FILE).read_text())
    manifest["files"][TENSORS_FILE] = {
        "sha256": file_sha256(path / TENSORS_FILE), "bytes": (path / TENSORS_FILE).stat().st_size
    }
    (path / MANIFEST_FILE).write_text(json.dumps(manifest))


def _manifest_mismatch(path: Path) -> None:
    manifest = json.loads((path / MANIFEST_FILE).read_text())
    manifest["settings"]["dim"] = 5
    (path / MANIFEST_FILE).write_text(json.dumps(manifest))


def _bad_tokens(path: Path) -> None:
    tokens = json.loads((path / TOKENS_FILE).read_text())
    tokens["item"] = tokens["item"][:-1]
    (path / TOKENS_FILE).write_text(json.dumps(tokens))
    manifest = json.loads((path / MANIFEST_FILE).read_text())
    manifest["files"][TOKENS_FILE] = {
        "sha256": file_sha256(path / TOKENS_FILE), "bytes": (path / TOKENS_FILE).stat().st_size
    }
    (path / MANIFEST_FILE).write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (_truncate, "truncated"),
        (lambda p: (p / MANIFEST_FILE).unlink(), "manifest.json is missing"),
        (lambda p: (p / MANIFEST_FILE).write_text("{not json"), "unreadable manifest"),
        (lambda p: (p / TOKENS_FILE).unlink(), "tokens.json is missing"),
        (_wrong_shape, "shape|\\[5, 3\\]"),
        (_manifest_mismatch, "does not match the entry's key"),
        (_bad_tokens, "token lists differ"),
    ],
    ids=["truncated", "no-manifest", "garbled-manifest", "no-tokens", "wrong-shape", "manifest-mismatch", "tokens"],
)
def test_damaged_entry_is_reported_in_one_line_and_recomputed(
    tmp_path: Path, damage: object, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    store, spec = FeatureStore(root=tmp_path), _spec()
    path = store.save(spec, _content(seed=1)).path
    damage(path)  # type: ignore[operator]
    with pytest.raises(FeatureStoreError, match=reason) as info:
        store.load(spec)
    assert "\n" not in str(info.value) and str(path) in str(info.value)

    result = store.get_or_compute(spec, lambda: _content(seed=2))
    assert result.status == "recomputed" and result.problem is not None and "\n" not in result.problem
    assert any("recomputing" in r.getMessage() for r in caplog.records)
    assert torch.equal(result.entry.tensors["item"], _content(seed=2).tensors["item"])
    again = store.load(spec)
    assert again is not None and torch.equal(again.tensors["item"], _content(seed=2).tensors["item"])
    assert [p.name for p in (tmp_path / "demo").iterdir() if not p.name.startswith(".lock")] == [spec.key]


def test_missing_table_name_is_a_clear_error(tmp_path: Path) -> None:
    entry = FeatureStore(root=tmp_path).save(_spec(), _content())
    with pytest.raises(FeatureStoreError, match="no table 'user'"):
        entry.table("user")
