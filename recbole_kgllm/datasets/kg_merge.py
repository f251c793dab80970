"""Merging several item KGs into one ``.kg`` + ``.link`` pair that RecBole can load.

Rules (documented in ``docs/datasets.md``):

* each source's entities and relations get the source's prefix, so anonymised ids of two
  sources never collide;
* a source marked ``one_hop_only`` keeps only the triples touching an entity linked to an item
  of this dataset;
* duplicate triples (after prefixing) are written once;
* an item links to its entity in the **first** source (priority order) where that entity has
  at least one triple; RecBole drops a link whose entity is in no triple anyway;
* the item's entities in later sources, when they have triples, are attached to the linked
  entity with one ``(linked, same_as, other)`` triple;
* RecBole needs the item -> entity map to be one-to-one: when two items claim the same entity
  the first item (in interaction order) keeps it and the conflict is counted.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from recbole_kgllm.datasets.spec import KGSource, Triple


@dataclass
class MergedKG:
    """The merged graph and its statistics.

    Attributes:
        triples: unique ``(head, relation, tail)`` in first-seen order.
        links: item token -> linked entity token (one-to-one).
        links_by_source: source name -> number of items linked through that source.
        same_as: number of alignment triples added.
        duplicate_triples: triples dropped as duplicates.
        dropped_by_one_hop: triples dropped by ``one_hop_only`` sources.
        link_conflicts: item links refused because the entity was already another item's.
    """

    triples: list[Triple] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)
    links_by_source: dict[str, int] = field(default_factory=dict)
    same_as: int = 0
    duplicate_triples: int = 0
    dropped_by_one_hop: int = 0
    link_conflicts: int = 0

    @property
    def relation_counts(self) -> dict[str, int]:
        """Relation token -> number of triples, most frequent first."""
        return dict(Counter(r for _, r, _ in self.triples).most_common())

    @property
    def n_entities(self) -> int:
        """Number of distinct entities appearing in the triples."""
        return len({h for h, _, _ in self.triples} | {t for _, _, t in self.triples})


def _source_entities(
    source: KGSource, items: Sequence[str], seen: set[Triple], merged: MergedKG
) -> tuple[dict[str, str], set[str]]:
    """Add one source's triples to ``merged``; return its item links and entity set."""
    ep, rp = source.entity_prefix, source.relation_prefix
    links = {item: ep + source.item_links[item] for item in items if item in source.item_links}
    anchors = set(links.values())
    entities: set[str] = set()
    for h, r, t in source.triples:
        triple = (ep + h, rp + r, ep + t)
        if source.one_hop_only and triple[0] not in anchors and triple[2] not in anchors:
            merged.dropped_by_one_hop += 1
            continue
        entities.add(triple[0])
        entities.add(triple[2])
        if triple in seen:
            merged.duplicate_triples += 1
            continue
        seen.add(triple)
        merged.triples.append(triple)
    return links, entities


def merge_item_kgs(
    sources: Sequence[KGSource], items: Sequence[str], *, same_as_relation: str = "same_as"
) -> MergedKG:
    """Merge item KGs for the given dataset items.

    Args:
        sources: KG sources in priority order (see module docstring).
        items: the dataset's item tokens, in interaction order (decides link conflicts).
        same_as_relation: relation used for the alignment triples.

    Returns:
        The merged KG with links and counts.
    """
    merged = MergedKG(links_by_source={s.name: 0 for s in sources})
    seen: set[Triple] = set()
    per_source = [(s.name, *_source_entities(s, items, seen, merged)) for s in sources]
    owner: dict[str, str] = {}  # entity -> item already linked to it (primary or same_as)
    for item in items:
        candidates = [
            (name, links[item])
            for name, links, entities in per_source
            if item in links and links[item] in entities
        ]
        free = [(name, ent) for name, ent in candidates if owner.get(ent, item) == item]
        merged.link_conflicts += len(candidates) - len(free)
        if not free:
            continue
        (primary_source, primary), others = free[0], free[1:]
        merged.links[item] = primary
        merged.links_by_source[primary_source] += 1
        owner[primary] = item
        for _, other in others:
            owner[other] = item
            triple = (primary, same_as_relation, other)
            if triple not in seen:
                seen.add(triple)
                merged.triples.append(triple)
                merged.same_as += 1
    return merged
