"""Encoding a large catalogue's texts in resumable chunks.

A million titles take half an hour or more on a CPU. :func:`encode_in_chunks` encodes
``chunk_size`` texts at a time (each with the encoder's own batches and progress bar) and writes
each finished chunk to ``<partial_dir>/chunk-<n>.safetensors`` (atomic rename), so a run that is
stopped resumes at the first missing chunk instead of starting again. The chunks are deleted by
the caller once the complete entry is in the feature store. Peak memory is the output table plus
one chunk's tokens (the texts are never all tokenised at once).
"""
from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from tqdm.auto import tqdm

from recbole_kgllm.features.text.encoder import TextEncoder

logger = logging.getLogger(__name__)

#: Texts per resumable chunk (a few minutes of CPU encoding).
DEFAULT_CHUNK_SIZE = 50_000


def encode_in_chunks(
    encoder: TextEncoder, texts: Sequence[str], partial_dir: Path, *, chunk_size: int = DEFAULT_CHUNK_SIZE
) -> torch.Tensor:
    """``encoder.encode(texts)`` chunk by chunk, resuming from the chunks already in ``partial_dir``.

    Returns:
        FloatTensor ``[len(texts), d]`` in input order.
    """
    if len(texts) <= chunk_size:
        return encoder.encode(texts)
    partial_dir.mkdir(parents=True, exist_ok=True)
    n_chunks = (len(texts) + chunk_size - 1) // chunk_size
    parts: list[torch.Tensor] = []
    done = 0
    with tqdm(total=n_chunks, unit="chunk", desc=f"text chunks of {chunk_size}") as bar:
        for index in range(n_chunks):
            path = partial_dir / f"chunk-{index:05d}.safetensors"
            rows = texts[index * chunk_size : (index + 1) * chunk_size]
            if path.is_file():
                values = load_file(str(path))["values"]
                if values.shape[0] == len(rows):
                    parts.append(values)
                    done += 1
                    bar.update(1)
                    continue
            values = encoder.encode(rows, progress=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            save_file({"values": values.contiguous()}, str(tmp))
            os.replace(tmp, path)
            parts.append(values)
            bar.update(1)
    if done:
        logger.info("text encoding resumed: %d of %d chunks were already encoded in %s", done, n_chunks, partial_dir)
    return torch.cat(parts, dim=0)


def discard_chunks(partial_dir: Path) -> None:
    """Remove the chunks of an entry that is now complete in the store."""
    shutil.rmtree(partial_dir, ignore_errors=True)


__all__ = ["DEFAULT_CHUNK_SIZE", "discard_chunks", "encode_in_chunks"]
