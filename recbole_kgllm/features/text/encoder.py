"""The text-encoder contract. Encoders are selected by ``text_encoder_type`` from the
``text_encoder`` registry (``kgllm_register_text_encoders``).

An encoder is frozen by construction: it is not an ``nn.Module`` (a recommender cannot register
it as a trainable submodule), it encodes under ``torch.inference_mode`` and returns detached
CPU tensors.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar, Literal

import torch

Pooling = Literal["mean", "cls"]


class TextEncoder(ABC):
    """Texts -> fixed-size vectors.

    Args:
        model: model folder or name (``None``: the encoder's default).
        device: torch device name (e.g. RecBole's ``config["device"]``).
        pooling: ``mean`` over non-padding tokens, or ``cls`` (first token).
        normalize: L2-normalise the vectors.
        max_length: token limit per text.
        batch_size: texts per forward pass.
        **kwargs: encoder-specific options (``text_encoder_kwargs``).
    """

    #: Config name (``text_encoder_type``).
    name: ClassVar[str]

    def __init__(
        self,
        *,
        model: str | None = None,
        device: str | torch.device = "cpu",
        pooling: Pooling = "mean",
        normalize: bool = True,
        max_length: int = 128,
        batch_size: int = 64,
        **kwargs: Any,
    ) -> None:
        self.model_name = model
        self.device = torch.device(device)
        self.pooling: Pooling = pooling
        self.normalize = normalize
        self.max_length = max_length
        self.batch_size = batch_size
        self.kwargs = dict(kwargs)

    @abstractmethod
    def identity(self) -> dict[str, Any]:
        """What makes this encoder's output what it is (weights fingerprint, options, precision),
        computed cheaply without loading the model; hashed into the feature-store key."""

    @property
    @abstractmethod
    def dim(self) -> int:
        """Output dimension ``d``."""

    @abstractmethod
    def encode(self, texts: Sequence[str], *, progress: bool = True) -> torch.Tensor:
        """Encode ``texts``.

        Returns:
            FloatTensor [len(texts), d] (float32, CPU), rows in the order of ``texts``.
        """


__all__ = ["Pooling", "TextEncoder"]
