"""Text features through the store: ``.item``/``.user`` rows -> template -> frozen encoder.

The key hashes the atomic file's bytes, the template, the RecBole parsing settings and the
encoder's identity (weights fingerprint, pooling, normalisation, precision), all without
loading the dataset or the model, so a cached run does no encoding work.
"""
from __future__ import annotations

import logging
import time
from typing import Any

from recbole_kgllm.registry import resolve
from recbole_kgllm.store import EntryContent, EntrySpec, FeatureStore, StoreResult
from recbole_kgllm.store.hashing import file_sha256, library_versions
from recbole_kgllm.recbole_integration.feature_file import RECBOLE_TEXT_KEYS, Kind, atomic_file, id_field, read_feature_file
from recbole_kgllm.features.text.chunked import discard_chunks, encode_in_chunks
from recbole_kgllm.features.text.encoder import TextEncoder
from recbole_kgllm.features.text.settings import TextFeatureSettings
from recbole_kgllm.features.text.auto_template import AutoTemplate, header_fields, resolve_template
from recbole_kgllm.features.text.template import TextTemplate

logger = logging.getLogger(__name__)
#: An identifier in store keys (the module moved; the name is kept so cached entries stay valid).
PRODUCER = "recbole_kgllm.text.pipeline/1"


def make_encoder(settings: TextFeatureSettings) -> TextEncoder:
    """The registered encoder ``settings.encoder_type``, built from the settings (model not loaded yet)."""
    encoder_class = resolve("text_encoder", settings.encoder_type)
    return encoder_class(
        model=settings.encoder,
        device=settings.device,
        pooling=settings.pooling,
        normalize=settings.normalize,
        max_length=settings.max_length,
        batch_size=settings.batch_size,
        **settings.encoder_kwargs,
    )


Template = TextTemplate | AutoTemplate


def text_spec(config: Any, kind: Kind, template: Template, encoder: TextEncoder) -> EntrySpec:
    """The key inputs of ``config``'s ``{kind}_text`` entry."""
    path = atomic_file(config, kind)
    return EntrySpec(
        kind=f"{kind}_text",
        producer=PRODUCER,
        settings={
            "dataset": config["dataset"],
            "id_field": id_field(config, kind),
            "template": template.template,
            "encoder": encoder.identity(),
            **{key: config[key] for key in RECBOLE_TEXT_KEYS},
        },
        inputs={path.name: file_sha256(path) if path.is_file() else None},
        versions=library_versions(["torch", "transformers", "tokenizers", "recbole", "recbole-kgllm"]),
    )


def build_texts(config: Any, kind: Kind, template: Template) -> tuple[list[str], list[str], dict[str, Any]]:
    """(tokens with text, their texts, facts) for every row of the ``.item``/``.user`` file."""
    frame = read_feature_file(config, kind)
    name = atomic_file(config, kind).name
    if frame is None:
        logger.warning("%s not found: no %s has text", name, kind)
        return [], [], {"n_rows": 0, "missing_fields": list(template.fields), "note": f"{name} not found"}
    field = id_field(config, kind)
    missing = [f for f in template.fields if f not in frame.columns]
    if missing:
        logger.warning("text template fields %s are not in %s (fields: %s); they render empty",
                       ", ".join(missing), name, ", ".join(map(str, frame.columns)))
    if field not in frame.columns:
        logger.warning("%s has no %s column: no %s has text", name, field, kind)
        return [], [], {"n_rows": len(frame), "missing_fields": missing, "note": f"no {field} column"}
    tokens, texts, seen = [], [], set()
    for row in frame.to_dict("records"):
        token = str(row[field])
        if token in seen or token == "[PAD]":
            continue
        seen.add(token)
        text = template.render(row)
        if text is not None:
            tokens.append(token)
            texts.append(text)
    if seen and not texts:
        logger.warning(
            "NO %s HAS TEXT (0%% coverage): the template %r renders nothing from %s; its fields are: %s. "
            "Set %s to a template over them, or to auto",
            kind.upper(), template.template, name, ", ".join(map(str, frame.columns)),
            "text_template" if kind == "item" else "user_text_template",
        )
    return tokens, texts, {"n_rows": len(seen), "missing_fields": missing}


def resolved_template(config: Any, kind: Kind, raw: str) -> Template | None:
    """``raw`` parsed, or for ``auto`` the template of the file's text fields (``None``: none)."""
    sep = config["field_separator"] if "field_separator" in config else None
    encoding = config["encoding"] if "encoding" in config else None
    return resolve_template(raw, atomic_file(config, kind), id_field(config, kind), sep or "\t", encoding or "utf-8")


def text_result(config: Any, kind: Kind = "item", settings: TextFeatureSettings | None = None) -> StoreResult | None:
    """The ``{kind}_text`` entry (table ``kind``), encoded when absent or damaged; ``None`` for
    users without a ``user_text_template``."""
    settings = settings or TextFeatureSettings.from_config(config)
    raw_template = settings.template if kind == "item" else settings.user_template
    if raw_template is None:
        return None
    path = atomic_file(config, kind)
    template = resolved_template(config, kind, raw_template)
    if template is None:
        fields = ", ".join(f"{n}:{t}" for n, t in header_fields(path)) or "no file"
        logger.warning("NO %s HAS TEXT: %s has no text-like field (%s); set %s to a template", kind.upper(), path.name,
                       fields, "text_template" if kind == "item" else "user_text_template")
        return None
    encoder = make_encoder(settings)
    spec = text_spec(config, kind, template, encoder)
    store = FeatureStore(root=settings.store_dir)
    partial_dir = store.root / ".partial" / spec.kind / spec.key  # resumable chunks of a large catalogue

    def compute() -> EntryContent:
        tokens, texts, facts = build_texts(config, kind, template)
        start = time.perf_counter()
        values = encode_in_chunks(encoder, texts, partial_dir)
        seconds = time.perf_counter() - start
        n_rows = facts["n_rows"]
        return EntryContent(
            tensors={kind: values},
            tokens={kind: tokens},
            info={
                **facts,
                f"n_{kind}s_with_text": len(tokens),
                "coverage": len(tokens) / n_rows if n_rows else 0.0,
                "coverage_of": f"{kind}s listed in {atomic_file(config, kind).name}",
                "examples": dict(zip(tokens[:3], texts[:3])),
                "encoder_class": type(encoder).__name__,
                "encoding_seconds": round(seconds, 3),
                "texts_per_second": round(len(texts) / seconds, 1) if seconds > 0 else None,
            },
        )

    result = store.get_or_compute(spec, compute)
    discard_chunks(partial_dir)
    info = result.entry.manifest.info
    example = next(iter(dict(info.get("examples") or {}).values()), None)
    logger.info("%s text template: %s; %.0f%% of %ss have text; example: %r", kind, template.template,
                100 * float(info.get("coverage") or 0.0), kind, example)
    return result


__all__ = ["PRODUCER", "build_texts", "make_encoder", "resolved_template", "text_result", "text_spec"]
