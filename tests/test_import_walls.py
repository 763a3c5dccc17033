"""The walls of the house (docs/architecture.md), read from the package's own imports with ``ast``.

Every ``import``/``from ... import`` in the package counts, including those inside functions (a lazy
import is still an arrow). A forbidden arrow fails with the file, the line and the imported module.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

import rewardsmith

PACKAGE = Path(rewardsmith.__file__).resolve().parent
NAME = PACKAGE.name
PUBLIC = rewardsmith._WHERE  # the top-level package's public names and the modules that define them

# which part each top-level module or folder belongs to (docs/architecture.md names the parts)
PARTS = {
    "basics": "base", "tasks": "base",
    "core": "core",
    "verifiers": "verifiers",
    "plugins": "plugins",
    "benchmarks": "benchmarks",
    "models": "models",
    "trainer": "trainer",
    "prm": "prm",
    "integrations": "integrations",
    "cli": "cli",
    "testing": "testing", "kit": "testing",
}
ALL_PARTS = set(PARTS.values())
NEVER = {
    "base": ALL_PARTS - {"base"},
    "verifiers": {"core", "plugins", "trainer", "cli"},
    "core": ALL_PARTS - {"core", "base"},
    "plugins": {"trainer", "cli"},
    "benchmarks": {"trainer"},
    "integrations": {"cli"},
}


def part_of(module: str) -> str | None:
    """The part of ``NAME.x.y`` (None for the package's own ``__init__`` and for other packages)."""
    pieces = module.split(".")
    if pieces[0] != NAME or len(pieces) < 2:
        return None
    return PARTS.get(pieces[1], f"unmapped:{pieces[1]}")


def imported_modules(path: Path, module: str) -> list[tuple[int, str]]:
    """(line, absolute module) for every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            if target == NAME:  # ``from NAME import cli`` names a part; ``import Reward``, its module
                found += [(node.lineno, PUBLIC.get(a.name, f"{NAME}.{a.name}")) for a in node.names
                          if a.name in PUBLIC or a.name in PARTS]
    return found


def arrows(root: Path = PACKAGE):
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent).with_suffix("")
        module = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
        source = part_of(module)
        if source is None:
            continue
        for line, target in imported_modules(path, module):
            dest = part_of(target)
            if dest is not None and dest != source:
                yield source, dest, f"{path.relative_to(root.parent)}:{line} imports {target}"


def broken(root: Path = PACKAGE) -> list[str]:
    return [f"{src} -> {dst}: {where}" for src, dst, where in arrows(root) if dst in NEVER.get(src, ())]


def test_every_module_belongs_to_a_part():
    unmapped = sorted({where for src, dst, where in arrows() if "unmapped" in src + dst})
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    modules = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    assert not unmapped and (folders | modules) <= set(PARTS), (unmapped, (folders | modules) - set(PARTS))


def test_no_forbidden_arrow():
    assert broken() == [], "forbidden imports (docs/architecture.md):\n" + "\n".join(broken())


def test_the_checker_sees_a_forbidden_arrow(tmp_path):
    """The wall test can fail: a copy of a verifier that imports core is caught, lazy or not."""
    pkg = tmp_path / NAME
    (pkg / "verifiers").mkdir(parents=True)
    (pkg / "core").mkdir()
    for init in (pkg, pkg / "verifiers", pkg / "core"):
        (init / "__init__.py").write_text("")
    (pkg / "verifiers" / "leaky.py").write_text(
        "def f():\n    from ..core import errors\n    return errors\n")
    (pkg / "verifiers" / "public.py").write_text(f"from {NAME} import Reward\n")
    (pkg / "core" / "fine.py").write_text("import json\n")
    assert broken(pkg) == [f"verifiers -> core: {NAME}/verifiers/leaky.py:2 imports {NAME}.core",
                           f"verifiers -> core: {NAME}/verifiers/public.py:1 imports {NAME}.core.reward"]
