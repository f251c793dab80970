"""Planning: data variants, the settings hash, and the data builder on a toy dataset."""
from __future__ import annotations

from pathlib import Path

from _bench_data import LINKED, NAME, read_rows, write_toy
from recbole_kgllm.bench.cold_split import read_cold_items
from recbole_kgllm.bench.data_prep import AtomicFields
from recbole_kgllm.bench.plan import DataBuilder, DataVariant, Run, data_base, derived_dataset_name, settings_hash
from recbole_kgllm.bench.spec import RunSpec, parse_variant


def _hash(spec: RunSpec = RunSpec("BPR"), **extra: object) -> str:
    kwargs = dict(dataset="ml-100k", table="main", base="linked", global_settings={"epochs": "1"}, config_files=[],
                  cold_share=None, time_cap=None)
    kwargs.update(extra)
    return settings_hash(spec, **kwargs)  # type: ignore[arg-type]


def test_settings_hash_tracks_what_changes_results(tmp_path: Path) -> None:
    assert _hash() == _hash()
    assert _hash() != _hash(global_settings={"epochs": "2"})
    assert _hash() != _hash(parse_variant("BPR[learning_rate=0.01]"))
    assert _hash() != _hash(base="full") != _hash(time_cap=60.0)
    assert _hash(global_settings={"epochs": "1", "feature_cache_dir": "/a"}) == _hash(global_settings={"epochs": "1", "feature_cache_dir": "/b"})
    config = tmp_path / "a.yaml"
    config.write_text("epochs: 1\n")
    first = _hash(config_files=[str(config)])
    config.write_text("epochs: 2\n")
    assert _hash(config_files=[str(config)]) != first  # by content


def test_data_base_per_mode() -> None:
    assert data_base(knowledge=False, data_mode="filtered") == "linked"
    assert data_base(knowledge=False, data_mode="split") == "full"
    assert data_base(knowledge=True, data_mode="split") == "linked"


def test_variant_names_and_run_ids() -> None:
    assert DataVariant("linked").name == "linked" and not DataVariant("full").derived
    variant = DataVariant("full", kg_shuffle_seed=7, cold_share=0.1, cold_seed=7)
    assert variant.name == "full-kgshuffle-s7-cold10-s7" and variant.derived
    run = Run(parse_variant("KGLLMRec[fusion=gated]"), 2020, "main", DataVariant("linked"), False, True, "0123456789abcdef")
    assert run.run_id == "main-KGLLMRec_fusion-gated-linked-s2020-01234567"
    assert run.key("ml-100k") == ("ml-100k", "main", "KGLLMRec[fusion=gated]", "2020", "linked", "0123456789abcdef")
    assert derived_dataset_name("ml-100k") == "ml-100k-bench" and derived_dataset_name("ml-1m") == "ml-1m"


def test_builder_writes_each_variant_once_from_its_parent(tmp_path: Path) -> None:
    src = write_toy(tmp_path / "src", n_users=30)
    builder = DataBuilder(source=src, dataset=NAME, root=tmp_path / "out" / "data", fields=AtomicFields(), ratios=(0.8, 0.1, 0.1))
    assert builder.data_path(DataVariant("full")) == src.parent
    cold = DataVariant("linked", kg_shuffle_seed=3, cold_share=0.2, cold_seed=3)
    data_path = builder.data_path(cold)
    folder = builder.dataset_dir(cold)
    assert data_path == folder.parent == tmp_path / "out" / "data" / "linked-kgshuffle-s3-cold20-s3"
    # parents were built on the way: linked -> shuffled -> cold split
    linked = builder.dataset_dir(DataVariant("linked"))
    shuffled = builder.dataset_dir(DataVariant("linked", kg_shuffle_seed=3))
    assert {r[1] for r in read_rows(linked / f"{NAME}.inter")} == LINKED
    assert [r[:2] for r in read_rows(shuffled / f"{NAME}.kg")] == [r[:2] for r in read_rows(linked / f"{NAME}.kg")]
    assert (shuffled / f"{NAME}.inter").read_bytes() == (linked / f"{NAME}.inter").read_bytes()
    assert (folder / f"{NAME}.kg").read_bytes() == (shuffled / f"{NAME}.kg").read_bytes()
    cold_items = set(read_cold_items(folder))
    assert cold_items <= LINKED and not cold_items & {r[1] for r in read_rows(folder / f"{NAME}.train.inter")}
    stamp = (folder / f"{NAME}.test.inter").stat().st_mtime_ns
    builder.data_path(cold)
    assert (folder / f"{NAME}.test.inter").stat().st_mtime_ns == stamp  # not rebuilt
