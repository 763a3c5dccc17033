"""Fill a :class:`TrainConfig` from defaults, a YAML file and CLI flags (in that order of priority).

The flags themselves are generated from the config dataclasses by ``grpo-train``
(:mod:`rewardsmith.cli.grpo_train`); here the values arrive as a namespace or a mapping. A YAML file
may be flat (``learning_rate: 1e-5``) or sectioned (``optim: {learning_rate: 1e-5}``).
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import typing
from typing import Any, Mapping, Sequence

from rewardsmith.core.errors import UsageError, did_you_mean
from rewardsmith.core.options import coerce
from rewardsmith.trainer.config import SECTIONS, TrainConfig

__all__ = ["config_from_args", "load_yaml", "make_config", "field_table", "flag_name"]


def field_table() -> dict[str, tuple[str, dataclasses.Field, Any]]:
    """name -> (section, field, type hint) for every setting."""
    table: dict[str, tuple[str, dataclasses.Field, Any]] = {}
    for section, cls in SECTIONS.items():
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            if f.name in table:  # pragma: no cover - guarded by a test
                raise RuntimeError(f"setting {f.name!r} is defined twice")
            table[f.name] = (section, f, hints[f.name])
    return table


def flag_name(name: str) -> str:
    """The command-line flag of setting ``name``.

    >>> flag_name("learning_rate")
    '--learning-rate'
    """
    return "--" + name.replace("_", "-")


def load_yaml(path: str) -> dict[str, Any]:
    """Settings from a YAML file, flattened; unknown keys are a UsageError with a suggestion."""
    import yaml

    if not os.path.isfile(path):
        raise UsageError(f"config file not found: {path}")
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh) or {}
    except yaml.YAMLError as exc:
        raise UsageError(f"{path}: invalid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}: expected a mapping of settings")
    flat: dict[str, Any] = {}
    for key, value in data.items():
        key = str(key).replace("-", "_")
        if key in SECTIONS and isinstance(value, dict):
            flat.update({str(k).replace("-", "_"): v for k, v in value.items()})
        else:
            flat[key] = value
    return flat


def make_config(values: Mapping[str, Any]) -> TrainConfig:
    """A :class:`TrainConfig` from flat ``{setting: value}`` (strings are coerced to each type).

    Unknown names, bad values and failed cross-checks are a UsageError naming the flag.
    """
    table = field_table()
    per_section: dict[str, dict[str, Any]] = {s: {} for s in SECTIONS}
    for name, value in values.items():
        if name not in table:
            raise UsageError(f"unknown setting {name!r}.{did_you_mean(name, table)}")
        section, _, hint = table[name]
        try:
            per_section[section][name] = coerce(value, hint)
        except (TypeError, ValueError) as exc:
            raise UsageError(f"{flag_name(name)}: bad value {value!r}: {exc}") from None
    built = {}
    for section, cls in SECTIONS.items():
        try:
            built[section] = cls(**per_section[section])
        except (TypeError, ValueError) as exc:
            raise UsageError(str(exc)) from None
    return TrainConfig(**built)


def config_from_args(args: argparse.Namespace | Mapping[str, Any],
                     config_file: str | None = None) -> TrainConfig:
    """Defaults, then the YAML file's values, then the flags the user gave (CLI wins)."""
    given = dict(vars(args) if isinstance(args, argparse.Namespace) else args)
    table = field_table()
    values = load_yaml(config_file) if config_file else {}
    values.update({k: v for k, v in given.items() if k in table})
    return make_config(values)


def parse_train_args(argv: Sequence[str], parser: argparse.ArgumentParser) -> TrainConfig:
    """Parse ``argv`` with ``parser`` (which has ``--config``) into a TrainConfig."""
    args = parser.parse_args(list(argv))
    return config_from_args(args, getattr(args, "config", None))
