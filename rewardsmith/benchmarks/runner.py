"""The shared runner: tasks -> completions (generated and cached, or read from a file) -> rewards
-> metrics. Every suite goes through the same three functions: :func:`generate`,
:func:`score` and :func:`summarize`.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from rewardsmith.benchmarks.cache import CachedTask, GenerationCache, cache_key, prompt_hash
from rewardsmith.benchmarks.config import BenchConfig
from rewardsmith.benchmarks.metrics import Sample, is_correct, summarize
from rewardsmith.benchmarks.suite import Suite, Task

__all__ = ["SuiteRun", "generate", "score", "program_for", "answer_of", "run_generated",
           "run_completions", "chat_prompt"]

Advance = Callable[[int], None]


@dataclass
class SuiteRun:
    """The outcome of one system (a model or a completions file) on one suite."""

    system: str
    suite: str
    suite_version: str
    metrics: dict[str, Any]
    timing: dict[str, Any]
    settings: dict[str, Any]
    samples: list[Sample] = field(default_factory=list, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {"system": self.system, "suite": self.suite, "suite_version": self.suite_version,
                "metrics": self.metrics, "timing": self.timing, "settings": self.settings}


def chat_prompt(suite: Suite, task: Task) -> Any:
    """The prompt as given to a generator: text, or messages when the suite has a system prompt."""
    if suite.system_prompt:
        return [{"role": "system", "content": suite.system_prompt},
                {"role": "user", "content": task.prompt}]
    return task.prompt


def _cut_at_stop(text: str, stop: Sequence[str]) -> str:
    cuts = [text.find(s) for s in stop if s and s in text]
    return text[:min(cuts)] if cuts else text


def generate(suite: Suite, tasks: Sequence[Task], generator: Callable[[], Any], cfg: BenchConfig,
             cache: GenerationCache, advance: Advance = lambda n: None) -> dict[str, CachedTask]:
    """Completions for every task: cached ones first, the rest generated batch by batch.

    ``generator`` is called (once) only when something is left to generate; it returns a
    :class:`rewardsmith.models.Generator`. Each batch is appended to ``cache`` before the next starts.
    """
    from rewardsmith.models.generation import GenerationConfig

    hashes = {t.id: prompt_hash(chat_prompt(suite, t)) for t in tasks}
    done = {} if cfg.fresh else cache.load(hashes, cfg.samples)
    advance(len(done))
    todo = [t for t in tasks if t.id not in done]
    if not todo:
        return done
    gen = generator()
    gcfg = GenerationConfig(max_new_tokens=cfg.max_new_tokens or suite.max_new_tokens,
                            num_generations=cfg.samples, temperature=cfg.sampling_temperature,
                            top_p=cfg.top_p)
    for start in range(0, len(todo), cfg.batch_size):
        batch = todo[start:start + cfg.batch_size]
        began = time.perf_counter()
        outs = gen.generate([chat_prompt(suite, t) for t in batch], gcfg)
        per_task = (time.perf_counter() - began) / len(batch)
        records = []
        for i, task in enumerate(batch):
            mine = [o for o in outs if o.prompt_index == i]
            records.append(CachedTask(task.id, hashes[task.id],
                                      [_cut_at_stop(o.text, suite.stop) for o in mine],
                                      [len(o.completion_ids) for o in mine], per_task))
        cache.append(records)
        done.update((r.id, r) for r in records)
        advance(len(batch))
    return done


def program_for(suite: Suite, task: Task, completion: str) -> str:
    """What the reward scores. For suites with ``prepend_prompt_field`` (HumanEval) the code is
    taken out of its fence and, when it does not define the entry point itself (a body-only
    completion), put after the prompt; when it does, the prompt's import lines go in front.

    >>> from rewardsmith.benchmarks.suites import HUMANEVAL
    >>> t = Task("HumanEval/x", 0, "", {"entry_point": "f"}, {"prompt": "import math\\ndef f(x):\\n"})
    >>> program_for(HUMANEVAL, t, "    return x\\n")
    'import math\\ndef f(x):\\n    return x\\n'
    >>> program_for(HUMANEVAL, t, "```python\\ndef f(x):\\n    return x\\n```")
    'import math\\ndef f(x):\\n    return x\\n'
    """
    if not suite.prepend_prompt_field:
        return completion
    from rewardsmith.verifiers.code.extract import extract_code

    entry = task.columns.get("entry_point") or task.row.get("entry_point")
    code = extract_code(completion, entry)
    head = str(task.row.get(suite.prepend_prompt_field, ""))
    if entry and re.search(rf"^\s*def\s+{re.escape(str(entry))}\s*\(", code, re.M):
        imports = [ln for ln in head.splitlines() if re.match(r"(import|from)\s+\w", ln)]
        return "".join(ln + "\n" for ln in imports) + code
    return head + code


_BOXED = re.compile(r"\\boxed\s*\{")
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def answer_of(details: dict[str, Any], completion: str) -> str | None:
    """The final answer used for majority voting: the reward's extracted answer when it reports
    one (None when it reports details but found no answer), else, for rewards that report
    nothing, the last ``\\boxed{}`` content or the last number. Numbers lose their commas."""
    for key in ("extracted", "prediction", "pred", "parsed"):
        if details.get(key) not in (None, "", []):
            return _vote_key(str(details[key]))
    if details:
        return None
    starts = [m.end() for m in _BOXED.finditer(completion)]
    if starts:
        depth, i = 1, starts[-1]
        while i < len(completion) and depth:
            depth += {"{": 1, "}": -1}.get(completion[i], 0)
            i += 1
        return _vote_key(completion[starts[-1]:i - 1]) if depth == 0 else None
    nums = _NUMBER.findall(completion)
    return _vote_key(nums[-1]) if nums else None


def _vote_key(answer: str) -> str:
    """'1,000' and '1000' vote together; so do '$5$' and '5'."""
    text = answer.strip().strip("$").strip().rstrip(".")
    return text.replace(",", "") if _NUMBER.fullmatch(text) else text


def score(suite: Suite, tasks: Sequence[Task], texts: dict[str, list[str]],
          tokens: dict[str, list[int | None]] | None = None, advance: Advance = lambda n: None,
          reward: Any = None) -> tuple[dict[str, list[Sample]], float]:
    """Score every completion of every task with the suite's reward (``reward``: the suite's
    spec loaded already), in batches of about 64 completions.

    Returns:
        task id -> its samples (input order), and the seconds spent scoring.
    """
    if reward is None:
        from rewardsmith.core.compose import load_reward
        reward = load_reward(suite.reward)
    began = time.perf_counter()
    by_task: dict[str, list[Sample]] = {}
    chunk: list[Task] = []
    for n, task in enumerate(tasks, 1):
        chunk.append(task)
        if sum(len(texts[t.id]) for t in chunk) >= 64 or n == len(tasks):
            _score_chunk(suite, reward, chunk, texts, tokens or {}, by_task)
            advance(len(chunk))
            chunk = []
    return by_task, time.perf_counter() - began


def _score_chunk(suite: Suite, reward: Any, tasks: Sequence[Task], texts: dict[str, list[str]],
                 tokens: dict[str, list[int | None]], by_task: dict[str, list[Sample]]) -> None:
    flat = [(t, j, c) for t in tasks for j, c in enumerate(texts[t.id])]
    programs = [program_for(suite, t, c) for t, _, c in flat]
    columns = {col: [t.columns[col] for t, _, _ in flat] for col in suite.columns}
    result = reward.score([t.prompt for t, _, _ in flat], programs, columns)
    for i, (task, j, text) in enumerate(flat):
        value = result.rewards[i]
        details = {k: v for d in result.details.values() for k, v in d[i].items()}
        errors = [e[i] for e in result.errors.values() if e[i]]
        toks = tokens.get(task.id, [])
        by_task.setdefault(task.id, []).append(Sample(
            task.id, text, value, is_correct(value, suite.pass_threshold),
            answer_of(details, text) if suite.majority_vote else None,
            toks[j] if j < len(toks) else None, "; ".join(errors) or None, _small(details)))


def _small(details: dict[str, Any]) -> dict[str, Any]:
    """The reward's details without bulky lists, for the per-sample files."""
    return {k: v for k, v in details.items() if k not in ("statuses", "elapsed")
            and (not isinstance(v, str) or len(v) < 500)}


def _settings(cfg: BenchConfig, suite: Suite) -> dict[str, Any]:
    return {"samples": cfg.samples, "temperature": cfg.sampling_temperature, "top_p": cfg.top_p,
            "max_new_tokens": cfg.max_new_tokens or suite.max_new_tokens, "seed": cfg.seed,
            "limit": cfg.limit}


def _weights_stamp(model: str) -> list[Any]:
    """Sizes and mtimes of a local model's files: a checkpoint saved again into the same folder
    must not reuse the old generations. Empty for hub ids and the packaged default."""
    path = Path(model).expanduser()
    files = [path] if path.is_file() else sorted(path.glob("*")) if path.is_dir() else []
    return [(f.name, f.stat().st_size, int(f.stat().st_mtime)) for f in files if f.is_file()]


def run_generated(model: str, suite: Suite, tasks: Sequence[Task], generator: Callable[[], Any],
                  cfg: BenchConfig, progress: Callable[..., Any], reward: Any = None) -> SuiteRun:
    """Generate (resuming from the cache), score and summarize one model on one suite."""
    settings = _settings(cfg, suite)
    key = cache_key(model=model, weights=_weights_stamp(model), suite=suite.fingerprint(), **settings)
    cache = GenerationCache(Path(cfg.output_dir) / "generations", model, suite.name, key)
    with progress(len(tasks), f"{suite.name}: generating ({model})") as advance:
        cached = generate(suite, tasks, generator, cfg, cache, advance)
    texts = {t.id: cached[t.id].completions[:cfg.samples] for t in tasks}
    toks = {t.id: cached[t.id].tokens[:cfg.samples] for t in tasks}
    with progress(len(tasks), f"{suite.name}: scoring") as advance:
        by_task, score_s = score(suite, tasks, texts, toks, advance, reward)
    gen_s = sum(cached[t.id].seconds for t in tasks)
    n_tokens = sum(x or 0 for t in tasks for x in toks[t.id])
    timing = {"generate_s": round(gen_s, 3), "score_s": round(score_s, 3),
              "tokens_per_s": round(n_tokens / gen_s, 1) if gen_s > 0 else None,
              "cache": str(cache.path)}
    return SuiteRun(model, suite.name, suite.version, summarize(by_task, suite.majority_vote),
                    timing, settings, [s for t in tasks for s in by_task[t.id]])


def run_completions(label: str, suite: Suite, tasks: Sequence[Task], texts: dict[str, list[str]],
                    cfg: BenchConfig, progress: Callable[..., Any], reward: Any = None) -> SuiteRun:
    """Score completions from a file (``texts``: task id -> completions) on one suite."""
    chosen = [t for t in tasks if texts.get(t.id)]
    with progress(len(chosen), f"{suite.name}: scoring {label}") as advance:
        by_task, score_s = score(suite, chosen, texts, None, advance, reward)
    ns = sorted({len(texts[t.id]) for t in chosen})
    settings = {"completions": label, "samples": ns[0] if len(ns) == 1 else ns, "limit": cfg.limit}
    return SuiteRun(label, suite.name, suite.version, summarize(by_task, suite.majority_vote),
                    {"generate_s": None, "score_s": round(score_s, 3), "tokens_per_s": None},
                    settings, [s for t in chosen for s in by_task[t.id]])
