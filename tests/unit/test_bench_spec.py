"""Run specs: variant names, model lists, seeds, ablation expansion."""
from __future__ import annotations

import pytest

from recbole_kgllm.bench.ablations import FULL_MODEL, expand_ablations
from recbole_kgllm.bench.spec import RunSpec, parse_models, parse_seeds, parse_variant, split_top_level
from recbole_kgllm.errors import ConfigError


def test_plain_model_has_no_overrides() -> None:
    spec = parse_variant("BPR")
    assert spec == RunSpec("BPR") and spec.label == "BPR" and spec.settings == {}


def test_variant_settings_are_sorted_into_a_canonical_label() -> None:
    a = parse_variant("KGLLMRec[fusion=gated,distiller=contrastive]")
    b = parse_variant("KGLLMRec[ distiller=contrastive , fusion=gated ]")
    assert a == b
    assert a.label == "KGLLMRec[distiller=contrastive,fusion=gated]"
    assert a.settings == {"distiller": "contrastive", "fusion": "gated"}


def test_values_keep_nested_commas() -> None:
    spec = parse_variant("KGLLMRec[fusion_kwargs={'a': 1, 'b': [2, 3]},fusion=moe]")
    assert spec.settings == {"fusion_kwargs": "{'a': 1, 'b': [2, 3]}", "fusion": "moe"}


def test_harness_keys_do_not_reach_recbole() -> None:
    spec = parse_variant("KGLLMRec[kg_shuffle=true,config_file=a.yaml b.yaml,use_text=False]")
    assert spec.kg_shuffle is True
    assert spec.config_files == ["a.yaml", "b.yaml"]
    assert spec.settings == {"use_text": "False"}
    assert parse_variant("KGLLMRec[kg_shuffle=False]") == RunSpec("KGLLMRec")


@pytest.mark.parametrize("bad", ["KGLLMRec[fusion]", "KGLLMRec[fusion=gated", "KGLLMRec[a=1,a=2]", "1BPR", "BPR[=x]",
                                 "KGLLMRec[kg_shuffle=maybe]", "KGLLMRec[fusion=]"])
def test_malformed_variants_are_one_clear_error(bad: str) -> None:
    with pytest.raises(ConfigError):
        parse_variant(bad)


def test_model_list_splits_at_top_level_commas_and_deduplicates() -> None:
    specs = parse_models("BPR,KGLLMRec[fusion=gated,distiller=contrastive],LightGCN,BPR")
    assert [s.label for s in specs] == ["BPR", "KGLLMRec[distiller=contrastive,fusion=gated]", "LightGCN"]
    assert split_top_level("a,'x,y',b") == ["a", "'x,y'", "b"]
    with pytest.raises(ConfigError):
        parse_models(" , ")


def test_a_candidate_listed_on_its_own_still_belongs_to_its_tuned_row() -> None:
    specs = parse_models("EASE[reg_weight=100],EASE[reg_weight=100|250],KGLLMRec")
    assert [s.label for s in specs] == ["EASE[reg_weight=100]", "EASE[reg_weight=250]", "KGLLMRec"]
    assert [s.tuned for s in specs] == ["EASE[reg_weight=100|250]", "EASE[reg_weight=100|250]", ""]


def test_seed_count_and_list() -> None:
    assert parse_seeds("5") == [2020, 2021, 2022, 2023, 2024]
    assert parse_seeds("2", first=7) == [7, 8]
    assert parse_seeds("2020,2023") == [2020, 2023]
    assert parse_seeds("2023,") == [2023]
    for bad in ("0", "2020", "x", "1,1", ","):
        with pytest.raises(ConfigError):
            parse_seeds(bad)


def test_ablations_cover_modalities_shuffle_fusions_and_distillers() -> None:
    specs = expand_ablations(
        [RunSpec("BPR"), RunSpec("KGLLMRec")],
        fusions=["sum", "gated", "moe"], distillers=["none", "contrastive"], current={"fusion": "sum", "distiller": "none"},
    )
    by_ablation = {s.ablation: s for s in specs if s.model == "KGLLMRec"}
    assert specs[0] == RunSpec("BPR")
    assert by_ablation["ID only"].settings == {"use_kg": "False", "use_text": "False"}
    assert by_ablation["+KG"].settings == {"use_text": "False"}
    assert by_ablation["+text"].settings == {"use_kg": "False"}
    assert by_ablation[FULL_MODEL].label == "KGLLMRec"
    assert by_ablation["+KG(shuffled)+text"].kg_shuffle
    assert {a for a in by_ablation if a.startswith("fusion=")} == {"fusion=gated", "fusion=moe"}  # not the current one
    assert {a for a in by_ablation if a.startswith("distiller=")} == {"distiller=contrastive"}
    assert len({s.label for s in specs}) == len(specs)


def test_ablations_are_added_when_the_list_has_no_kgllmrec() -> None:
    specs = expand_ablations([RunSpec("BPR")], fusions=["sum"], distillers=["none"], current={"fusion": "sum", "distiller": "none"})
    assert any(s.model == "KGLLMRec" and s.ablation == FULL_MODEL for s in specs)


def test_ablations_build_on_a_variant_base() -> None:
    specs = expand_ablations(
        [RunSpec("KGLLMRec", (("fusion", "gated"),))], fusions=["sum", "gated"], distillers=["none"],
        current={"fusion": "sum", "distiller": "none"},
    )
    labels = {s.ablation: s.label for s in specs}
    assert labels["ID only"] == "KGLLMRec[fusion=gated,use_kg=False,use_text=False]"
    assert labels["fusion=sum"] == "KGLLMRec[fusion=sum]"
    assert "fusion=gated" not in labels


def test_strategy_ablations_of_a_closed_form_base_run_on_lightgcn() -> None:
    specs = expand_ablations(
        [RunSpec("KGLLMRec")], fusions=["sum", "gated"], distillers=["none", "contrastive"],
        current={"fusion": "sum", "distiller": "none", "backbone": "ease"}, unfused_backbones=["ease"],
    )
    labels = {s.ablation: s.label for s in specs}
    assert labels["backbone=lightgcn"] == "KGLLMRec[backbone=lightgcn]"
    assert labels["fusion=gated"] == "KGLLMRec[backbone=lightgcn,fusion=gated]"
    assert labels["distiller=contrastive"] == "KGLLMRec[backbone=lightgcn,distiller=contrastive]"
    assert labels["+text"] == "KGLLMRec[use_kg=False]"  # modality ablations stay on the base backbone


def test_a_gradient_variant_base_gets_no_extra_backbone_row() -> None:
    specs = expand_ablations(
        [RunSpec("KGLLMRec", (("backbone", "mf"),))], fusions=["sum", "gated"], distillers=["none"],
        current={"fusion": "sum", "distiller": "none", "backbone": "ease"}, unfused_backbones=["ease"],
    )
    labels = {s.ablation: s.label for s in specs}
    assert "backbone=lightgcn" not in labels
    assert labels["fusion=gated"] == "KGLLMRec[backbone=mf,fusion=gated]"


def test_ablation_kinds_select_modality_or_strategy_rows() -> None:
    common = {"fusions": ["sum", "gated"], "distillers": ["none"], "current": {"fusion": "sum", "distiller": "none"}}
    modalities = {s.ablation for s in expand_ablations([RunSpec("KGLLMRec")], kind="modalities", **common)}
    strategies = {s.ablation for s in expand_ablations([RunSpec("KGLLMRec")], kind="strategies", **common)}
    assert modalities == {"ID only", "+KG", "+text", FULL_MODEL, "+KG(shuffled)+text"}
    assert strategies == {FULL_MODEL, "fusion=gated"}
    with pytest.raises(ValueError, match="modalities"):
        expand_ablations([RunSpec("KGLLMRec")], kind="some", **common)


def test_strategy_ablations_of_the_default_run_on_it_and_include_the_self_taught_teacher() -> None:
    specs = expand_ablations(
        [RunSpec("KGLLMRec")], fusions=["sum", "film"], distillers=["none", "contrastive", "teacher"],
        current={"fusion": "sum", "distiller": "none", "backbone": "ease"}, self_taught_backbones=["ease"],
        kind="strategies",
    )
    labels = {s.ablation: s.label for s in specs}
    assert labels == {FULL_MODEL: "KGLLMRec", "fusion=film": "KGLLMRec[fusion=film]",
                      "distiller=contrastive": "KGLLMRec[distiller=contrastive]", "distiller=teacher": "KGLLMRec[distiller=teacher]"}
    gradient = expand_ablations(
        [RunSpec("KGLLMRec", (("backbone", "mf"),))], fusions=["sum"], distillers=["none", "teacher"],
        current={"fusion": "sum", "distiller": "none", "backbone": "ease"}, self_taught_backbones=["ease"],
    )
    assert not any(s.ablation == "distiller=teacher" for s in gradient)  # needs a checkpoint there
