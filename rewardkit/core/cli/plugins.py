"""``rewardkit plugins``: what is installed, and whether it works."""
from __future__ import annotations

import argparse
import json

from rewardkit.core.cli import Command


class Plugins(Command):
    help = ("List every plugin found in the 'rewardkit.plugins' entry-point group (name, distribution, "
            "version, status) and every reward they provide (available, or unavailable with the reason).")
    epilog = """examples:
  rewardkit plugins
  rewardkit plugins --json
  REWARDKIT_DISABLE_PLUGIN_AUTOLOAD=1 REWARDKIT_PLUGINS=math rewardkit plugins"""

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("--json", action="store_true", help="print JSON instead of tables")

    def run(self, args: argparse.Namespace) -> int:
        from rewardkit.core.plugin_manager import get_plugin_manager

        pm = get_plugin_manager()
        registry = pm.registry
        plugins = [vars(r) | {"rewards": list(r.rewards)} for r in pm.records.values()]
        rewards = [{"name": e.name, "plugin": e.plugin, "distribution": e.dist,
                    "range": list(e.cls.value_range), "columns": e.cls.required_columns(),
                    "status": e.status, "description": e.cls.description()}
                   for e in (registry.entries[n] for n in registry.names())]
        if args.json:
            print(json.dumps({"plugins": plugins, "rewards": rewards}, indent=2))
            return 0
        _tables(plugins, rewards)
        return 0


def _tables(plugins: list[dict], rewards: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    t = Table(title="plugins")
    for col in ("plugin", "distribution", "version", "status", "rewards"):
        t.add_column(col)
    for p in plugins:
        status = "ok" if p["status"] == "ok" else f"[red]error[/red]: {p['reason']}"
        t.add_row(p["name"], p["dist"], p["version"], status, ", ".join(p["rewards"]))
    console.print(t)
    r = Table(title="rewards")
    cells = [(e["name"], e["plugin"], f"[{e['range'][0]:g}, {e['range'][1]:g}]",
              ", ".join(e["columns"]) or "-", e["status"]) for e in rewards]
    for i, col in enumerate(("reward", "plugin", "range", "columns", "status")):
        r.add_column(col, min_width=min(40, max([len(col), *(len(c[i]) for c in cells)])))
    r.add_column("description", overflow="ellipsis", no_wrap=True, ratio=1)
    for e in rewards:
        status = e["status"] if e["status"] == "available" else f"[yellow]{e['status']}[/yellow]"
        r.add_row(e["name"], e["plugin"], f"[{e['range'][0]:g}, {e['range'][1]:g}]",
                  ", ".join(e["columns"]) or "-", status, e["description"].replace("``", ""))
    console.print(r)
