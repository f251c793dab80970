"""A typed description of a dataset's generic inputs, independent of any source layout.

A recipe (e.g. :mod:`recbole_kgllm.datasets.ml1m`) reads raw files into a
:class:`DatasetSpec`; :func:`recbole_kgllm.datasets.convert.convert` turns any spec into
RecBole atomic files. Construct every class here with keyword arguments.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Optional

Triple = tuple[str, str, str]


@dataclass(frozen=True)
class ItemRecord:
    """Item metadata written to ``.item``.

    Attributes:
        title: display title, e.g. ``"Usual Suspects, The"`` (year removed, kept as given).
        year: release year as text, ``""`` when unknown.
        genres: genre tokens, e.g. ``("Crime", "Thriller")``; written space-separated.
    """

    title: str
    year: str = ""
    genres: tuple[str, ...] = ()


@dataclass(frozen=True)
class InteractionTable:
    """Interactions as parallel columns (one entry per interaction).

    Attributes:
        user_ids: external user tokens.
        item_ids: external item tokens (they key ``items``, ``users`` and KG links).
        ratings: explicit ratings, or ``None`` for implicit feedback (written as ``1.0``).
        timestamps: seconds since the epoch, or ``None`` when the source has none (then no
            ``timestamp`` column is written and only random-order splits are possible).
    """

    user_ids: Sequence[str]
    item_ids: Sequence[str]
    ratings: Optional[Sequence[float]] = None
    timestamps: Optional[Sequence[float]] = None

    def __post_init__(self) -> None:
        n = len(self.user_ids)
        lengths = {
            "item_ids": len(self.item_ids),
            "ratings": n if self.ratings is None else len(self.ratings),
            "timestamps": n if self.timestamps is None else len(self.timestamps),
        }
        bad = {k: v for k, v in lengths.items() if v != n}
        if bad:
            raise ValueError(f"interaction columns differ in length from user_ids ({n}): {bad}")

    def __len__(self) -> int:
        return len(self.user_ids)


@dataclass(frozen=True)
class UserTable:
    """User features written to ``.user`` (every feature as a ``token`` column).

    Attributes:
        fields: column names after ``user_id``, e.g. ``("age", "gender", "occupation", "zip_code")``.
        rows: user token -> one value per field.
    """

    fields: tuple[str, ...]
    rows: Mapping[str, tuple[str, ...]]

    def __post_init__(self) -> None:
        for user, values in self.rows.items():
            if len(values) != len(self.fields):
                raise ValueError(f"user {user!r} has {len(values)} values for {len(self.fields)} fields")


@dataclass(frozen=True)
class KGSource:
    """One item knowledge graph in its own entity-id space.

    Attributes:
        name: short source name used in reports, e.g. ``"freebase"`` or ``"mkr"``.
        triples: ``(head, relation, tail)`` in the source's own tokens.
        item_links: item token -> the item's entity in this source.
        entity_prefix: prepended to every entity of this source, to keep anonymised ids of
            different sources apart (e.g. ``"mkr:"``).
        relation_prefix: prepended to every relation of this source.
        one_hop_only: keep only triples whose head or tail is linked to an item of this
            dataset (for a KG borrowed from a larger or different dataset).
    """

    name: str
    triples: Sequence[Triple]
    item_links: Mapping[str, str]
    entity_prefix: str = ""
    relation_prefix: str = ""
    one_hop_only: bool = False


@dataclass(frozen=True)
class DatasetSpec:
    """Everything the generic converter needs to write a RecBole dataset.

    Attributes:
        name: dataset name; files are ``<out_dir>/<name>/<name>.<suffix>``.
        interactions: the interactions (duplicate rows are dropped).
        items: item token -> metadata; only items that occur in ``interactions`` are written.
        users: optional user features; only users that occur in ``interactions`` are written.
        kg_sources: item KGs in priority order: an item links to its entity in the first
            source where that entity has a triple; its entities in later sources are attached
            with a ``same_as_relation`` triple.
        same_as_relation: relation name of those alignment triples.
        item_fields: ``.item`` column names for title, year and genres (ml-100k's by default).
        notes: free-text remarks carried into the report (quirks met, choices made).
    """

    name: str
    interactions: InteractionTable
    items: Mapping[str, ItemRecord] = field(default_factory=dict)
    users: Optional[UserTable] = None
    kg_sources: Sequence[KGSource] = ()
    same_as_relation: str = "same_as"
    item_fields: tuple[str, str, str] = ("movie_title", "release_year", "class")
    notes: tuple[str, ...] = ()
