"""The conformance kit's subject: one reward component under test, its sample context, its
cached per-sample scores, and running a call under a wall-clock limit."""
from __future__ import annotations

import dataclasses
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from rewardsmith.core.errors import RewardError, UsageError
from rewardsmith.core.reward import Reward, Score
from rewardsmith.testing.samples import Sample, generic_samples

__all__ = ["ConformanceError", "Unavailable", "KitConfig", "Subject", "call_with_limit"]

_PROMPT = "What is 17 + 25? Think step by step and put the final answer in \\boxed{}."


class ConformanceError(AssertionError):
    """A reward failed a conformance check; the message says which sample and why."""


class Unavailable(Exception):
    """The reward cannot run here (a missing optional dependency); the message is the reason."""


@dataclass(frozen=True)
class KitConfig:
    """Settings of the kit (the pytest options ``--rewardsmith-*`` fill it)."""

    limit: float = field(default=10.0, metadata={
        "help": "seconds one sample may take before the reward is said to hang"})
    reward_timeout: float = field(default=1.0, metadata={
        "help": "value given to a reward's own 'timeout' option (when the case does not set it) "
                "in every check but probes: hostile samples stay cheap, and the timeout check "
                "shows that it holds"})
    huge_chars: int = field(default=1_000_000, metadata={
        "help": "size of the huge generic completions, in characters"})


def call_with_limit(fn: Callable[[], Any], limit: float, what: str) -> tuple[Any, float]:
    """(fn(), seconds), or ConformanceError when fn is still running after ``limit`` seconds.

    The call runs in a daemon thread, so a reward that hangs fails its check instead of the run.
    """
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = exc

    start = time.perf_counter()
    worker = threading.Thread(target=work, name=f"rewardsmith-kit:{what}", daemon=True)
    worker.start()
    worker.join(limit)
    elapsed = time.perf_counter() - start
    if worker.is_alive():
        raise ConformanceError(f"{what}: still running after {limit:g} s (the reward hangs; give it a "
                               "timeout that works off the main thread)")
    if "error" in box:
        raise box["error"]
    return box["value"], elapsed


# --- the reward under test -------------------------------------------------------------------------
class Subject:
    """One reward component under test, with its sample context and cached per-sample scores."""

    def __init__(self, item: str, plugin_manager: Any, config: KitConfig) -> None:
        from rewardsmith.core.spec import parse_spec
        self.item, self.pm, self.config = item, plugin_manager, config
        registry = plugin_manager.registry
        comp = parse_spec(item, known=registry.names()).components[0]
        self.name, self.options = comp.name, dict(comp.options)
        self.entry = registry.entries[comp.name]
        self._per_sample: list[Score] | None = None
        self._probes: list | None = None
        self._context: tuple[Any, dict[str, Any]] | None = None
        self._seconds: dict[str, float] = {}
        self._config_problem: str | None = None

    @property
    def cls(self) -> type[Reward]:
        return self.entry.cls

    @property
    def value_range(self) -> tuple[float, float]:
        """The declared range of this case's instance (options may narrow the class's range)."""
        return tuple(self.make().value_range)  # type: ignore[return-value]

    def check_available(self) -> None:
        if self.entry.claimed_by:
            raise ConformanceError(f"reward {self.name!r}: {self.entry.status}")
        if self.entry.unavailable:
            raise Unavailable(f"reward {self.name!r} (plugin {self.entry.plugin!r}) is unavailable: "
                              f"{self.entry.unavailable}")

    def check_configured(self) -> None:
        """Unavailable when the reward cannot score even a plain sample with these options (a
        UsageError such as "prm needs a model"): the kit then needs options, not a verdict."""
        if self._config_problem is None:
            reward_obj = self.make()
            prompt, cols = self.context()
            self._config_problem = ""
            try:
                call_with_limit(lambda: reward_obj.score_batch(
                    [prompt], ["The answer is \\boxed{42}."], {k: [v] for k, v in cols.items()},
                    strict=True), self.config.limit, f"{self.name} on a plain sample")
            except UsageError as exc:
                self._config_problem = str(exc)
            except RewardError as exc:
                if isinstance(exc.__cause__, UsageError):
                    self._config_problem = str(exc.__cause__)
        if self._config_problem:
            raise Unavailable(f"reward {self.item!r} cannot score with these options: "
                              f"{self._config_problem} -- run the kit with options, e.g. "
                              f"@pytest.mark.rewardsmith(rewards=[\"{self.name}(...)\"])")

    def make(self, short_timeout: bool = True, **overrides: Any) -> Reward:
        """A fresh instance with the case's options (plus ``overrides``).

        With ``short_timeout``, a reward with a ``timeout`` option that the case does not set is
        built with the kit's short one, so hostile samples (an endless loop) stay cheap.
        """
        options = {**self.options, **overrides}
        if short_timeout and self.has_option("timeout") and "timeout" not in options:
            options["timeout"] = self.config.reward_timeout
        return self.pm.registry.create(self.name, options)

    def has_option(self, name: str) -> bool:
        opts = self.cls.Options
        return dataclasses.is_dataclass(opts) and name in {f.name for f in dataclasses.fields(opts)}

    @property
    def probes(self) -> list:
        if self._probes is None:
            from rewardsmith.core.probe_runner import collect_probes
            self._probes = collect_probes(self.name, self.pm)
        return self._probes

    def context(self) -> tuple[Any, dict[str, Any]]:
        """(prompt, columns) for the generic samples: from the first probe with every column."""
        if self._context is None:
            needed = self.cls.required_columns()
            for _, probe in self.probes:
                if all(c in probe.columns for c in needed):
                    self._context = (probe.prompt, dict(probe.columns))
                    break
            else:
                if needed:
                    raise ConformanceError(
                        f"reward {self.name!r} needs the column(s) {', '.join(needed)} and no probe "
                        "provides them: contribute at least one probe through rewardsmith_probes so "
                        "the kit has a sample to build on")
                self._context = (_PROMPT, {})
        return self._context

    def samples(self) -> list[Sample]:
        return generic_samples(self.config.huge_chars)

    def batch(self, reward_obj: Reward, samples: Sequence[Sample], what: str,
              call: str = "score_batch") -> list[float | None]:
        """Values of one batch call (``score_batch`` or the TRL-shaped ``__call__``), limited."""
        self.per_sample()  # per-sample timings set the batch's time limit
        prompt, cols = self.context()
        n = len(samples)
        prompts = [prompt] * n
        completions = [s.completion for s in samples]
        columns = {k: [v] * n for k, v in cols.items()}
        limit = self.config.limit + 3 * sum(self._seconds.get(s.name, 0.0) for s in samples)
        if call == "score_batch":
            fn = lambda: [s.value for s in reward_obj.score_batch(prompts, completions, columns)]  # noqa: E731
        else:
            fn = lambda: list(reward_obj(prompts=prompts, completions=completions, **columns))  # noqa: E731
        return call_with_limit(fn, limit, what)[0]

    def per_sample(self) -> list[Score]:
        """Each generic sample scored alone (cached): the reference the other checks compare to."""
        if self._per_sample is None:
            reward_obj = self.make()
            prompt, cols = self.context()
            out: list[Score] = []
            for s in self.samples():
                scores, secs = call_with_limit(
                    lambda s=s: reward_obj.score_batch([prompt], [s.completion],
                                                       {k: [v] for k, v in cols.items()}),
                    self.config.limit, f"{self.name} on sample {s.name!r}")
                self._seconds[s.name] = secs
                out.extend(scores)
            self._per_sample = out
        return self._per_sample
