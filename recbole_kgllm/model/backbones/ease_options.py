"""The EASE backbone's options (``backbone_kwargs``), read once and checked.

A weight left unset (``None``, the default) is chosen per dataset by the inner-validation search
(:mod:`ease_search`); a number fixes it and it is not searched. ``search: False`` turns the
search off: unset weights then take :data:`UNSEARCHED` (plain EASE with RecBole's lambda, no
prior, cold scale 1).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from recbole_kgllm.errors import ConfigError
from recbole_kgllm.model.backbones.ease_sparse import SolverOptions

#: The knowledge weights, in search order: the item priors (frozen text, the KG's entity
#: incidence, the PyKEEN KG embedding, the learned content path), then the users' text as extra
#: input columns (``use_user_text``, :mod:`ease_users`).
PRIOR_VIEWS = ("text", "entities", "kg", "content", "user_text")
#: ``search_folds: auto`` scores each candidate on enough inner splits for this many inner
#: validation interactions (ml-100k: 3 folds; ml-1m and larger: 1).
INNER_EVIDENCE = 20000
#: Values of unset weights when the search is off (and lambda's starting point when it is on).
UNSEARCHED = {"reg_weight": 250.0, "user_weight": 0.0, "diag_weight": 0.0, "prior": 0.0, "cold_scale": 1.0}


def _number(name: str, value: Any, *, low: float = 0.0, allow_none: bool = True) -> float | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not float(value) >= low:
        raise ConfigError(f"backbone_kwargs {name} must be a number >= {low:g}{' or None (searched)' if allow_none else ''}, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class EaseOptions:
    """Parsed ``backbone_kwargs`` of the ``ease`` backbone (see ``docs/models.md``).

    Attributes:
        reg_weight, user_weight, diag_weight, cold_scale: fixed values, or ``None`` (searched).
        prior_weights: view -> fixed weight (relative to lambda); a view absent here is searched.
        prior_topk, prior_center, kg_hops: how the priors are built (:mod:`ease_priors`).
        cold_new_share: ``"auto"`` (estimated per content group) or a fixed share in ``[0, 1]``.
        cold_reach: the cold/warm Recall@20 ratio the cold-start scale must reach on the inner
            held-out items (0: the scale with the best inner NDCG@10).
        cold_max_loss: the largest share of inner NDCG@10 (against no calibration) the cold-start
            scale may cost: on all inner targets, and on the warm targets if the real cold items
            are never interacted with (:func:`~ease_search.reach_rule`).
        search, search_share, search_users, search_seed: the inner validation (:mod:`ease_inner`).
        search_folds: inner splits scored per candidate (``"auto"``: as many as it takes for
            :data:`INNER_EVIDENCE` inner validation interactions, at most 5).
        search_z: a candidate must beat the incumbent by this many standard errors of the
            per-user paired gain (0: any gain).
        content_epochs, content_lr: training of the learned content path.
        solver: the solver settings (``solver``, ``sparse_min_items``, ``sparse_neighbours``,
            ``sparse_gram_topk``; :mod:`ease_sparse`).
    """

    reg_weight: float | None = None
    user_weight: float | None = None
    diag_weight: float | None = None
    prior_weights: Mapping[str, float] = field(default_factory=dict)
    prior_topk: int = 50
    prior_center: bool = True
    kg_hops: int = 1
    cold_scale: float | None = None
    cold_new_share: float | str = "auto"
    cold_reach: float = 0.5
    cold_max_loss: float = 0.03
    search: bool = True
    search_share: float = 0.1
    search_users: int = 2000
    search_seed: int | None = None
    search_folds: int | str = "auto"
    search_z: float = 1.0
    content_epochs: int = 60
    content_lr: float = 0.02
    solver: SolverOptions = field(default_factory=SolverOptions)

    @classmethod
    def from_kwargs(cls, kwargs: Mapping[str, Any]) -> EaseOptions:
        """Read and check ``backbone_kwargs`` (unknown keys and bad values: :class:`ConfigError`)."""
        options = dict(kwargs)
        solver = SolverOptions.pop_from(options)
        known = set(cls.__dataclass_fields__) - {"solver"}
        unknown = sorted(set(options) - known)
        if unknown:
            raise ConfigError(f"backbone 'ease' got unknown backbone_kwargs: {unknown} (known: {', '.join(sorted(known | set(SolverOptions.__dataclass_fields__)))})")
        values: dict[str, Any] = {}
        for name in ("reg_weight", "user_weight", "diag_weight", "cold_scale"):
            values[name] = _number(name, options.get(name))
        if values["reg_weight"] is not None and values["reg_weight"] <= 0:
            raise ConfigError(f"backbone_kwargs reg_weight must be positive, got {values['reg_weight']}")
        priors = options.get("prior_weights") or {}
        if not isinstance(priors, Mapping):
            raise ConfigError(f"backbone_kwargs prior_weights must be a dict view -> weight, got {priors!r}")
        bad = sorted(set(priors) - set(PRIOR_VIEWS))
        if bad:
            raise ConfigError(f"backbone_kwargs prior_weights has unknown views {bad} (views: {', '.join(PRIOR_VIEWS)})")
        values["prior_weights"] = {k: float(_number(f"prior_weights.{k}", v, allow_none=False)) for k, v in priors.items()}  # type: ignore[arg-type]
        share = options.get("cold_new_share", "auto")
        if share != "auto":
            share = _number("cold_new_share", share, allow_none=False)
            if share > 1.0:  # type: ignore[operator]
                raise ConfigError(f"backbone_kwargs cold_new_share must be 'auto' or a number in [0, 1], got {share}")
        values["cold_new_share"] = share
        for name, kind in (("prior_topk", int), ("kg_hops", int), ("search_users", int), ("content_epochs", int)):
            if name in options:
                value = options[name]
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise ConfigError(f"backbone_kwargs {name} must be a non-negative integer, got {value!r}")
                values[name] = kind(value)
        for name in ("prior_center", "search"):
            if name in options:
                values[name] = bool(options[name])
        if "search_share" in options:
            value = _number("search_share", options["search_share"], allow_none=False)
            if not 0.0 < value < 1.0:  # type: ignore[operator]
                raise ConfigError(f"backbone_kwargs search_share must be in (0, 1), got {value}")
            values["search_share"] = value
        for name in ("cold_reach", "cold_max_loss", "search_z", "content_lr"):
            if name in options:
                values[name] = _number(name, options[name], allow_none=False)
        if "search_folds" in options and options["search_folds"] != "auto":
            folds = options["search_folds"]
            if isinstance(folds, bool) or not isinstance(folds, int) or folds < 1:
                raise ConfigError(f"backbone_kwargs search_folds must be 'auto' or a positive integer, got {folds!r}")
            values["search_folds"] = folds
        if options.get("search_seed") is not None:
            values["search_seed"] = int(options["search_seed"])
        return cls(**values, solver=solver)

    def prior_fixed(self, view: str) -> bool:
        """Whether ``view``'s weight is fixed (else the search chooses it)."""
        return view in self.prior_weights or not self.search

    def prior_maybe_used(self, view: str) -> bool:
        """Whether ``view``'s prior can be non-zero (searched, or fixed to a non-zero weight)."""
        if view in self.prior_weights:
            return self.prior_weights[view] != 0.0
        return self.search

    def free(self, name: str) -> bool:
        """Whether the scalar weight ``name`` is searched."""
        return self.search and getattr(self, name) is None

    def value(self, name: str) -> float:
        """A scalar weight's fixed value, else its unsearched default."""
        fixed = getattr(self, name)
        return float(UNSEARCHED[name] if fixed is None else fixed)


__all__ = ["EaseOptions", "INNER_EVIDENCE", "PRIOR_VIEWS", "UNSEARCHED"]
