"""Generation backends: the :class:`Generator` interface and :class:`HFGenerator`.

A generator turns prompts (strings or chat messages) into ``G`` sampled completions each and
returns, per completion, the text, the prompt and completion token ids (what a trainer needs to
score log-probabilities), and whether it hit ``max_new_tokens`` before an end-of-sequence token.

:class:`HFGenerator` runs a transformers model in this process. Its default ``method="loop"`` is
our own decode loop over the model's forward and its KV cache: each distinct prompt is prefilled
once and its cache repeated ``G`` times, finished rows leave the batch (the work shrinks as
completions end), and sampling draws from the generator's own seeded ``torch.Generator`` so runs
are reproducible and resumable. ``method="generate"`` calls ``model.generate`` instead, for
architectures whose cache the loop does not handle.
"""
from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import Any, Sequence

__all__ = ["Generator", "HFGenerator", "Generation", "GenerationConfig", "Prompt", "cache_kwargs"]

#: a prompt: plain text, or chat messages ``[{"role": ..., "content": ...}, ...]``
Prompt = Any


@dataclass(frozen=True)
class GenerationConfig:
    """How to sample. Every backend reads the same fields."""

    max_new_tokens: int = field(default=256, metadata={"help": "most tokens generated per completion"})
    num_generations: int = field(default=1, metadata={"help": "completions per prompt (G)"})
    temperature: float = field(default=1.0, metadata={"help": "sampling temperature; 0 = greedy"})
    top_p: float = field(default=1.0, metadata={"help": "nucleus sampling mass (1 = off)"})
    top_k: int = field(default=0, metadata={"help": "sample from the k most likely tokens (0 = off)"})

    def __post_init__(self) -> None:
        if self.max_new_tokens < 1:
            raise ValueError("max_new_tokens must be >= 1")
        if self.num_generations < 1:
            raise ValueError("num_generations must be >= 1")
        if self.temperature < 0 or not 0 < self.top_p <= 1 or self.top_k < 0:
            raise ValueError("need temperature >= 0, 0 < top_p <= 1 and top_k >= 0")


@dataclass
class Generation:
    """One completion.

    Attributes:
        prompt_index: which prompt of the call it answers (completions come prompt-major:
            prompt 0's G completions first).
        text: the decoded completion, special tokens removed.
        completion_ids: generated token ids, including the final EOS token when there is one.
        prompt_ids: the prompt's token ids as the model saw them (chat template applied, no padding).
        truncated: True when generation stopped at ``max_new_tokens`` without an EOS token.
    """

    prompt_index: int
    text: str
    completion_ids: list[int]
    prompt_ids: list[int]
    truncated: bool


class Generator(abc.ABC):
    """Interface of a generation backend (HF in-process today; a vLLM engine could implement it).

    A backend implements :meth:`generate`. A backend that runs its own copy of the weights (a vLLM
    engine or server) also implements :meth:`sync_weights`, which the trainer calls after every
    optimizer step, and :meth:`rng_state`/:meth:`set_rng_state` if its sampling can be resumed.
    """

    @abc.abstractmethod
    def generate(self, prompts: Sequence[Prompt], config: GenerationConfig) -> list[Generation]:
        """Sample ``config.num_generations`` completions for each prompt.

        Args:
            prompts: strings (wrapped as one user message when the model has a chat template) or
                lists of chat messages.
            config: sampling settings.

        Returns:
            ``len(prompts) * G`` generations, prompt-major.
        """

    def sync_weights(self, model: Any) -> None:  # noqa: B027 - optional hook, not abstract
        """Make the backend sample from ``model``'s current weights (no-op when it shares them)."""

    def rng_state(self) -> Any:
        """The sampling RNG state, for checkpoints (None when the backend cannot provide it)."""
        return None

    def set_rng_state(self, state: Any) -> None:  # noqa: B027 - optional hook
        """Restore a state returned by :meth:`rng_state`."""


class HFGenerator(Generator):
    """Batched sampling from a transformers causal LM in this process.

    Args:
        model: a ``*ForCausalLM`` model (the trainer's policy: weights are shared, no sync needed).
        tokenizer: its tokenizer; padding is done on the left here whatever its setting.
        use_chat_template: apply the tokenizer's chat template, wrapping string prompts as one user
            message. Without a template (or when False), message contents are joined by blank lines.
        seed: seed of the sampling RNG.
        max_batch_size: most sequences sampled at once (0 = all prompts of a call together).
        method: ``loop`` (our decode loop, default) or ``generate`` (``model.generate``).
    """

    def __init__(self, model: Any, tokenizer: Any, *, use_chat_template: bool = True, seed: int = 0,
                 max_batch_size: int = 0, method: str = "loop") -> None:
        import torch

        if method not in ("loop", "generate"):
            raise ValueError("method must be 'loop' or 'generate'")
        self.model, self.tokenizer = model, tokenizer
        self.use_chat_template = use_chat_template and bool(getattr(tokenizer, "chat_template", None))
        self.max_batch_size, self.method = max_batch_size, method
        self.rng = torch.Generator(device="cpu").manual_seed(seed)
        self.eos_ids = _eos_ids(model, tokenizer)
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else self.eos_ids[0]

    # --- prompts ---------------------------------------------------------------------------
    def format_prompt(self, prompt: Prompt) -> str:
        """The text the model sees for ``prompt`` (chat template applied when there is one)."""
        if not self.use_chat_template:  # no template: plain text, messages joined
            if isinstance(prompt, str):
                return prompt
            return "\n\n".join(str(m.get("content") or "") for m in prompt)
        messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else list(prompt)
        return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)

    def encode(self, prompts: Sequence[Prompt]) -> Any:
        """Left-padded ``input_ids`` and ``attention_mask`` of the formatted prompts."""
        texts = [self.format_prompt(p) for p in prompts]
        templated = self.use_chat_template
        side = self.tokenizer.padding_side
        self.tokenizer.padding_side = "left"
        try:
            return self.tokenizer(texts, return_tensors="pt", padding=True,
                                  add_special_tokens=not templated)
        finally:
            self.tokenizer.padding_side = side

    # --- sampling --------------------------------------------------------------------------
    def generate(self, prompts: Sequence[Prompt], config: GenerationConfig) -> list[Generation]:
        import torch

        g = config.num_generations
        per_call = len(prompts) if self.max_batch_size <= 0 else max(1, self.max_batch_size // g)
        out: list[Generation] = []
        was_training = self.model.training
        self.model.eval()
        try:
            with torch.inference_mode():
                for start in range(0, len(prompts), per_call):
                    chunk = prompts[start:start + per_call]
                    enc = self.encode(chunk).to(self.model.device)
                    run = self._loop if self.method == "loop" else self._hf_generate
                    tokens, lengths = run(enc.input_ids, enc.attention_mask, config)
                    out.extend(self._collect(enc, tokens, lengths, g, start))
        finally:
            self.model.train(was_training)
        return out

    def _loop(self, ids: Any, mask: Any, cfg: GenerationConfig) -> tuple[Any, Any]:
        """Decode with a shrinking batch. Returns tokens (N, T) and lengths (N,), N = B * G."""
        import torch
        from transformers import DynamicCache

        g, dev = cfg.num_generations, ids.device
        pos = (mask.long().cumsum(-1) - 1).clamp(min=0)                      # (B, P)
        cache = DynamicCache(config=self.model.config)
        logits = self.model(input_ids=ids, attention_mask=mask, position_ids=pos, use_cache=True,
                            **cache_kwargs(self.model, cache), logits_to_keep=1).logits[:, -1]  # (B, V)
        if g > 1:  # one prefill per distinct prompt, then G copies of its cache
            cache.batch_repeat_interleave(g)
            logits, mask, pos = (x.repeat_interleave(g, dim=0) for x in (logits, mask, pos))
        n = logits.shape[0]
        tokens = torch.full((n, cfg.max_new_tokens), self.pad_id, dtype=torch.long)  # (N, T)
        lengths = torch.zeros(n, dtype=torch.long)                                  # (N,)
        active = torch.arange(n)                                                   # rows still going
        next_pos = pos[:, -1] + 1                                                  # (n,)
        eos = torch.tensor(self.eos_ids, device=dev)
        for t in range(cfg.max_new_tokens):
            tok = _sample(logits.float(), cfg, self.rng).to(dev)                     # (n,)
            tokens[active, t] = tok.cpu()
            lengths[active] = t + 1
            done = torch.isin(tok, eos)                                            # (n,)
            if t == cfg.max_new_tokens - 1 or bool(done.all()):
                break
            if bool(done.any()):
                keep = (~done).nonzero().squeeze(1)                                # (n',)
                cache.batch_select_indices(keep)
                active, tok, mask, next_pos = active[keep.cpu()], tok[keep], mask[keep], next_pos[keep]
            mask = torch.cat([mask, mask.new_ones(mask.shape[0], 1)], dim=1)      # (n, P+t+1)
            logits = self.model(input_ids=tok[:, None], attention_mask=mask, use_cache=True,
                                position_ids=next_pos[:, None],
                                **cache_kwargs(self.model, cache)).logits[:, -1]
            next_pos = next_pos + 1
        return tokens, lengths

    def _hf_generate(self, ids: Any, mask: Any, cfg: GenerationConfig) -> tuple[Any, Any]:
        """``model.generate``, seeded from our RNG. Returns tokens (N, T) and lengths (N,)."""
        import torch
        from transformers import GenerationConfig as HFConfig

        sample = cfg.temperature > 0
        hf_cfg = HFConfig(max_new_tokens=cfg.max_new_tokens, do_sample=sample,
                          temperature=cfg.temperature if sample else None,
                          top_p=cfg.top_p if sample else None, top_k=cfg.top_k if sample else None,
                          eos_token_id=self.eos_ids, pad_token_id=self.pad_id)
        g = cfg.num_generations
        ids, mask = ids.repeat_interleave(g, dim=0), mask.repeat_interleave(g, dim=0)  # (B*G, P)
        seed = int(torch.randint(0, 2**62, (1,), generator=self.rng))
        devices = [ids.device] if ids.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            seqs = self.model.generate(input_ids=ids, attention_mask=mask, generation_config=hf_cfg)
        tokens = seqs[:, ids.shape[1]:].cpu()                                     # (N, T')
        is_eos = torch.isin(tokens, torch.tensor(self.eos_ids))                   # (N, T')
        first = torch.where(is_eos.any(1), is_eos.float().argmax(1) + 1, tokens.shape[1])
        return tokens, first

    def _collect(self, enc: Any, tokens: Any, lengths: Any, g: int, offset: int) -> list[Generation]:
        eos = set(self.eos_ids)
        ids, mask = enc.input_ids.cpu(), enc.attention_mask.cpu()
        out = []
        for row in range(tokens.shape[0]):
            p = row // g
            comp = tokens[row, :int(lengths[row])].tolist()
            prompt_ids = ids[p][mask[p].bool()].tolist()
            ended = bool(comp) and comp[-1] in eos
            text = self.tokenizer.decode(comp, skip_special_tokens=True)
            out.append(Generation(offset + p, text, comp, prompt_ids, truncated=not ended))
        return out

    # --- checkpoints -----------------------------------------------------------------------
    def rng_state(self) -> Any:
        return self.rng.get_state()

    def set_rng_state(self, state: Any) -> None:
        self.rng.set_state(state)


def cache_kwargs(model: Any, cache: Any) -> dict[str, Any]:
    """The keyword that hands ``cache`` to ``model``'s forward: ``cache`` where transformers names
    it so (``past_key_values`` is deprecated there, removal announced for 5.40), else the old name.

    Looked up once per class on the base model's signature (under a PEFT or DDP wrapper too).
    """
    base = getattr(model, "module", model)      # DDP
    if hasattr(base, "get_base_model"):           # PEFT
        base = base.get_base_model()
    cls = type(base)
    name = _CACHE_ARG.get(cls)
    if name is None:
        import inspect

        params = inspect.signature(base.forward).parameters
        name = "cache" if "cache" in params else "past_key_values"
        _CACHE_ARG[cls] = name
    return {name: cache}


_CACHE_ARG: dict[type, str] = {}


def _sample(logits: Any, cfg: GenerationConfig, rng: Any) -> Any:
    """One token per row from ``logits`` (n, V) with temperature, top-k and top-p."""
    import torch

    if cfg.temperature == 0:
        return logits.argmax(-1)                                                  # (n,)
    logits = logits / cfg.temperature                                             # (n, V)
    if cfg.top_k > 0:
        kth = torch.topk(logits, min(cfg.top_k, logits.shape[-1]), dim=-1).values[:, -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if cfg.top_p < 1.0:
        sorted_logits, order = torch.sort(logits, descending=True, dim=-1)       # (n, V)
        cum = sorted_logits.softmax(-1).cumsum(-1)                                # (n, V)
        drop = cum - sorted_logits.softmax(-1) >= cfg.top_p                       # keep the first token
        sorted_logits = sorted_logits.masked_fill(drop, float("-inf"))
        logits = torch.full_like(logits, float("-inf")).scatter(-1, order, sorted_logits)
    probs = logits.softmax(-1).cpu()                                              # (n, V)
    return torch.multinomial(probs, 1, generator=rng).squeeze(1)                  # (n,)


def _eos_ids(model: Any, tokenizer: Any) -> list[int]:
    ids: list[int] = []
    gen_cfg = getattr(model, "generation_config", None)
    for src in (getattr(gen_cfg, "eos_token_id", None), tokenizer.eos_token_id):
        for i in (src if isinstance(src, (list, tuple)) else [src]):
            if i is not None and int(i) not in ids:
                ids.append(int(i))
    if not ids:
        raise ValueError("the tokenizer has no EOS token; generation could not stop")
    return ids
