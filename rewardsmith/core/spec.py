"""Reward specs: ``math+format``, ``math:1.0+format:0.2``, ``code(timeout=5,partial=true)``.

Grammar (whitespace allowed between tokens)::

    spec      := component ("+" component)*
    component := NAME ["(" [option ("," option)*] ")"] [":" WEIGHT]
    option    := KEY "=" VALUE          VALUE: a quoted string, or text up to "," or ")" outside
                                        parentheses (so a value can be a spec: fallback=judge(...))

The same spec can live in a YAML or JSON file::

    aggregate: sum            # or normalize_then_sum
    rewards:
      - {name: math, weight: 1.0}
      - {name: code, weight: 0.5, options: {timeout: 5, partial: true}}
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from rewardsmith.core.errors import SpecError, did_you_mean

__all__ = ["ComponentSpec", "RewardSpec", "parse_spec", "load_spec", "AGGREGATES"]

AGGREGATES = ("sum", "normalize_then_sum")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


@dataclass(frozen=True)
class ComponentSpec:
    """One weighted reward of a spec. ``label`` is its unique key in per-component metrics."""

    name: str
    options: dict[str, Any] = field(default_factory=dict, hash=False, compare=True)
    weight: float = 1.0
    label: str = ""

    def __str__(self) -> str:
        opts = ",".join(f"{k}={_fmt(v)}" for k, v in self.options.items())
        return f"{self.name}{f'({opts})' if opts else ''}:{self.weight:g}"


@dataclass(frozen=True)
class RewardSpec:
    """A parsed spec: weighted components and how to aggregate them."""

    components: tuple[ComponentSpec, ...]
    aggregate: str = "sum"

    def __post_init__(self) -> None:
        if self.aggregate not in AGGREGATES:
            raise SpecError(f"unknown aggregate {self.aggregate!r}.{did_you_mean(self.aggregate, AGGREGATES)}"
                            f" Choose one of: {', '.join(AGGREGATES)}")
        if not self.components:
            raise SpecError("a reward spec needs at least one reward")

    def __str__(self) -> str:
        return "+".join(str(c) for c in self.components)

    @property
    def labels(self) -> list[str]:
        return [c.label for c in self.components]


def _fmt(v: Any) -> str:
    if isinstance(v, bool):
        return str(v).lower()
    s = str(v)
    if not any(ch in s for ch in ",)(+ "):
        return s
    quote = next((q for q in "\"'" if q not in s), None)  # the parser reads quotes without escapes
    return f"{quote}{s}{quote}" if quote else json.dumps(s)


class _Parser:
    def __init__(self, text: str, known: Iterable[str] | None) -> None:
        self.text, self.pos = text, 0
        self.known = list(known) if known is not None else None

    def fail(self, message: str, pos: int | None = None) -> SpecError:
        pos = self.pos if pos is None else pos
        return SpecError(f"bad reward spec: {message} at position {pos}\n  {self.text}\n  {' ' * pos}^")

    def skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self) -> str:
        self.skip_ws()
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def match(self, pattern: re.Pattern, what: str) -> str:
        self.skip_ws()
        m = pattern.match(self.text, self.pos)
        if not m:
            found = repr(self.text[self.pos]) if self.pos < len(self.text) else "end of spec"
            raise self.fail(f"expected {what}, found {found}")
        self.pos = m.end()
        return m.group(0)

    def spec(self) -> list[ComponentSpec]:
        comps = [self.component()]
        while self.peek() == "+":
            self.pos += 1
            comps.append(self.component())
        if self.peek():
            raise self.fail(f"unexpected {self.text[self.pos]!r} (join rewards with '+')")
        return comps

    def component(self) -> ComponentSpec:
        self.skip_ws()
        start = self.pos
        name = self.match(_NAME, "a reward name")
        if self.known is not None and name not in self.known:
            raise self.fail(f"unknown reward {name!r}.{did_you_mean(name, self.known)} "
                            f"Available: {', '.join(sorted(self.known))};", start)
        options: dict[str, Any] = {}
        if self.peek() == "(":
            self.pos += 1
            options = self.options()
        weight = 1.0
        if self.peek() == ":":
            self.pos += 1
            weight = float(self.match(_NUMBER, "a weight (a number)"))
        return ComponentSpec(name, options, weight)

    def options(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.peek() == ")":
            self.pos += 1
            return out
        while True:
            key_pos = self.pos
            key = self.match(_KEY, "an option name")
            if key in out:
                raise self.fail(f"option {key!r} given twice", key_pos)
            if self.peek() != "=":
                raise self.fail(f"expected '=' after option {key!r}")
            self.pos += 1
            out[key] = self.value()
            nxt = self.peek()
            self.pos += 1
            if nxt == ")":
                return out
            if nxt != ",":
                raise self.fail("expected ',' or ')'", self.pos - 1)

    def value(self) -> str:
        self.skip_ws()
        if self.peek() in "\"'":
            quote, start = self.text[self.pos], self.pos
            end = self.text.find(quote, self.pos + 1)
            if end < 0:
                raise self.fail("unterminated quoted value", start)
            self.pos = end + 1
            return self.text[start + 1:end]
        start, depth = self.pos, 0
        while self.pos < len(self.text) and (depth or self.text[self.pos] not in ",)"):
            ch = self.text[self.pos]  # a value may nest a spec: fallback=judge(model=m,rubric=r)
            if ch in "\"'" and depth:
                end = self.text.find(ch, self.pos + 1)
                self.pos = end if end > 0 else len(self.text) - 1
            depth += (ch == "(") - (ch == ")")
            self.pos += 1
        if self.pos >= len(self.text):
            raise self.fail("missing ')'", start)
        value = self.text[start:self.pos].strip()
        if not value:
            raise self.fail("empty option value", start)
        return value


def _with_labels(comps: list[ComponentSpec]) -> tuple[ComponentSpec, ...]:
    seen: dict[str, int] = {}
    out = []
    for c in comps:
        seen[c.name] = seen.get(c.name, 0) + 1
        label = c.name if seen[c.name] == 1 else f"{c.name}[{seen[c.name]}]"
        out.append(ComponentSpec(c.name, dict(c.options), float(c.weight), label))
    return tuple(out)


def parse_spec(text: str, known: Iterable[str] | None = None, aggregate: str = "sum") -> RewardSpec:
    """Parse a spec string. With ``known`` reward names, unknown names fail with a suggestion.

    >>> str(parse_spec("math:1.0+format:0.2"))
    'math:1+format:0.2'
    >>> parse_spec("code(timeout=5,partial=true)").components[0].options
    {'timeout': '5', 'partial': 'true'}
    >>> parse_spec("math(fallback=judge(base_url=http://h:1/v1,model=m)):2").components[0].options
    {'fallback': 'judge(base_url=http://h:1/v1,model=m)'}
    """
    if not isinstance(text, str) or not text.strip():
        raise SpecError("empty reward spec: give rewards like 'math+format' or 'math:1.0+format:0.2'")
    return RewardSpec(_with_labels(_Parser(text, known).spec()), aggregate)


def _from_mapping(data: Any, known: Iterable[str] | None, source: str) -> RewardSpec:
    if isinstance(data, list):
        data = {"rewards": data}
    if not isinstance(data, dict) or "rewards" not in data:
        raise SpecError(f"{source}: expected a mapping with a 'rewards' list (see rewardsmith.core.spec)")
    aggregate = data.get("aggregate", "sum")
    rewards = data["rewards"]
    if isinstance(rewards, str):
        return parse_spec(rewards, known, aggregate)
    comps = []
    known_list = list(known) if known is not None else None
    for i, item in enumerate(rewards):
        if isinstance(item, str):
            comps.extend(parse_spec(item, known_list).components)
            continue
        if not isinstance(item, dict) or "name" not in item:
            raise SpecError(f"{source}: rewards[{i}] needs a 'name'")
        extra = set(item) - {"name", "weight", "options"}
        if extra:
            raise SpecError(f"{source}: rewards[{i}] has unknown keys {sorted(extra)}; "
                            "use name, weight, options")
        name = str(item["name"])
        if known_list is not None and name not in known_list:
            raise SpecError(f"{source}: unknown reward {name!r}.{did_you_mean(name, known_list)}")
        try:
            weight = float(item.get("weight", 1.0))
        except (TypeError, ValueError):
            raise SpecError(f"{source}: rewards[{i}].weight must be a number") from None
        comps.append(ComponentSpec(name, dict(item.get("options") or {}), weight))
    return RewardSpec(_with_labels(comps), aggregate)


def load_spec(spec: str | dict | list | RewardSpec, known: Iterable[str] | None = None,
              aggregate: str | None = None) -> RewardSpec:
    """A RewardSpec from a spec string, a YAML/JSON file path, or an already-loaded mapping."""
    if isinstance(spec, RewardSpec):
        parsed = spec
    elif isinstance(spec, (dict, list)):
        parsed = _from_mapping(spec, known, "reward spec")
    elif isinstance(spec, str) and spec.strip().endswith((".yaml", ".yml", ".json")):
        path = spec.strip()
        if not os.path.isfile(path):
            raise SpecError(f"reward spec file not found: {path}")
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        try:
            if path.endswith(".json"):
                data = json.loads(text)
            else:
                import yaml
                data = yaml.safe_load(text)
        except Exception as exc:  # noqa: BLE001 - any parse failure is the user's file
            raise SpecError(f"{path}: cannot parse: {exc}") from None
        parsed = _from_mapping(data, known, path)
    else:
        parsed = parse_spec(spec, known)
    if aggregate is not None and aggregate != parsed.aggregate:
        parsed = RewardSpec(parsed.components, aggregate)
    return parsed
