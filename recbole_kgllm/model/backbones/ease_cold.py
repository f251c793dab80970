"""Cold-start columns of the EASE backbone, and which cold items are likely new.

A cold item (no training interaction) has a column of ``B`` that comes only from the content
prior and is far smaller than a warm item's, so it never reaches a top-k list.
:func:`calibrated_cold_columns` gives a *new* item its prior column rescaled to the size of warm
items' learned columns, times ``cold_scale``, which the fit chooses on its inner validation.

Which cold items are new? A random split also leaves rare items without training interactions,
and a catalogue (``.item``) may list items nobody ever interacted with. The estimate is made per
**content group** (items with the same views present, e.g. "text and KG" or "text only"):
within a group, at most ``singletons x (1-p)/p`` cold items are rare items the split left out
(:func:`recbole_kgllm.model.cold_start.new_item_share`), the rest are new. A group without any
warm item gives no evidence that its items are ever interacted with (for instance the unlinked
items whose interactions the benchmark's ``filtered`` data mode removed): its share is 0. A group
of fewer than :data:`MIN_GROUP` items is too small for the estimate and takes the pooled one
(all groups with warm items together).

The bound is a mean, and cold counts scatter around it: the excess counts as new items only beyond
:data:`NOISE_Z` standard deviations of that count (a sum of independent Bernoulli draws, so its
variance is at most its mean). On a random split the excess is noise (a few items) and nothing is
promoted; a catalogue with genuinely new items exceeds the bound by far.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from recbole_kgllm.model.backbones.ease_priors import prior_columns
from recbole_kgllm.model.cold_start import new_item_share

#: Groups smaller than this take the pooled estimate.
MIN_GROUP = 30
#: Standard deviations of the rare-item count an excess must exceed to count as new items.
NOISE_Z = 2.0


def significant_share(counts: np.ndarray, train_share: float, z: float = NOISE_Z) -> float:
    """The new-item share of the cold items of ``counts`` beyond ``z`` standard deviations of the
    rare-item bound (:func:`new_item_share`); 0 when the excess is within the noise."""
    est = new_item_share(counts, train_share=train_share)
    if est.cold == 0:
        return 0.0
    excess = est.cold - est.expected - z * np.sqrt(est.expected)
    return float(np.clip(excess / est.cold, 0.0, 1.0))


@dataclass(frozen=True)
class GroupShare:
    """The new-item estimate of one content group (for the log).

    Attributes:
        views: the views its items have; items, warm, cold, singletons: counts;
        share: the share of its cold items treated as new.
    """

    views: tuple[str, ...]
    items: int
    warm: int
    cold: int
    singletons: int
    share: float


def content_groups(masks: dict[str, np.ndarray], n_items: int) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """Group id ``[I]`` of each item by the set of views it has (``-1``: no view at all, or padding)."""
    names = sorted(masks)
    keys: dict[tuple[str, ...], int] = {}
    groups = np.full(n_items, -1, dtype=np.int64)
    for item in range(1, n_items):
        present = tuple(name for name in names if bool(masks[name][item]))
        if present:
            groups[item] = keys.setdefault(present, len(keys))
    return groups, list(keys)


def new_item_shares(
    counts: np.ndarray, groups: np.ndarray, labels: list[tuple[str, ...]], *, train_share: float | None,
    fixed: float | None = None,
) -> tuple[np.ndarray, list[GroupShare]]:
    """Per item ``[I]``: the probability that it is new if it is cold (0 for warm items and items
    without content); and the per-group estimates.

    Args:
        counts: ``[I]`` training interactions per item.
        groups, labels: :func:`content_groups`.
        train_share: the split's training share ``p`` (``None``: not a ratio split, every cold item
            of a group with warm items is treated as new).
        fixed: a share given in the config (used for every group that has warm items).
    """
    shares = np.zeros(len(counts))
    report = []
    live = np.zeros(len(counts), dtype=bool)
    for gid in range(len(labels)):
        if (counts[groups == gid] > 0).any():
            live |= groups == gid
    pooled = significant_share(counts[live], train_share) if train_share is not None and live.any() else 1.0
    for gid, views in enumerate(labels):
        members = groups == gid
        c = counts[members]
        warm, cold = int((c > 0).sum()), int((c == 0).sum())
        if warm == 0 or cold == 0:
            share = 0.0
        elif fixed is not None:
            share = float(fixed)
        elif train_share is None:
            share = 1.0
        elif members.sum() < MIN_GROUP:
            share = pooled
        else:
            share = significant_share(c, train_share)
        shares[members & (counts == 0)] = share
        report.append(GroupShare(views, int(members.sum()), warm, cold, int((c == 1).sum()), share))
    return shares, report


def estimated_new_items(shares: np.ndarray, counts: np.ndarray) -> float:
    """Expected number of new items among the cold ones."""
    return float(shares[counts == 0].sum())


def cold_scale_base(b: np.ndarray, prior: sp.csr_matrix | np.ndarray, warm: np.ndarray) -> float:
    """The median ratio of warm items' column L1 norms in ``b`` to their prior columns' norms
    (0 when no warm item has a prior column)."""
    prior_norm = np.asarray(abs(prior).sum(axis=0)).ravel()
    usable = warm & (prior_norm > 0)
    if not usable.any():
        return 0.0
    return float(np.median(np.abs(b[:, usable]).sum(axis=0) / prior_norm[usable]))


def calibrated_cold_columns(
    b: np.ndarray, prior: sp.csr_matrix | np.ndarray, *, cold: np.ndarray, factor: float = 1.0,
    new_share: float | np.ndarray = 1.0, base: float | None = None,
) -> np.ndarray:
    """``b`` with the columns of ``cold`` items replaced by ``(1 - s) own + s * scale * prior``.

    ``scale`` is ``factor`` times :func:`cold_scale_base` (the content-only path calibrated to
    reproduce warm items' column sizes); ``s`` is the item's new-item share (a number, or ``[I]``).
    Padding and items without a prior column keep theirs; the diagonal stays 0.

    Args:
        b: ``[I, I]`` EASE solution; prior: ``[I, I]`` content prior; cold: ``[I]`` bool;
        factor: ``cold_scale``; new_share: see above (0 returns ``b`` unchanged);
        base: a precomputed :func:`cold_scale_base`.

    Returns:
        ``[I, I]``, ``b`` itself when nothing changes.
    """
    share = np.broadcast_to(np.asarray(new_share, dtype=np.float64), (b.shape[1],))
    prior_norm = np.asarray(abs(prior).sum(axis=0)).ravel()
    has_prior = prior_norm > 0
    targets = np.flatnonzero(cold & has_prior & (share > 0))
    if targets.size == 0 or factor <= 0.0:
        return b
    if base is None:
        base = cold_scale_base(b, prior, ~cold)
    if base <= 0.0:
        return b
    s = share[targets]
    out = b.copy()
    out[:, targets] = (1.0 - s) * b[:, targets] + s * (factor * base) * prior_columns(prior, targets)
    np.fill_diagonal(out, 0.0)
    return out


__all__ = [
    "GroupShare",
    "calibrated_cold_columns",
    "cold_scale_base",
    "content_groups",
    "estimated_new_items",
    "new_item_shares",
    "significant_share",
]
