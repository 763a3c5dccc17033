"""The plugin authoring kit: render the template of a new, installable reward plugin package.

The template lives in ``rewardsmith/kit/templates/plugin/`` as ``*.tmpl`` files (package data);
``__package__`` in a path and ``${name}``-style placeholders in the text are filled in, and a
``dot-`` prefix becomes ``.``. ``rewardsmith new-plugin`` is the command-line face of
:func:`create_plugin`.
"""
from __future__ import annotations

import os
import re
import shutil
import string
import tempfile
from importlib import resources
from pathlib import Path

from rewardsmith.core.errors import UsageError

__all__ = ["create_plugin", "plugin_names", "NAME_PATTERN"]

NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
_TEMPLATE = "plugin"


def plugin_names(name: str) -> dict[str, str]:
    """The names a plugin called ``name`` uses (reward, distribution, package, class).

    >>> plugin_names("unit_answer")["cls"], plugin_names("unit_answer")["dist"]
    ('UnitAnswer', 'rewardsmith-unit-answer')
    """
    if not NAME_PATTERN.fullmatch(name or ""):
        raise UsageError(f"bad plugin name {name!r}: use lower-case letters, digits and '_', "
                         "starting with a letter (it becomes the reward's name in specs)")
    from rewardsmith import __version__
    cls = "".join(part.capitalize() for part in name.split("_") if part)
    return {"name": name, "dist": "rewardsmith-" + name.replace("_", "-"),
            "package": "rewardsmith_" + name, "cls": cls + ("Reward" if cls == "Reward" else ""),
            "rewardsmith_version": ".".join(__version__.split(".")[:2])}


def _template_files() -> list[tuple[str, str]]:
    """(relative path, text) of every template file."""
    root = resources.files("rewardsmith.kit").joinpath("templates", _TEMPLATE)
    out: list[tuple[str, str]] = []

    def walk(node, prefix: str) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            rel = f"{prefix}{child.name}"
            if child.is_dir():
                walk(child, rel + "/")
            elif child.name.endswith(".tmpl"):
                out.append((rel[: -len(".tmpl")], child.read_text(encoding="utf-8")))

    walk(root, "")
    return out


def create_plugin(name: str, parent: str | os.PathLike = ".") -> Path:
    """Write a new plugin package ``rewardsmith-NAME/`` under ``parent`` and return its path.

    The package is complete and installable: pyproject with the entry point, the reward module
    with a documented example reward, its probes, tests (unit and conformance) and a README. It is
    written into a temporary folder and renamed into place, so a failure leaves nothing behind.

    ``parent`` is created when missing. An existing empty ``rewardsmith-NAME/`` is filled in; an
    existing non-empty one is never touched.

    Raises:
        UsageError: bad name, ``parent`` cannot be created, or the target folder is not empty.
    """
    names = plugin_names(name)
    parent = Path(parent)
    target = parent / names["dist"]
    if target.exists() and not (target.is_dir() and not any(target.iterdir())):
        raise UsageError(f"{target} already exists and is not empty; remove it or choose another --dir")
    created = _make_dirs(parent)
    staging = Path(tempfile.mkdtemp(prefix=f".{names['dist']}-", dir=parent))
    try:
        for rel, text in _template_files():
            rel = rel.replace("__package__", names["package"])
            rel = "/".join("." + p[4:] if p.startswith("dot-") else p for p in rel.split("/"))
            dest = staging / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(string.Template(text).substitute(names), encoding="utf-8")
        staging.chmod(0o755)  # mkdtemp makes it private
        os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        for folder in created:  # innermost first: leave no folder this call made
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return target


def _make_dirs(parent: Path) -> list[Path]:
    """Create ``parent`` and its missing ancestors; return the folders made, innermost first."""
    missing = []
    node = parent.absolute()
    while not node.exists() and node != node.parent:
        missing.append(node)
        node = node.parent
    if parent.exists() and not parent.is_dir():
        raise UsageError(f"--dir {str(parent)!r} is not a directory")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--dir {str(parent)!r}: cannot create it ({exc.strerror})") from None
    return missing
