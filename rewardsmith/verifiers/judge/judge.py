"""The judge verifier: render each sample with a rubric, ask the backend (deduplicated, cached,
concurrent), read the verdict. Returns one :class:`~rewardsmith.verifiers.verdict.Verdict` per sample.
"""
from __future__ import annotations

import hashlib
import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

from rewardsmith.verifiers.judge.backends import JudgeError, Request
from rewardsmith.verifiers.judge.cache import ReplyCache, request_key
from rewardsmith.verifiers.judge.rubrics import Rubric, render
from rewardsmith.verifiers.judge.verdicts import Reply, read_verdict
from rewardsmith.verifiers.verdict import Verdict

__all__ = ["Judge", "Usage", "Sample"]


@dataclass
class Usage:
    """Running totals of what a judge cost (thread-safe via :meth:`add`)."""

    samples: int = 0
    requests: int = 0  # sent to the backend
    cache_hits: int = 0
    deduplicated: int = 0  # identical requests inside one batch, asked once
    failures: int = 0  # samples without a verdict (transport error or unreadable reply)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, **counts: int) -> None:
        with self._lock:
            for k, v in counts.items():
                setattr(self, k, getattr(self, k) + v)

    def as_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in ("samples", "requests", "cache_hits", "deduplicated",
                                              "failures", "prompt_tokens", "completion_tokens")}

    def line(self) -> str:
        d = self.as_dict()
        return (f"{d['samples']} samples, {d['requests']} requests, {d['cache_hits']} cached, "
                f"{d['deduplicated']} deduplicated, {d['failures']} failed, "
                f"{d['prompt_tokens']} prompt + {d['completion_tokens']} completion tokens")


@dataclass(frozen=True)
class Sample:
    """One thing to judge: the question, the reference, and the response (all text)."""

    question: str
    reference: str
    response: str


class Judge:
    """A rubric bound to a backend and an optional cache.

    Args:
        backend: an object with ``complete(list[Request]) -> list[Reply | JudgeError]``.
        rubric: the :class:`Rubric`.
        model_id: names the judge model in the cache key (server URL + model, or a path).
        cache: a :class:`ReplyCache`, or None.
        max_tokens, temperature, top_logprobs: sampling settings of every request.
        max_chars: longest quoted text (question, reference or response); longer is clipped.
    """

    def __init__(self, backend: Any, rubric: Rubric, *, model_id: str, cache: ReplyCache | None = None,
                 max_tokens: int = 16, temperature: float = 0.0, top_logprobs: int = 10,
                 max_chars: int = 4000) -> None:
        self.backend, self.rubric, self.model_id, self.cache = backend, rubric, model_id, cache
        self.max_tokens, self.temperature = max_tokens, temperature
        self.top_logprobs, self.max_chars = top_logprobs, max_chars
        self.usage = Usage()

    def request(self, sample: Sample) -> tuple[Request, bool]:
        """The request for ``sample`` and, for a pairwise rubric, whether the response is A."""
        first = True
        if self.rubric.pairwise:  # a position fixed per sample, so no side is always favoured
            digest = hashlib.sha256(f"{sample.question}\x00{sample.response}".encode()).digest()
            first = digest[0] % 2 == 0
        messages = render(self.rubric, sample.question, sample.reference, sample.response,
                          max_chars=self.max_chars, response_first=first)
        return Request(tuple(messages), self.max_tokens, self.temperature, self.top_logprobs), first

    def judge(self, samples: Sequence[Sample]) -> list[Verdict]:
        """One Verdict per sample: ``score`` in the rubric's range, or ``error`` (no verdict)."""
        started = time.perf_counter()
        built = [self.request(s) for s in samples]
        keys = [request_key(self.model_id, self.rubric.fingerprint, _as_dict(r)) for r, _ in built]
        replies: dict[str, Reply | JudgeError] = dict(self.cache.get_many(sorted(set(keys)))) if self.cache else {}
        hits = sum(1 for k in keys if k in replies)
        todo = list(dict.fromkeys(k for k in keys if k not in replies))  # unique, in order
        first_req = {k: built[i][0] for i, k in reversed(list(enumerate(keys)))}
        fresh = self._ask([first_req[k] for k in todo]) if todo else []
        done = [(k, r) for k, r in zip(todo, fresh) if isinstance(r, Reply)]
        if self.cache is not None:
            self.cache.put_many([(k, self.model_id, self.rubric.fingerprint, r) for k, r in done])
        replies.update(zip(todo, fresh))
        elapsed = (time.perf_counter() - started) / max(1, len(samples))
        verdicts = [self._verdict(replies[k], first, k in todo, elapsed) for k, (_, first) in zip(keys, built)]
        self.usage.add(samples=len(samples), requests=len(todo), cache_hits=hits,
                       deduplicated=len(keys) - hits - len(todo),
                       failures=sum(v.error is not None for v in verdicts),
                       prompt_tokens=sum(r.prompt_tokens for _, r in done),
                       completion_tokens=sum(r.completion_tokens for _, r in done))
        return verdicts

    def _ask(self, requests: list[Request]) -> list[Reply | JudgeError]:
        try:
            replies = list(self.backend.complete(requests))
        except Exception as exc:  # noqa: BLE001 - a broken backend fails its samples, counted
            return [JudgeError(f"judge backend failed: {type(exc).__name__}: {exc}")] * len(requests)
        if len(replies) != len(requests):
            return [JudgeError(f"judge backend returned {len(replies)} replies for {len(requests)} "
                               "requests")] * len(requests)
        return replies

    def _verdict(self, reply: Reply | JudgeError, first: bool, fresh: bool, elapsed: float) -> Verdict:
        details: dict[str, Any] = {"rubric": self.rubric.name, "cached": not fresh}
        if isinstance(reply, JudgeError):
            return Verdict(None, details=details, elapsed=elapsed, error=str(reply))
        reading = read_verdict(reply, self.rubric.labels)
        details.update(verdict=reading.label, read=reading.how, reply=reply.text[:200])
        if reading.error is not None or math.isnan(reading.score):
            return Verdict(None, details=details, elapsed=elapsed, error=reading.error or "no verdict")
        score = reading.score
        if self.rubric.pairwise and not first:
            score = 1.0 - score  # labels name positions; the response sat in B
            details["position"] = "B"
        return Verdict(score >= 0.5, score=score, details=details, elapsed=elapsed)

    def close(self) -> None:
        self.backend.close()


def _as_dict(req: Request) -> dict[str, Any]:
    return {"messages": [dict(m) for m in req.messages], "max_tokens": req.max_tokens,
            "temperature": req.temperature, "top_logprobs": req.top_logprobs}
