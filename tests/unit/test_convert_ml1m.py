"""The ml-1m recipe on a synthetic bundle with every quirk, read back by a real RecBole."""
from __future__ import annotations

from pathlib import Path

import pytest
from _convert_bundle import (
    EXPECTED_LINKS,
    EXPECTED_SAME_AS,
    FREEBASE_TRIPLES,
    MKR_TRIPLES,
    TEST,
    TRAIN,
    unique_interactions,
    write_bundle,
)

from recbole_kgllm.datasets import ConversionReport, convert_ml1m
from recbole_kgllm.errors import DatasetNotFoundError

NAME = "ml1m-tiny"


@pytest.fixture
def converted(in_tmp: Path) -> ConversionReport:
    bundle = write_bundle(in_tmp / "src")
    return convert_ml1m(bundle, in_tmp / "out", name=NAME, progress=False)


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    header, *lines = path.read_bytes().decode("utf-8").split("\n")[:-1]
    return header.split("\t"), [line.split("\t") for line in lines]


def _recbole_dataset(report: ConversionReport, model: str, tmp_path: Path):  # noqa: ANN202
    from recbole.config import Config
    from recbole.data import create_dataset

    config = Config(
        model=model,
        dataset=report.name,
        config_dict={
            "data_path": str(report.data_path),
            "load_col": None,
            "checkpoint_dir": str(tmp_path / "saved"),
            "show_progress": False,
        },
    )
    return create_dataset(config)


def test_counts_follow_the_bundle(converted: ConversionReport) -> None:
    pairs = unique_interactions()
    assert converted.interactions == len(pairs)
    assert converted.duplicate_interactions == sum(map(len, TRAIN.values())) + sum(map(len, TEST.values())) - len(pairs)
    assert converted.users == len({u for u, _ in pairs})
    assert converted.items == len({i for _, i in pairs})
    assert converted.implicit and not converted.has_timestamps
    assert converted.linked_items == len(EXPECTED_LINKS)
    on_linked = sum(1 for _, i in pairs if i in EXPECTED_LINKS)
    assert converted.linked_interaction_share == pytest.approx(on_linked / len(pairs))
    assert converted.duplicate_triples == 2
    assert converted.kg_triples_outside_one_hop == 1
    assert converted.triples == (len(set(MKR_TRIPLES)) + len(set(FREEBASE_TRIPLES)) - 1 + len(EXPECTED_SAME_AS))
    assert converted.links_by_source == {"freebase": 3, "mkr": 2}
    assert "Dataset 'ml1m-tiny'" in str(converted) and "same_as" in str(converted)


def test_files_follow_ml100k_conventions(converted: ConversionReport) -> None:
    folder = converted.data_path / NAME
    ml100k_item_header = ["item_id:token", "movie_title:token_seq", "release_year:token", "class:token_seq"]
    headers = {s: _rows(folder / f"{NAME}.{s}")[0] for s in ("inter", "item", "user", "kg", "link")}
    assert headers == {
        "inter": ["user_id:token", "item_id:token", "rating:float"],
        "item": ml100k_item_header,
        "user": ["user_id:token", "age:token", "gender:token", "occupation:token", "zip_code:token"],
        "kg": ["head_id:token", "relation_id:token", "tail_id:token"],
        "link": ["item_id:token", "entity_id:token"],
    }
    for path in folder.iterdir():
        assert b"\r" not in path.read_bytes(), path.name
    _, inter = _rows(folder / f"{NAME}.inter")
    assert [(u, i) for u, i, _ in inter] == unique_interactions()  # original ids, train then test
    assert {r for _, _, r in inter} == {"1.0"}
    _, link = _rows(folder / f"{NAME}.link")
    assert dict(link) == EXPECTED_LINKS
    _, kg = _rows(folder / f"{NAME}.kg")
    assert [tuple(t) for t in kg if t[1] == "same_as"] == EXPECTED_SAME_AS
    assert ["mkr:3", "mkr:film.film.genre", "mkr:10"] in kg  # MKR kept whole, prefixed
    assert not any("m.0other" in t for t in kg)  # borrowed triple touching no item dropped


def test_item_text_quirks(converted: ConversionReport) -> None:
    items = {row[0]: row[1:] for row in _rows(converted.data_path / NAME / f"{NAME}.item")[1]}
    assert "8" not in items  # in movies.dat, never interacted: not a ranking candidate
    assert items["2"] == ["Metisse (Café au Lait)", "1993", "Comedy"]
    assert items["3"] == ["Usual Suspects, The", "1995", "Crime Thriller"]
    assert items["4"] == ["Associate, The (L'Associe)", "1982", "Comedy"]
    assert items["6"] == ["Tab Inside", "1999", "Drama"]
    assert items["5"][0] == '"""Great Performances"" Cats"'  # CSV-quoted for pandas
    assert items["1"][2] == "Animation Children's Comedy"


def test_recbole_general_dataset_reads_output(converted: ConversionReport, in_tmp: Path) -> None:
    dataset = _recbole_dataset(converted, "BPR", in_tmp)
    pairs = unique_interactions()
    assert dataset.inter_num == len(pairs)
    assert dataset.user_num == len({u for u, _ in pairs}) + 1  # + [PAD]
    assert dataset.item_num == len({i for _, i in pairs}) + 1
    assert "105" not in dataset.field2token_id["user_id"]

    def title(item: str) -> list[str]:
        ids = dataset.item_feat["movie_title"][dataset.field2token_id["item_id"][item]].tolist()
        return [dataset.field2id_token["movie_title"][t] for t in ids if t != 0]

    assert title("2") == ["Metisse", "(Café", "au", "Lait)"]  # Latin-1 round trip
    assert title("9")[0] == "Misérables,"
    assert title("5") == ['"Great', 'Performances"', "Cats"]  # quote survives pandas
    user = dataset.field2token_id["user_id"]["101"]
    occupation = int(dataset.user_feat["occupation"][user])
    assert dataset.field2id_token["occupation"][occupation] == "K-12 student"


def test_recbole_knowledge_dataset_reads_kg_and_link(converted: ConversionReport, in_tmp: Path) -> None:
    dataset = _recbole_dataset(converted, "CKE", in_tmp)
    assert type(dataset).__name__ == "KnowledgeBasedDataset"
    assert set(dataset.item2entity) == set(EXPECTED_LINKS)
    pairs = unique_interactions()
    assert dataset.inter_num == sum(1 for _, i in pairs if i in EXPECTED_LINKS)  # RecBole drops unlinked
    assert dataset.relation_num == converted.relations + 2  # + [PAD] + [UI-Relation]
    assert {"same_as", "mkr:film.film.genre", "film.film.sequel"} <= set(dataset.field2id_token["relation_id"])
    n_items = converted.items + 1
    assert dataset.entity_num == n_items + converted.entities - converted.linked_items


def test_mkr_only_links_every_mkr_item_without_same_as(in_tmp: Path) -> None:
    bundle = write_bundle(in_tmp / "src")
    report = convert_ml1m(bundle, in_tmp / "out", kg="mkr", name=NAME, progress=False)
    assert report.links_by_source == {"mkr": 3}  # items 1, 3, 7; item 4's entity has no triple
    assert report.same_as_triples == 0 and "same_as" not in report.relation_counts
    assert all(r.startswith("mkr:") for r in report.relation_counts)


def test_missing_bundle_file_is_one_clear_error(in_tmp: Path) -> None:
    bundle = write_bundle(in_tmp / "src")
    (bundle / "kg-mkr" / "kg.txt").unlink()
    with pytest.raises(DatasetNotFoundError, match="kg.txt"):
        convert_ml1m(bundle, in_tmp / "out", progress=False)
    with pytest.raises(DatasetNotFoundError, match="source folder not found"):
        convert_ml1m(in_tmp / "nowhere", in_tmp / "out", progress=False)
