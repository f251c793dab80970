"""Fixtures of the integration tests: the ml-100k copy inside the recbole wheel, and a small
slice of it written at test time (never committed: the MovieLens terms forbid redistribution)."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from recbole_kgllm.datasets.atomic import read_atomic_table

#: The slice's dataset name (RecBole reads ``ml-100k`` from its wheel whatever ``data_path`` says).
SLICE_NAME = "ml100k-slice"
#: Users and items of the slice: enough for RecBole's 0.8/0.1/0.1 split and a meaningful ranking.
SLICE_USERS, SLICE_ITEMS = 200, 400


@pytest.fixture(scope="session")
def ml100k_source() -> Path:
    """The ml-100k atomic files inside the recbole wheel (``.inter``, ``.item``, ``.kg``, ``.link``)."""
    import recbole

    return Path(recbole.__file__).parent / "dataset_example" / "ml-100k"


def write_slice(src: Path, dst: Path, n_users: int, n_items: int) -> Path:
    """Write ``dst/ml100k-slice/ml100k-slice.*``: the interactions of the first ``n_users`` users on the
    ``n_items`` items they touch most, those items' ``.item`` and ``.link`` rows, the users'
    ``.user`` rows and the KG triples with a linked entity of those items at either end.
    Returns the ``data_path`` (``dst``)."""
    out = dst / SLICE_NAME
    inter = read_atomic_table(src / "ml-100k.inter")
    keep_users = set(list(dict.fromkeys(inter.column("user_id")))[:n_users])
    inter = inter.select([u in keep_users for u in inter.column("user_id")])
    counts = Counter(inter.column("item_id"))
    items = {item for item, _ in counts.most_common(n_items)}
    inter = inter.select([i in items for i in inter.column("item_id")])
    inter.write(out / f"{SLICE_NAME}.inter")
    for suffix, field, keep in (("item", "item_id", items), ("user", "user_id", keep_users), ("link", "item_id", items)):
        table = read_atomic_table(src / f"ml-100k.{suffix}")
        table.select([v in keep for v in table.column(field)]).write(out / f"{SLICE_NAME}.{suffix}")
    entities = set(read_atomic_table(out / f"{SLICE_NAME}.link").column("entity_id"))
    kg = read_atomic_table(src / "ml-100k.kg")
    kg.select([h in entities or t in entities for h, t in zip(kg.column("head_id"), kg.column("tail_id"))]).write(
        out / f"{SLICE_NAME}.kg"
    )
    return dst


@pytest.fixture(scope="session")
def ml100k_slice(tmp_path_factory: pytest.TempPathFactory, ml100k_source: Path) -> Path:
    """``data_path`` of a small ml-100k slice named :data:`SLICE_NAME`: :data:`SLICE_USERS`
    users and :data:`SLICE_ITEMS` items, with text and KG."""
    return write_slice(ml100k_source, tmp_path_factory.mktemp("ml100k_slice"), SLICE_USERS, SLICE_ITEMS)


#: The columns RecBole's ml-100k YAML loads (another dataset name gets RecBole's sample defaults),
#: and the KG's (read by knowledge models only).
SLICE_COLUMNS = (
    "{'inter': ['user_id', 'item_id', 'rating', 'timestamp'], 'kg': ['head_id', 'relation_id', 'tail_id'], "
    "'link': ['item_id', 'entity_id']}"
)


@pytest.fixture
def on_slice(ml100k_slice: Path) -> list[str]:
    """``run_recbole`` arguments selecting the slice (with ml-100k's columns)."""
    return [f"--dataset={SLICE_NAME}", f"--data_path={ml100k_slice}", f"--load_col={SLICE_COLUMNS}"]


__all__ = ["SLICE_ITEMS", "SLICE_NAME", "SLICE_USERS", "write_slice"]
