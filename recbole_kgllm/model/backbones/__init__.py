"""Backbones of KGLLMRec (registered through the ``kgllm_register_backbones`` hook, selected by
the ``backbone`` config key)."""
