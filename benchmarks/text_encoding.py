"""Text-encoding throughput: the feature pipeline's encoder against a bare transformers loop.

Both encode the same texts (the dataset's item texts, built by the pipeline's template) with the
same model, device, precision, batch size and token limit:

* pipeline: ``recbole_kgllm``'s registered encoder (tokenise once, sort by length, dynamic
  padding per batch, ``torch.inference_mode``, half precision on CUDA);
* bare: the textbook loop, ``tokenizer(batch, padding=True)`` then ``AutoModel`` forward and mean
  pooling, batches in file order, under ``torch.inference_mode``.

Runs alternate (bare, pipeline, bare, ...) after one warm-up each so that both see the same
machine load; medians are compared. ratio = bare seconds / pipeline seconds (>= 0.9 is the target:
the pipeline is at least 90% as fast as the bare loop). Also checks both give the same vectors.

    python benchmarks/text_encoding.py --dataset ml-100k --repeats 5
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from typing import Any

import torch
import torch.nn.functional as F


def bare_encode(
    texts: list[str], tokenizer: Any, model: Any, *, batch_size: int, max_length: int, device: torch.device
) -> torch.Tensor:
    """The bare loop: [n, d] mean-pooled, L2-normalised float32 vectors."""
    outputs = []
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(texts[start : start + batch_size], padding=True, truncation=True,
                              max_length=max_length, return_tensors="pt").to(device)
            hidden = model(**batch).last_hidden_state.float()
            mask = batch["attention_mask"].unsqueeze(-1).float()
            outputs.append(F.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1).cpu())
    return torch.cat(outputs)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="ml-100k")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--config_files", nargs="*", default=[])
    args, rest = parser.parse_known_args(argv)

    from transformers import AutoModel, AutoTokenizer

    from recbole_kgllm.recbole_integration.config import build_config, parse_overrides
    from recbole_kgllm.features.text.pipeline import build_texts, make_encoder
    from recbole_kgllm.features.text.settings import TextFeatureSettings
    from recbole_kgllm.features.text.template import TextTemplate

    config = build_config("BPR", args.dataset, args.config_files, parse_overrides(rest))
    settings = TextFeatureSettings.from_config(config)
    if settings.encoder_type != "hf" or settings.pooling != "mean" or not settings.normalize:
        parser.error("the bare loop mirrors text_encoder_type=hf with mean pooling and L2 normalisation")
    _, texts, _ = build_texts(config, "item", TextTemplate(template=settings.template))
    encoder = make_encoder(settings)
    device, dtype = encoder.device, encoder.precision  # type: ignore[attr-defined]
    folder = str(encoder.folder)  # type: ignore[attr-defined]
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    model = AutoModel.from_pretrained(folder, local_files_only=True).eval().to(device=device, dtype=dtype)
    bs, ml = settings.batch_size, settings.max_length

    def run_bare() -> torch.Tensor:
        return bare_encode(texts, tokenizer, model, batch_size=bs, max_length=ml, device=device)

    def run_pipeline() -> torch.Tensor:
        return encoder.encode(texts, progress=False)

    timings: dict[str, list[float]] = {"bare": [], "pipeline": []}
    results = {"bare": run_bare(), "pipeline": run_pipeline()}  # warm-up (model load, allocator)
    for _ in range(args.repeats):
        for name, run in (("bare", run_bare), ("pipeline", run_pipeline)):
            _sync(device)
            start = time.perf_counter()
            results[name] = run()
            _sync(device)
            timings[name].append(time.perf_counter() - start)

    bare, pipe = statistics.median(timings["bare"]), statistics.median(timings["pipeline"])
    diff = (results["bare"] - results["pipeline"]).abs().max().item()
    lengths = encoder.tokenize(texts)  # type: ignore[attr-defined]
    print(f"dataset: {args.dataset} item texts, n={len(texts)}, tokens per text: "
          f"mean {sum(map(len, lengths)) / len(lengths):.1f}, max {max(map(len, lengths))}")
    print(f"example: {texts[0]!r}")
    print(f"model: {encoder.identity()['model']}, device {device}, dtype {str(dtype).removeprefix('torch.')}, "
          f"batch_size {bs}, max_length {ml}")
    load = f"{os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else "n/a"
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}, "
          f"{torch.get_num_threads()} torch threads, load average at end {load}")
    print(f"repeats: {args.repeats} (alternating, after one warm-up each)")
    print(f"{'':10}{'median s':>10}{'min s':>10}{'texts/s':>10}   all runs (s)")
    for name in ("bare", "pipeline"):
        t = timings[name]
        print(f"{name:10}{statistics.median(t):10.3f}{min(t):10.3f}{len(texts) / statistics.median(t):10.1f}   "
              + " ".join(f"{x:.2f}" for x in t))
    print(f"ratio (bare / pipeline seconds, median): {bare / pipe:.2f}  (target >= 0.9)")
    print(f"max |bare - pipeline| over all vector entries: {diff:.2e}")
    return 0 if bare / pipe >= 0.9 else 1


if __name__ == "__main__":
    sys.exit(main())
