"""Bounded path search over a dataset's KG: from a recommended item back to the user's history.

The KG is indexed as an undirected multigraph (each triple walkable both ways, its direction
kept for display). :meth:`KGIndex.path` searches breadth-first from the recommended item's
entity, at most ``max_hops`` edges, and stops at the first level that reaches an entity of a
history item, so the path is a shortest one. Among the shortest it returns the most *specific*:
the one a random walk from the recommended item would take with the highest probability
(``1 / degree`` at every step), so a shared director beats a shared genre. Work is bounded:
each level keeps at most ``max_frontier`` entities (the most specific first), entities with more
than ``max_degree`` edges are reached but not expanded, and at most ``max_edges`` edges are read
per search.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FoundPath:
    """A path from a history item's entity to the recommended item's entity.

    Attributes:
        entities: ``[hops + 1]`` entity ids, history entity first.
        triples: ``[hops]`` triple ids into the index's triples, in walking order.
        score: the random-walk probability of the path from the recommended item, in ``(0, 1]``.
    """

    entities: tuple[int, ...]
    triples: tuple[int, ...]
    score: float

    @property
    def hops(self) -> int:
        return len(self.triples)


class KGIndex:
    """CSR adjacency of a KG given as integer triples.

    Args:
        triples: ``[N, 3]`` int (head, relation, tail) entity/relation ids.
        n_entities: number of entities.
    """

    def __init__(self, triples: np.ndarray, n_entities: int) -> None:
        triples = np.asarray(triples, dtype=np.int64).reshape(-1, 3)
        self.triples = triples
        ends = np.concatenate([triples[:, 0], triples[:, 2]])
        others = np.concatenate([triples[:, 2], triples[:, 0]])
        edge_triple = np.concatenate([np.arange(len(triples)), np.arange(len(triples))])
        order = np.argsort(ends, kind="stable")
        self.neighbour = others[order]
        self.edge_triple = edge_triple[order]
        self.indptr = np.zeros(n_entities + 1, dtype=np.int64)
        np.add.at(self.indptr, ends + 1, 1)
        self.indptr = np.cumsum(self.indptr)
        self.degree = np.diff(self.indptr)

    @property
    def n_entities(self) -> int:
        return len(self.degree)

    def path(
        self,
        sources: np.ndarray,
        target: int,
        *,
        max_hops: int = 3,
        max_frontier: int = 256,
        max_degree: int = 5000,
        max_edges: int = 200_000,
    ) -> FoundPath | None:
        """The most specific shortest path from any entity of ``sources`` to ``target``.

        Args:
            sources: entity ids ``[s]`` of the user's history items; target: the item's entity.

        Returns:
            The path, or ``None`` when no source is within ``max_hops`` under the bounds.
        """
        is_source = np.zeros(self.n_entities, dtype=bool)
        is_source[np.asarray(sources, dtype=np.int64)] = True
        is_source[target] = False
        if not is_source.any():
            return None
        parent: dict[int, tuple[int, int]] = {}  # entity -> (previous entity towards target, triple)
        visited = np.zeros(self.n_entities, dtype=bool)
        visited[target] = True
        frontier, score = np.array([target]), np.array([1.0])
        budget = max_edges
        for _ in range(max_hops):
            frontier_degree = self.degree[frontier]
            keep = (frontier_degree > 0) & ((frontier_degree <= max_degree) | (frontier == target))
            frontier, score, frontier_degree = frontier[keep], score[keep], frontier_degree[keep]
            allowed = np.cumsum(frontier_degree) <= budget
            frontier, score, frontier_degree = frontier[allowed], score[allowed], frontier_degree[allowed]
            if len(frontier) == 0:
                return None
            budget -= int(frontier_degree.sum())
            starts = self.indptr[frontier]
            owner = np.repeat(np.arange(len(frontier)), frontier_degree)
            offsets = np.arange(len(owner)) - np.repeat(np.cumsum(frontier_degree) - frontier_degree, frontier_degree)
            edges = starts[owner] + offsets
            reached, through = self.neighbour[edges], self.edge_triple[edges]
            reached_score = score[owner] / frontier_degree[owner]
            fresh = ~visited[reached]
            reached, through, owner, reached_score = reached[fresh], through[fresh], owner[fresh], reached_score[fresh]
            if len(reached) == 0:
                return None
            order = np.argsort(-reached_score, kind="stable")
            reached, through, owner, reached_score = reached[order], through[order], owner[order], reached_score[order]
            _, first = np.unique(reached, return_index=True)  # best-scoring edge into each entity
            first.sort()
            reached, through, owner, reached_score = reached[first], through[first], owner[first], reached_score[first]
            for entity, triple, prev in zip(reached.tolist(), through.tolist(), frontier[owner].tolist()):
                parent[entity] = (prev, triple)
            visited[reached] = True
            hits = np.flatnonzero(is_source[reached])
            if len(hits):
                best = hits[0]  # sorted by score, best first
                return self._walk(int(reached[best]), target, parent, float(reached_score[best]))
            frontier, score = reached[:max_frontier], reached_score[:max_frontier]
        return None

    @staticmethod
    def _walk(start: int, target: int, parent: dict[int, tuple[int, int]], score: float) -> FoundPath:
        entities, triples = [start], []
        node = start
        while node != target:
            node, triple = parent[node]
            entities.append(node)
            triples.append(triple)
        return FoundPath(entities=tuple(entities), triples=tuple(triples), score=score)


__all__ = ["FoundPath", "KGIndex"]
