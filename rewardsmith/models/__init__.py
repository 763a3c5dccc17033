"""Model loading and generation shared by the trainer, the benchmark command and the PRM.

    from rewardsmith.models import DEFAULT_MODEL, load_model_and_tokenizer, HFGenerator

    model, tokenizer = load_model_and_tokenizer(DEFAULT_MODEL)
    generator = HFGenerator(model, tokenizer)
    outs = generator.generate(["What is 2+3?"], GenerationConfig(num_generations=4))

Importing this package is light: torch and transformers load when a model does.
"""
from __future__ import annotations

import importlib
from typing import Any

__all__ = ["DEFAULT_MODEL", "default_gguf_path", "resolve_model", "load_model_and_tokenizer",
           "Generator", "HFGenerator", "Generation", "GenerationConfig"]

_WHERE = {"DEFAULT_MODEL": "loading", "default_gguf_path": "loading", "resolve_model": "loading",
          "load_model_and_tokenizer": "loading", "Generator": "generation",
          "HFGenerator": "generation", "Generation": "generation", "GenerationConfig": "generation"}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"rewardsmith.models.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'rewardsmith.models' has no attribute {name!r}")
