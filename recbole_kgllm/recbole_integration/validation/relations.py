"""Checks across files: empty tables, a dataset too small to split, a ``.link`` that is not one to
one (RecBole mixes up ids then), and the ``.kg`` / ``.link`` / ``.item`` oddities RecBole reads
correctly but silently (duplicates, self-loops, dangling links, items without text), counted for
one warning line each."""
from __future__ import annotations

from collections import Counter
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
    per_user = " per user" if grouped or "LS" in split else ""
    raise DataFileError(
        inter.target.path,
        f"too small to split: {inter.rows} interaction(s) of {len(counts)} user(s) give no {' and no '.join(empty)} "
        f"interactions with eval_args split {split}",
        f"add interactions (at least 3{per_user} for a train/validation/test split), or change eval_args' split",
    )


def _samples_negatives(config: Any) -> bool:
    train = _get(config, "train_neg_sample_args")
    if isinstance(train, dict) and train.get("distribution", "none") != "none":
        return True
    eval_args = _get(config, "eval_args") or {}
    modes = eval_args.get("mode") if isinstance(eval_args, dict) else None
    modes = list(modes.values()) if isinstance(modes, dict) else [modes]
    return any(isinstance(m, str) and m.startswith(("uni", "pop")) for m in modes)


def check_negatives(inters: list[FileFacts], config: Any) -> None:
    """Raise when a user has interacted with every item while RecBole samples negative items
    (its ``Sampler`` refuses such a dataset, e.g. a dataset with a single user)."""
    user, item = str(_get(config, "USER_ID_FIELD")), str(_get(config, "ITEM_ID_FIELD"))
    if not _samples_negatives(config) or not all(user in f.values and item in f.values for f in inters):
        return
    items_of: dict[str, set[str]] = {}
    for facts in inters:
        for u, i in zip(facts.values[user], facts.values[item]):
            items_of.setdefault(u, set()).add(i)
    n_items = len({i for items in items_of.values() for i in items})
    full = next((u for u, items in items_of.items() if len(items) == n_items), None)
    if full is not None:
        raise DataFileError(
            inters[0].target.path,
            f"{user} '{full}' has interacted with all {n_items} items ({len(items_of)} user(s) in all), so RecBole "
            "cannot sample a negative item for them",
            f"add interactions of other users with other items, or drop such users with --user_inter_num_interval=\"[0,{n_items})\"",
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


def _check_one_to_one(link: FileFacts, pairs: list[tuple[str, str]], item: str) -> int:
    """RecBole's ``KnowledgeBasedDataset`` merges item and entity ids assuming one entity per item
    and one item per entity; anything else makes it mix up ids (an entity vanishes, another is
    named twice) or fail with a ``KeyError``. Raises at the first row that breaks the rule;
    returns the number of exact repeats (harmless)."""
    entity_of: dict[str, tuple[str, int]] = {}
    item_of: dict[str, tuple[str, int]] = {}
    repeats = 0
    for (i, e), number in zip(pairs, link.lines):
        if entity_of.get(i, (e, 0))[0] == e and item_of.get(e, (i, 0))[0] == i:
            repeats += i in entity_of
            entity_of.setdefault(i, (e, number))
            item_of.setdefault(e, (i, number))
            continue
        if i in entity_of and entity_of[i][0] != e:
            other, line = entity_of[i]
            problem = f"{item} '{i}' is linked to entity '{other}' (line {line}) and to '{e}'"
        else:
            other, line = item_of[e]
            problem = f"entity '{e}' is linked to {item} '{other}' (line {line}) and to '{i}'"
        raise DataFileError(
            link.target.path, f"{problem}; RecBole maps items and entities one to one and would mix up their ids",
            "keep one row per item and one row per entity", line=number,
        )
    return repeats


def _link_notes(link: FileFacts, config: Any, inter_items: set[str], entities: set[str] | None) -> None:
    item, entity = str(_get(config, "ITEM_ID_FIELD")), str(_get(config, "ENTITY_ID_FIELD"))
    pairs = list(zip(link.values[item], link.values[entity]))
    linked_items = {i for i, _e in pairs}
    if inter_items and pairs and not inter_items & linked_items:
        raise DataFileError(
            link.target.path, f"no row links an item of the .inter file ({len(linked_items):,} linked items, none interacted)",
            f"use the .inter file's {item} values in the {item} column, or set --use_kg=False",
        )
    repeats = _check_one_to_one(link, pairs, item)
    if repeats:
        link.notes.append(f"{repeats:,} repeated row(s), read once")
    unknown_items = len(linked_items - inter_items) if inter_items else 0
    if unknown_items:
        link.notes.append(f"{unknown_items:,} linked item(s) absent from the .inter file (ignored)")
    if entities is not None:
        unknown = len({e for _i, e in pairs} - entities)
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


def check_relations(facts: dict[str, list[FileFacts]], config: Any, views: set[str], *, training: bool = True) -> None:
    """Cross-file errors (raised) and oddities (appended to each file's ``notes``); the split and
    negative-sampling checks only when ``training``."""
    inters = facts.get("inter", [])
    for inter in inters:
        if inter.rows == 0:
            raise DataFileError(inter.target.path, "the file has a header but no interactions", "add interaction rows")
    user, item = str(_get(config, "USER_ID_FIELD")), str(_get(config, "ITEM_ID_FIELD"))
    if training and len(inters) == 1:
        check_split(inters[0], config)
    if training and inters:
        check_negatives(inters, config)
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


__all__ = ["check_negatives", "check_relations", "check_split", "split_sizes"]
