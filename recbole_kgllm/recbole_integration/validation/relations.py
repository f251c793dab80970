"""Checks across files: empty tables, a dataset too small to split, and the ``.kg`` / ``.link``
/ ``.item`` oddities RecBole reads without a word (duplicates, self-loops, dangling links, an
item linked to two entities, items without text), counted for one warning line each."""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from recbole_kgllm.errors import DataFileError
from recbole_kgllm.recbole_integration.validation.checks import FileFacts


def _get(config: Any, key: str) -> Any:
    try:
        return config[key]
    except (KeyError, TypeError):
        return None


def split_sizes(counts: list[int], split: dict[str, Any], grouped: bool) -> tuple[int, int, int] | None:
    """Train/valid/test sizes RecBole's split would give for groups of ``counts`` interactions
    (``RS`` ratios: ``Dataset._calcu_split_ids``' arithmetic; ``LS``: leave-one-out), or None
    for a split this check does not model."""
    if "RS" in split:
        ratios = [float(r) for r in split["RS"]]
        total = sum(ratios)
        ratios = [r / total for r in ratios] + [0.0] * (3 - len(ratios))
        sizes = [0, 0, 0]
        for tot in counts if grouped else [sum(counts)]:
            cnt = [int(r * tot) for r in ratios]
            cnt[0] = tot - sum(cnt[1:])
            for i in range(1, 3):
                if cnt[0] <= 1:
                    break
                if 0 < ratios[-i] * tot < 1:
                    cnt[-i] += 1
                    cnt[0] -= 1
            sizes = [a + b for a, b in zip(sizes, cnt)]
        return sizes[0], sizes[1], sizes[2]
    if "LS" in split:
        mode = split["LS"]
        held = {"valid_and_test": (1, 1), "valid_only": (1, 0), "test_only": (0, 1)}.get(mode)
        if held is None:
            return None
        need = 1 + sum(held)
        eligible = [n for n in counts if n >= need]
        return sum(counts) - len(eligible) * sum(held), held[0] * len(eligible), held[1] * len(eligible)
    return None


def check_split(inter: FileFacts, config: Any) -> None:
    """Raise when RecBole's split would leave train, validation or test empty."""
    eval_args = _get(config, "eval_args") or {}
    split = eval_args.get("split") if isinstance(eval_args, dict) else None
    user = _get(config, "USER_ID_FIELD")
    if not isinstance(split, dict) or user not in inter.values:
        return
    grouped = eval_args.get("group_by") == "user"
    counts = list(Counter(inter.values[user]).values())
    sizes = split_sizes(counts, split, grouped)
    if sizes is None or all(sizes):
        return
    empty = [name for name, size in zip(("training", "validation", "test"), sizes) if not size]
    needed = 3
    if "RS" in split:
        smallest = min(float(r) for r in split["RS"] if float(r) > 0)
        needed = max(3, int(1 / smallest) if smallest else 3)
    raise DataFileError(
        inter.target.path,
        f"too small to split: {inter.rows} interaction(s) of {len(counts)} user(s) give no {' and no '.join(empty)} "
        f"interactions with eval_args split {split}",
        f"add interactions (about {needed} or more per user), or pass a split that fits, e.g. "
        "--eval_args=\"{'split': {'RS': [0.8, 0.1, 0.1]}, 'group_by': None, 'order': 'RO', 'mode': 'full'}\"",
    )


def _kg_notes(kg: FileFacts, config: Any) -> set[str]:
    head, relation, tail = (str(_get(config, k)) for k in ("HEAD_ENTITY_ID_FIELD", "RELATION_ID_FIELD", "TAIL_ENTITY_ID_FIELD"))
    heads, relations, tails = kg.values[head], kg.values[relation], kg.values[tail]
    triples = Counter(zip(heads, relations, tails))
    duplicates = sum(n - 1 for n in triples.values())
    loops = sum(n for (h, _r, t), n in triples.items() if h == t)
    if duplicates:
        kg.notes.append(f"{duplicates:,} duplicate triple(s) (repeated rows weigh more in KG training; delete them to avoid that)")
    if loops:
        kg.notes.append(f"{loops:,} self-loop triple(s) (head = tail), kept")
    return set(heads) | set(tails)


def _link_notes(link: FileFacts, config: Any, inter_items: set[str], entities: set[str] | None) -> None:
    item, entity = str(_get(config, "ITEM_ID_FIELD")), str(_get(config, "ENTITY_ID_FIELD"))
    pairs = list(zip(link.values[item], link.values[entity]))
    item_entities: dict[str, set[str]] = defaultdict(set)
    entity_items: dict[str, set[str]] = defaultdict(set)
    for i, e in pairs:
        item_entities[i].add(e)
        entity_items[e].add(i)
    if link.target.must_exist and inter_items and not inter_items & set(item_entities):
        raise DataFileError(
            link.target.path, f"no row links an item of the .inter file ({len(item_entities):,} linked items, none interacted)",
            f"use the .inter file's {item} values in the {item} column, or set --use_kg=False",
        )
    multi = sum(1 for es in item_entities.values() if len(es) > 1)
    if multi:
        link.notes.append(f"{multi:,} item(s) linked to more than one entity (RecBole keeps the last row of each)")
    shared = sum(1 for its in entity_items.values() if len(its) > 1)
    if shared:
        link.notes.append(f"{shared:,} entit(y/ies) linked to more than one item (RecBole keeps the last row of each)")
    unknown_items = len(set(item_entities) - inter_items) if inter_items else 0
    if unknown_items:
        link.notes.append(f"{unknown_items:,} linked item(s) absent from the .inter file (ignored)")
    if entities is not None:
        unknown = len(set(entity_items) - entities)
        if unknown:
            link.notes.append(f"{unknown:,} linked entit(y/ies) absent from the .kg file (those items get no KG embedding)")


def _text_notes(table: FileFacts, ids: set[str], id_field: str, kind: str, text_used: bool) -> None:
    counts = Counter(table.values.get(id_field, []))
    duplicates = sum(n - 1 for n in counts.values() if n > 1)
    if duplicates:
        table.notes.append(f"{duplicates:,} repeated {id_field} row(s) (RecBole keeps the first)")
    if text_used and ids:
        missing = len(ids - set(counts))
        if missing:
            table.notes.append(f"{missing:,} {kind}(s) of the .inter file have no row here, so no text (their text view is masked)")


def check_relations(facts: dict[str, list[FileFacts]], config: Any, views: set[str]) -> None:
    """Cross-file errors (raised) and oddities (appended to each file's ``notes``)."""
    inters = facts.get("inter", [])
    for inter in inters:
        if inter.rows == 0:
            raise DataFileError(inter.target.path, "the file has a header but no interactions", "add interaction rows")
    user, item = str(_get(config, "USER_ID_FIELD")), str(_get(config, "ITEM_ID_FIELD"))
    if len(inters) == 1:
        check_split(inters[0], config)
    inter_items = {i for inter in inters for i in inter.values.get(item, [])}
    inter_users = {u for inter in inters for u in inter.values.get(user, [])}
    entities = None
    for kg in facts.get("kg", []):
        if kg.rows == 0:
            raise DataFileError(kg.target.path, "the file has a header but no triples", f"add triples, or drop the file (and use_kg) if {kg.target.why} should not use a KG")
        entities = _kg_notes(kg, config)
    for link in facts.get("link", []):
        if link.rows == 0 and link.target.must_exist:
            raise DataFileError(link.target.path, "the file has a header but no links", "add item-entity rows")
        _link_notes(link, config, inter_items, entities)
    for table in facts.get("item", []):
        _text_notes(table, inter_items, item, "item", "text" in views)
    for table in facts.get("user", []):
        _text_notes(table, inter_users, user, "user", "user_text" in views)


__all__ = ["check_relations", "check_split", "split_sizes"]
