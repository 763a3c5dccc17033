"""The ``judge`` reward: a language model grades each completion under a rubric.

Spec examples::

    judge(base_url=http://127.0.0.1:8000/v1,model=Qwen/Qwen2.5-7B-Instruct)        correctness
    judge(base_url=https://api.example.com/v1,model=gpt-x,api_key_env=JUDGE_KEY,rubric=equivalence)
    judge(model=default,rubric=equivalence)            the packaged SmolLM2 in this process, no server
    judge(base_url=...,model=...,rubric=my_rubric.yaml)
    math(fallback=judge(base_url=...,model=...))       the judge only sees what math refused

Value: the rubric's score (P(yes) when the backend returns logprobs, else 1.0/0.0 from the parsed
verdict line). An unreachable server, a malformed reply or an unreadable/ambiguous verdict is no
score (NaN, counted and logged), never 0 or 1. None when the row has no ``answer``.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Sequence

from rewardsmith import hookimpl
from rewardsmith.core.errors import UsageError
from rewardsmith.core.reward import Reward, Score, completion_text, prompt_text

__all__ = ["JudgeOptions", "JudgeReward"]


@dataclass(frozen=True)
class JudgeOptions:
    """Options of the ``judge`` reward."""

    base_url: str = field(default="", metadata={
        "help": "OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1; empty: run `model` locally"})
    model: str = field(default="", metadata={
        "help": "the server's model name; without base_url a local folder, hub id, .gguf or 'default'"})
    rubric: str = field(default="", metadata={
        "help": "equivalence, correctness, pairwise or a rubric .yaml file (default: correctness; "
                "equivalence as a fallback)"})
    api_key_env: str = field(default="", metadata={
        "help": "NAME of the environment variable holding the API key (never the key itself)"})
    max_tokens: int = field(default=16, metadata={"help": "longest judge reply in tokens"})
    temperature: float = field(default=0.0, metadata={"help": "judge sampling temperature"})
    logprobs: bool = field(default=True, metadata={
        "help": "ask for top logprobs and score P(verdict) where the backend returns them"})
    top_logprobs: int = field(default=10, metadata={"help": "candidates per token when logprobs is on"})
    concurrency: int = field(default=8, metadata={"help": "HTTP requests in flight at once"})
    timeout: float = field(default=60.0, metadata={"help": "seconds per HTTP request"})
    retries: int = field(default=3, metadata={"help": "retries on 429, 5xx and transport errors"})
    backoff: float = field(default=0.5, metadata={"help": "seconds before the first retry (doubles)"})
    cache: str = field(default="", metadata={
        "help": "reply cache file (default $REWARDSMITH_CACHE/judge/replies.sqlite); 'off' disables it"})
    max_chars: int = field(default=4000, metadata={
        "help": "longest quoted question/reference/response in characters (head and tail kept)"})
    batch_size: int = field(default=8, metadata={"help": "local model: requests per forward pass"})
    device: str = field(default="auto", metadata={"help": "local model: auto, cpu, cuda, ..."})

    def __post_init__(self) -> None:
        if self.base_url and not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, got {self.base_url!r}")
        if self.api_key_env and not self.base_url:
            raise ValueError("api_key_env only applies to a server: give base_url too")
        if self.concurrency < 1 or self.max_tokens < 1 or self.batch_size < 1:
            raise ValueError("concurrency, max_tokens and batch_size must be at least 1")
        if self.timeout <= 0 or self.retries < 0 or self.backoff < 0:
            raise ValueError("timeout must be positive; retries and backoff not negative")
        if self.rubric:
            from rewardsmith.verifiers.judge.rubrics import load_rubric
            try:
                load_rubric(self.rubric)
            except UsageError as exc:
                raise ValueError(str(exc)) from None


_JUDGES: dict[JudgeOptions, Any] = {}
_JUDGES_LOCK = threading.Lock()


def get_judge(options: JudgeOptions) -> Any:
    """The :class:`~rewardsmith.verifiers.judge.Judge` for ``options`` (one per process and options,
    so connections, a loaded model and the usage totals are shared)."""
    from rewardsmith.verifiers.judge import HttpBackend, Judge, LocalBackend, ReplyCache, default_cache_path, load_rubric
    with _JUDGES_LOCK:
        if options in _JUDGES:
            return _JUDGES[options]
        o = options
        if not o.model:
            raise UsageError("judge needs model=NAME (the server's model, or a local model; "
                             "model=default is the packaged SmolLM2)")
        if o.base_url:
            key = None
            if o.api_key_env:
                key = os.environ.get(o.api_key_env)
                if not key:
                    raise UsageError(f"judge: the environment variable {o.api_key_env!r} "
                                     "(api_key_env) is not set")
            backend: Any = HttpBackend(o.base_url, o.model, api_key=key, concurrency=o.concurrency,
                                       timeout=o.timeout, retries=o.retries, backoff=o.backoff)
            model_id = f"{o.base_url.rstrip('/')}|{o.model}"
        else:
            backend = LocalBackend(o.model, device=o.device, batch_size=o.batch_size)
            model_id = f"local|{o.model}"
        cache = None if o.cache == "off" else ReplyCache(o.cache or default_cache_path())
        judge = Judge(backend, load_rubric(o.rubric or "correctness"), model_id=model_id, cache=cache,
                      max_tokens=o.max_tokens, temperature=o.temperature,
                      top_logprobs=o.top_logprobs if o.logprobs else 0, max_chars=o.max_chars)
        _JUDGES[options] = judge
        return judge


class JudgeReward(Reward):
    """A language model's verdict under a rubric: P(yes) with logprobs, else 1.0/0.0; NaN when
    the judge gives no readable verdict. Needs the ``answer`` column (the reference; for the
    pairwise rubric, the response to compare against).

    >>> JudgeReward(model="m", base_url="http://127.0.0.1:1/v1").options.rubric or "correctness"
    'correctness'
    >>> JudgeReward(model="m", base_url="http://x/v1").as_fallback().options.rubric
    'equivalence'
    """

    name = "judge"
    Options = JudgeOptions
    value_range = (0.0, 1.0)
    requires = ("httpx", "jinja2")
    extra = "judge"

    def compute(self, completion: str, answer: Any, prompt: Any = None) -> Score | None:
        return self.score_batch([prompt], [completion], {"answer": [answer]}, strict=True)[0]

    def score_batch(self, prompts: Sequence[Any] | None, completions: Sequence[Any],
                    columns: Mapping[str, Sequence[Any]] | None = None, *,
                    strict: bool = False) -> list[Score]:
        """Judge the whole batch at once (cache, dedup and concurrency see all of it)."""
        from rewardsmith.verifiers.judge import Sample
        columns = dict(columns or {})
        self.check_columns(columns, len(completions))
        prompts = list(prompts) if prompts is not None else [None] * len(completions)
        refs = list(columns["answer"])
        todo = [i for i, r in enumerate(refs) if r is not None]
        samples = [Sample(prompt_text(prompts[i]), str(refs[i]), completion_text(completions[i])) for i in todo]
        verdicts = get_judge(self.options).judge(samples) if samples else []
        out = [Score(None) for _ in completions]
        for i, v in zip(todo, verdicts):
            out[i] = self._safe(lambda v=v: _to_score(v), i, strict)
        return out

    def as_fallback(self) -> JudgeReward:
        """This judge as the fallback of a rule-based reward: always the equivalence rubric."""
        if self.options.rubric not in ("", "equivalence"):
            raise UsageError(f"a judge used as a fallback grades with the equivalence rubric; "
                             f"remove rubric={self.options.rubric}")
        other = type(self)(replace(self.options, rubric="equivalence"))
        other.plugin = self.plugin
        return other

    def usage(self) -> dict[str, int]:
        """Totals so far of this judge's configuration in this process (requests, cache hits,
        tokens, failures); the trainer or any caller can log them per step."""
        judge = _JUDGES.get(self.options)
        return judge.usage.as_dict() if judge is not None else {}

    def summary_line(self) -> str | None:
        """One line for ``rewardsmith score``'s summary."""
        judge = _JUDGES.get(self.options)
        return f"judge usage: {judge.usage.line()}" if judge is not None else None


class JudgeFailed(RuntimeError):
    """The judge gave no verdict (unreachable, malformed or unreadable reply)."""


def _to_score(verdict: Any) -> Score:
    if verdict.error is not None:
        raise JudgeFailed(verdict.error)
    return Score(float(verdict.score), details=dict(verdict.details))


@hookimpl
def rewardsmith_rewards() -> list[type[Reward]]:
    """The ``judge`` reward."""
    return [JudgeReward]


@hookimpl
def rewardsmith_probes(reward_name: str) -> list[Any]:
    """Judge probes (prompt injection, fake verdicts, delimiter escapes, ...) for ``judge``."""
    if reward_name != "judge":
        return []
    from rewardsmith.plugins.probes.judge import probes
    return probes()
