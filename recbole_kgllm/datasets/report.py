"""The report a conversion returns: counts, coverage, quirks met, and where the files are."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class ConversionReport:
    """Counts and coverage of one conversion; ``str(report)`` is a readable summary.

    Attributes:
        name: dataset name (RecBole's ``dataset``).
        data_path: folder to pass as RecBole's ``data_path`` (parent of ``<name>/``).
        files: suffix (``inter``, ``item`` ...) -> written file.
        users, items, interactions: counts in ``.inter``.
        implicit: whether ratings were absent (written as ``1.0``).
        has_timestamps: whether a ``timestamp`` column was written.
        items_with_metadata: items with a ``.item`` row.
        users_with_features: users with a ``.user`` row.
        triples, entities, relations: counts in ``.kg``.
        relation_counts: relation -> triples, most frequent first.
        linked_items: items in ``.link`` (their entity occurs in ``.kg``).
        linked_interaction_share: share of interactions on linked items (what a RecBole
            knowledge model keeps: ``KnowledgeBasedDataset`` drops the others).
        links_by_source: KG source -> items linked through it.
        same_as_triples: alignment triples added between sources.
        duplicate_interactions, duplicate_triples: rows dropped as exact duplicates.
        link_conflicts: links refused to keep item -> entity one-to-one.
        kg_triples_outside_one_hop: triples of ``one_hop_only`` sources touching no dataset item.
        notes: remarks from the recipe (quirks, choices).
        seconds: wall time of the conversion.
    """

    name: str
    data_path: Path
    files: dict[str, Path] = field(default_factory=dict)
    users: int = 0
    items: int = 0
    interactions: int = 0
    implicit: bool = True
    has_timestamps: bool = False
    items_with_metadata: int = 0
    users_with_features: int = 0
    triples: int = 0
    entities: int = 0
    relations: int = 0
    relation_counts: dict[str, int] = field(default_factory=dict)
    linked_items: int = 0
    linked_interaction_share: float = 0.0
    links_by_source: dict[str, int] = field(default_factory=dict)
    same_as_triples: int = 0
    duplicate_interactions: int = 0
    duplicate_triples: int = 0
    link_conflicts: int = 0
    kg_triples_outside_one_hop: int = 0
    notes: tuple[str, ...] = ()
    seconds: float = 0.0

    @property
    def linked_item_share(self) -> float:
        """Share of items that have a ``.link`` entry."""
        return self.linked_items / self.items if self.items else 0.0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (paths as strings)."""
        data = asdict(self)
        data["data_path"] = str(self.data_path)
        data["files"] = {k: str(v) for k, v in self.files.items()}
        data["notes"] = list(self.notes)
        data["linked_item_share"] = self.linked_item_share
        return data

    def to_json(self) -> str:
        """The report as indented JSON."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def __str__(self) -> str:
        feedback = "implicit (rating 1.0)" if self.implicit else "explicit ratings"
        time_note = "with timestamps" if self.has_timestamps else "no timestamps"
        lines = [
            f"Dataset '{self.name}' -> {self.data_path / self.name}  ({self.seconds:.1f} s)",
            f"  interactions  {self.interactions:>10,}   {feedback}, {time_note}",
            f"  users         {self.users:>10,}   ({self.users_with_features:,} with .user features)",
            f"  items         {self.items:>10,}   ({self.items_with_metadata:,} with .item metadata)",
            f"  triples       {self.triples:>10,}   entities {self.entities:,}, relations {self.relations}",
            f"  linked items  {self.linked_items:>10,}   ({self.linked_item_share:.1%} of items,"
            f" {self.linked_interaction_share:.1%} of interactions)",
        ]
        if self.links_by_source:
            by_source = ", ".join(f"{k} {v:,}" for k, v in self.links_by_source.items())
            lines.append(f"  links by KG   {by_source}; same_as triples {self.same_as_triples:,}")
        dropped = (
            f"  dropped       {self.duplicate_interactions:,} duplicate interactions,"
            f" {self.duplicate_triples:,} duplicate triples, {self.link_conflicts:,} link conflicts,"
            f" {self.kg_triples_outside_one_hop:,} borrowed triples touching no dataset item"
        )
        lines.append(dropped)
        if self.relation_counts:
            lines.append("  relations:")
            lines += [f"    {rel:<48} {n:>8,}" for rel, n in self.relation_counts.items()]
        if self.notes:
            lines.append("  notes:")
            lines += [f"    - {note}" for note in self.notes]
        lines.append(f"  RecBole: data_path={self.data_path}  dataset={self.name}")
        return "\n".join(lines)
