"""Judge backends: an OpenAI-compatible HTTP server, or a local transformers model.

Both take a list of chat requests and return one :class:`Reply` or one :class:`JudgeError` per
request, in order. The HTTP backend sends them concurrently (bounded), retries 429/5xx/transport
errors with exponential backoff (honouring ``Retry-After``), and stops retrying a server that is
unreachable, so a dead server costs seconds, not a hang.
"""
from __future__ import annotations

import functools
import json
import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from rewardsmith.verifiers.judge.verdicts import Reply

__all__ = ["JudgeError", "Request", "HttpBackend", "LocalBackend"]

log = logging.getLogger("rewardsmith")


class JudgeError(RuntimeError):
    """A judge request that produced no reply (after retries); the sample gets no score."""


@dataclass(frozen=True)
class Request:
    """One judge call: chat messages and sampling settings."""

    messages: Sequence[Mapping[str, str]]
    max_tokens: int = 16
    temperature: float = 0.0
    top_logprobs: int = 0  # 0: do not ask for logprobs


_RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


class HttpBackend:
    """``POST {base_url}/chat/completions`` on an OpenAI-compatible server.

    Args:
        base_url: e.g. ``http://127.0.0.1:8000/v1``.
        model: the ``model`` field of each request.
        api_key: sent as a bearer token when given (read from the environment by the caller).
        concurrency: requests in flight at once.
        timeout: seconds per request (connect, read, write).
        retries: extra attempts after a retryable failure.
        backoff: seconds before the first retry; doubles each time (with jitter).
    """

    def __init__(self, base_url: str, model: str, *, api_key: str | None = None, concurrency: int = 8,
                 timeout: float = 60.0, retries: int = 3, backoff: float = 0.5) -> None:
        import httpx
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model, self.concurrency = model, max(1, concurrency)
        self.retries, self.backoff, self.timeout = max(0, retries), max(0.0, backoff), timeout
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        limits = httpx.Limits(max_connections=self.concurrency, max_keepalive_connections=self.concurrency)
        self._client = httpx.Client(timeout=httpx.Timeout(timeout), headers=headers, limits=limits)
        self._lock = threading.Lock()
        self._down: str | None = None  # set when the server proved unreachable during a batch
        self.logprobs_supported = True

    def complete(self, requests: Sequence[Request]) -> list[Reply | JudgeError]:
        self._down = None  # a new batch tries a server that was down again
        if len(requests) <= 1 or self.concurrency == 1:
            return [self._one(r) for r in requests]
        with ThreadPoolExecutor(min(self.concurrency, len(requests)), thread_name_prefix="judge") as pool:
            return list(pool.map(self._one, requests))

    def _body(self, req: Request) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model, "messages": list(req.messages),
                                "max_tokens": req.max_tokens, "temperature": req.temperature}
        if req.top_logprobs and self.logprobs_supported:
            body["logprobs"] = True
            body["top_logprobs"] = req.top_logprobs
        return body

    def _one(self, req: Request) -> Reply | JudgeError:
        import httpx
        last, retry_after = "no attempt made", None
        for attempt in range(self.retries + 1):
            if self._down is not None:
                return JudgeError(self._down)
            if attempt:
                time.sleep(self._delay(attempt, retry_after))
            try:
                resp = self._client.post(self.url, json=self._body(req))
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}: {exc or 'no detail'}"
                if isinstance(exc, httpx.ConnectError) and attempt == self.retries:
                    self._down = (f"judge server {self.url} is unreachable ({last}) after "
                                  f"{self.retries + 1} attempts")
                    return JudgeError(self._down)
                continue
            if resp.status_code == 400 and "logprob" in resp.text.lower() and self.logprobs_supported:
                self.logprobs_supported = False  # a server that refuses logprobs: parse replies
                log.warning("judge server %s refuses logprobs; reading parsed verdicts", self.url)
                return self._one(req)
            if resp.status_code in _RETRY_STATUS:
                last = f"HTTP {resp.status_code}: {resp.text[:200]}"
                retry_after = resp.headers.get("retry-after") if resp.status_code == 429 else None
                continue
            if resp.status_code != 200:
                return JudgeError(f"judge server {self.url} answered HTTP {resp.status_code}: "
                                  f"{resp.text[:300]}")
            return _parse_completion(resp.text, self.url)
        return JudgeError(f"judge request to {self.url} failed after {self.retries + 1} attempts: {last}")

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return min(float(retry_after), 30.0)
            except ValueError:
                pass
        return self.backoff * (2 ** (attempt - 1)) * (1.0 + 0.25 * random.random())

    def close(self) -> None:
        self._client.close()


@functools.lru_cache(maxsize=2)
def _load(model: str | None, device: str, dtype: str) -> tuple[Any, Any]:
    """One loaded copy of a local judge model per process, whatever the other options."""
    from rewardsmith.models.loading import load_model_and_tokenizer
    return load_model_and_tokenizer(model, dtype=dtype, device=device)


def _parse_completion(text: str, url: str) -> Reply | JudgeError:
    """A Reply from a chat-completion JSON body; a JudgeError naming what is malformed."""
    try:
        data = json.loads(text)
        choice = data["choices"][0]
        content = choice["message"].get("content") or ""
        if not isinstance(content, str):
            raise TypeError("message content is not a string")
        usage = data.get("usage") or {}
        positions = []
        for item in ((choice.get("logprobs") or {}).get("content") or []):
            cands = [(str(c["token"]), float(c["logprob"])) for c in item.get("top_logprobs") or []]
            positions.append((str(item["token"]), tuple(cands or [(str(item["token"]), float(item["logprob"]))])))
        return Reply(content, tuple(positions), int(usage.get("prompt_tokens") or 0),
                     int(usage.get("completion_tokens") or 0))
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        return JudgeError(f"malformed reply from judge server {url} ({type(exc).__name__}: {exc}): "
                          f"{text[:200]!r}")


class LocalBackend:
    """A transformers causal LM in this process: batched greedy generation with top-k logprobs.

    Args:
        model: a folder, hub id, ``.gguf`` file, or ``default`` (the packaged SmolLM2).
        device, dtype: see :func:`rewardsmith.models.loading.load_model_and_tokenizer`.
        batch_size: requests per forward pass.
    """

    def __init__(self, model: str, *, device: str = "auto", dtype: str = "auto", batch_size: int = 8) -> None:
        self.model, self.tokenizer = _load(None if model in ("", "default") else model, device, dtype)
        self.batch_size = max(1, batch_size)
        self.logprobs_supported = True
        self._lock = threading.Lock()

    def complete(self, requests: Sequence[Request]) -> list[Reply | JudgeError]:
        out: list[Reply | JudgeError] = []
        with self._lock:  # one model, one batch at a time
            for start in range(0, len(requests), self.batch_size):
                chunk = requests[start:start + self.batch_size]
                try:
                    out.extend(self._batch(chunk))
                except Exception as exc:  # noqa: BLE001 - each request of the chunk fails, counted
                    out.extend(JudgeError(f"local judge failed: {type(exc).__name__}: {exc}") for _ in chunk)
        return out

    def _batch(self, chunk: Sequence[Request]) -> list[Reply]:
        import torch
        tok = self.tokenizer
        texts = [tok.apply_chat_template(list(r.messages), tokenize=False, add_generation_prompt=True)
                 for r in chunk]
        enc = tok(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(self.model.device)
        max_new = max(r.max_tokens for r in chunk)
        k = max(r.top_logprobs for r in chunk) or 1
        with torch.no_grad():
            gen = self.model.generate(**enc, max_new_tokens=max_new, do_sample=False, output_scores=True,
                                      return_dict_in_generate=True, pad_token_id=tok.pad_token_id)
        new = gen.sequences[:, enc["input_ids"].shape[1]:]  # (B, T)
        logps = torch.stack(gen.scores, dim=1).float().log_softmax(-1)  # (B, T, V)
        top = logps.topk(k, dim=-1)  # (B, T, k)
        from rewardsmith.models.generation import _eos_ids
        eos = set(_eos_ids(self.model, tok))
        replies = []
        for b, req in enumerate(chunk):
            ids = new[b].tolist()
            n = next((i for i, t in enumerate(ids) if t in eos or t == tok.pad_token_id), len(ids))
            n = min(n, req.max_tokens)
            positions = tuple(
                (tok.decode([ids[t]]), tuple((tok.decode([int(i)]), float(v))
                                             for i, v in zip(top.indices[b, t], top.values[b, t])))
                for t in range(n)) if req.top_logprobs else ()
            prompt_len = int(enc["attention_mask"][b].sum())
            replies.append(Reply(tok.decode(ids[:n], skip_special_tokens=True), positions, prompt_len, n))
        return replies

    def close(self) -> None:
        pass

