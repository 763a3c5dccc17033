"""The code that runs INSIDE a jail: the zygote and the candidate's process.

Everything in this package uses the standard library only and never imports rewardsmith: the jail
has no site-packages. The host starts it as ``python -I -S -c BOOTSTRAP SOURCES CONFIG``, where
SOURCES carries these modules' text; the bootstrap registers them as the package ``rk_jail``
(relative imports work unchanged) and calls :func:`rk_jail.zygote.main`. The host treats all of it
as untrusted: see docs/sandbox.md.
"""
from __future__ import annotations

import json
from pathlib import Path

__all__ = ["MODULES", "BOOTSTRAP", "command"]

#: in dependency order
MODULES = ("values", "hardening", "child", "zygote")

BOOTSTRAP = """\
import json, sys, types
pkg = types.ModuleType("rk_jail")
pkg.__path__ = []
sys.modules["rk_jail"] = pkg
for name, source in json.loads(sys.argv[1]):
    mod = types.ModuleType("rk_jail." + name)
    mod.__package__ = "rk_jail"
    sys.modules[mod.__name__] = mod
    setattr(pkg, name, mod)
    exec(compile(source, "rk_jail/" + name + ".py", "exec"), mod.__dict__)
sys.modules["rk_jail.zygote"].main(json.loads(sys.argv[2]))
"""


def sources() -> str:
    """The JSON list of (module, source) the bootstrap loads."""
    here = Path(__file__).resolve().parent
    return json.dumps([(m, (here / f"{m}.py").read_text(encoding="utf-8")) for m in MODULES])


def command(python: str, config: dict) -> list[str]:
    """argv of a zygote: isolated mode (``-I``: no environment, no user site), no site (``-S``)."""
    return [python, "-I", "-S", "-c", BOOTSTRAP, sources(), json.dumps(config)]
