"""The real ml-1m bundle converted into tmp_path, checked against its SOURCE.md counts."""
from __future__ import annotations

from pathlib import Path

import pytest

from recbole_kgllm.datasets import convert_ml1m

_CANDIDATES = [
    Path("/work/shared/data/ml-1m"),
    Path(__file__).resolve().parents[2].parent / "shared" / "data" / "ml-1m",  # repo-relative ../shared
]
BUNDLE = next((p for p in _CANDIDATES if (p / "SOURCE.md").is_file()), None)


@pytest.mark.slow
@pytest.mark.skipif(BUNDLE is None, reason="ml-1m bundle not found at /work/shared/data/ml-1m or ../shared/data/ml-1m")
def test_real_ml1m_pos4_matches_source_md(tmp_path: Path) -> None:
    assert BUNDLE is not None
    report = convert_ml1m(BUNDLE, tmp_path, progress=False)
    # SOURCE.md: 575,280 interactions (457,818 train + 117,462 test), 6,037 users, 3,533 items.
    assert (report.interactions, report.users, report.items) == (575_280, 6_037, 3_533)
    assert report.duplicate_interactions == 0 and report.items_with_metadata == 3_533
    # SOURCE.md: 2,254 of the 3,533 items have an MKR entity, carrying 65.5% of interactions;
    # each is linked either directly (mkr) or through a same_as triple from its Freebase MID.
    assert report.links_by_source["mkr"] + report.same_as_triples == 2_254
    assert report.linked_interaction_share > 0.655
    assert report.relation_counts["mkr:film.film.genre"] == 5_271
    assert any("29 items occur only" in note for note in report.notes)
