"""The text-encoder contract, reusable by plugin authors::

    from recbole_kgllm.testing.text_encoder_contract import check_text_encoder_contract

    def test_contract():
        check_text_encoder_contract(MyEncoder, model="path/to/model")

It asserts what the text pipeline relies on: the encoder is frozen by construction (not an
``nn.Module``); its identity is a JSON-able mapping computed without encoding, and changes with
options that change the output; ``encode`` returns a float32 CPU tensor ``[n, dim]`` in input
order, batch-size independent, deterministic, unit-norm when ``normalize`` is on, with
different vectors for different texts; an empty list encodes to ``[0, dim]``.
"""
from __future__ import annotations

import json
from typing import Any

import torch
from torch import nn

from recbole_kgllm.features.text.encoder import TextEncoder

TEXTS = ["Toy Story (1995). Genres: Animation, Comedy", "Heat (1995). Genres: Action, Crime", "", "a" * 50]


def check_text_encoder_contract(encoder_cls: type[TextEncoder], **kwargs: Any) -> None:
    """Assert the contract of the module docstring (``kwargs`` go to the constructor)."""
    label = encoder_cls.__name__
    assert issubclass(encoder_cls, TextEncoder) and not issubclass(encoder_cls, nn.Module), (
        f"{label} must subclass TextEncoder and must not be an nn.Module (encoders are frozen)"
    )
    assert isinstance(getattr(encoder_cls, "name", None), str) and encoder_cls.name, f"{label} needs a name"
    encoder = encoder_cls(batch_size=3, **kwargs)
    identity = encoder.identity()
    json.dumps(identity, sort_keys=True)  # hashed into store keys: must be JSON-able
    assert identity == encoder_cls(batch_size=3, **kwargs).identity(), f"{label}.identity is not stable"
    assert identity != encoder_cls(batch_size=3, normalize=False, **kwargs).identity(), (
        f"{label}.identity ignores normalize"
    )

    vectors = encoder.encode(TEXTS, progress=False)
    assert vectors.dtype == torch.float32 and vectors.device.type == "cpu", f"{label}.encode: {vectors.dtype} on {vectors.device}"
    assert vectors.shape == (len(TEXTS), encoder.dim), f"{label}.encode gives {tuple(vectors.shape)}"
    assert bool(torch.isfinite(vectors).all()), f"{label}.encode is not finite"
    assert torch.allclose(vectors.norm(dim=1), torch.ones(len(TEXTS)), atol=1e-4), f"{label}: vectors not unit-norm"
    assert not torch.allclose(vectors[0], vectors[1]), f"{label} encodes different texts alike"
    one_by_one = encoder_cls(batch_size=1, **kwargs).encode(TEXTS, progress=False)
    assert torch.allclose(one_by_one, vectors, atol=1e-5), f"{label}: output depends on the batch size"
    reversed_rows = encoder.encode(TEXTS[::-1], progress=False)
    assert torch.allclose(reversed_rows.flip(0), vectors, atol=1e-5), f"{label}: rows not in input order"
    assert encoder.encode([], progress=False).shape == (0, encoder.dim), f"{label}: empty input"


__all__ = ["check_text_encoder_contract", "TEXTS"]
