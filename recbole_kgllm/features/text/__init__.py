"""Item/user fields -> text (template) -> frozen encoder -> pooled embeddings in the store.

Import submodules directly (``recbole_kgllm.features.text.pipeline``); importing this package loads nothing heavy.
"""
