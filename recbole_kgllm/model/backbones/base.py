"""Backbone contract: how layer-0 user and item representations become final ones."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from torch import Tensor, nn


class Backbone(nn.Module, ABC):
    """A collaborative backbone over RecBole's training interactions.

    Args:
        dataset: RecBole training dataset (``inter_matrix`` gives the user-item graph).
        dim: model dimension ``d``.
    """

    name: ClassVar[str]
    #: True for closed-form backbones (no gradient training, see :class:`EaseBackbone`).
    closed_form: ClassVar[bool] = False

    @classmethod
    def used_views(cls, backbone_kwargs: dict[str, Any]) -> set[str] | None:
        """The feature views this backbone reads with these options (``None``: every view)."""
        return None

    def __init__(self, *, dataset: Any, dim: int, **kwargs: Any) -> None:
        super().__init__()
        if kwargs:
            raise TypeError(f"backbone '{self.name}' got unknown backbone_kwargs: {sorted(kwargs)}")

    @abstractmethod
    def propagate(self, users: Tensor, items: Tensor) -> tuple[Tensor, Tensor]:
        """Final representations from layer-0 ones.

        Args:
            users: ``[n_users, d]``; items: ``[n_items, d]``.

        Returns:
            ``(users [n_users, d], items [n_items, d])``.
        """
