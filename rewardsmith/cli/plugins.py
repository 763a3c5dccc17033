"""``rewardsmith plugins``: what is installed, and whether it works."""
from __future__ import annotations

import argparse
import json

from rewardsmith.cli import Command


class Plugins(Command):
    help = ("List every plugin found in the 'rewardsmith.plugins' entry-point group (name, distribution, "
            "version, status) and every reward they provide (available, or unavailable with the reason).")
    epilog = """examples:
  rewardsmith plugins
  rewardsmith plugins --json
  REWARDSMITH_DISABLE_PLUGIN_AUTOLOAD=1 REWARDSMITH_PLUGINS=math rewardsmith plugins"""

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("--json", action="store_true", help="print JSON instead of tables")

    def run(self, args: argparse.Namespace) -> int:
        from rewardsmith.core.plugin_manager import get_plugin_manager

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
    from rich.text import Text

    console = Console()
    t = Table(title="plugins")
    for col in ("plugin", "distribution", "version", "status", "rewards"):
        t.add_column(col, overflow="fold")
    for p in plugins:
        status = Text("ok") if p["status"] == "ok" else Text.assemble(("error", "red"), f": {p['reason']}")
        t.add_row(*map(Text, (p["name"], p["dist"], p["version"])), status, Text(", ".join(p["rewards"])))
    console.print(t)
    shown, dropped = layout(rewards, console.width)
    console.print(_table("rewards", rewards, shown))
    if dropped:  # what did not fit next to the names, ranges and statuses, in a table of its own
        console.print(_table("reward details", rewards, {"reward": shown["reward"], **dropped}))


#: column -> (narrowest, widest before wrapping; 0 = the rest of the line). reward and range are
#: never wrapped; status wraps (an unavailable reward's reason can be long).
COLUMNS = {"reward": (0, 0), "plugin": (0, 0), "range": (0, 0), "columns": (7, 24), "status": (11, 32),
           "description": (30, 0)}
REQUIRED = ("reward", "range", "status")


def _cell(e: dict, col: str) -> str:
    if col == "range":
        return f"[{e['range'][0]:g}, {e['range'][1]:g}]"
    if col == "columns":
        return ", ".join(e["columns"]) or "-"
    if col == "description":
        return e["description"].replace("``", "")
    return e["name"] if col == "reward" else e[col]


def layout(rewards: list[dict], width: int) -> tuple[dict[str, int], dict[str, int]]:
    """Columns of the rewards table that fit in ``width`` -> their widths (0: take the rest), and
    the columns that did not fit -> widths for a second table. The reward's name, range and status
    are always in the first; plugin, columns and description join them while there is room."""
    full = {c: max([len(c), *(len(_cell(e, c)) for e in rewards)]) for c in COLUMNS}
    want = {c: full[c] if hi == 0 else min(full[c], hi) for c, (lo, hi) in COLUMNS.items()}
    least = {c: max(lo, min(full[c], lo)) if lo else full[c] for c, (lo, _) in COLUMNS.items()}
    shown = [c for c in COLUMNS if c in REQUIRED]
    for optional in ("plugin", "columns", "description"):
        trial = [c for c in COLUMNS if c in shown or c == optional]
        if sum(least[c] for c in trial) + 3 * len(trial) + 1 <= width:
            shown = trial
    room = width - 3 * len(shown) - 1 - sum(least[c] for c in shown)
    widths = {c: least[c] for c in shown}
    for c in ("status", "columns"):  # grow the wrapping columns towards their comfortable width
        if c in widths:
            extra = min(room, want[c] - widths[c])
            widths[c] += max(extra, 0)
            room -= max(extra, 0)
    if "description" in widths:
        widths["description"] = 0
    dropped = {c: (0 if c == "description" else want[c]) for c in COLUMNS if c not in shown}
    return widths, dropped


def _table(title: str, rewards: list[dict], widths: dict[str, int]):
    from rich.table import Table
    from rich.text import Text

    t = Table(title=title)
    for col, w in widths.items():
        if w:
            t.add_column(col, min_width=w, max_width=w, overflow="fold", no_wrap=col in ("reward", "range"))
        else:
            t.add_column(col, overflow="fold", ratio=1)
    for e in rewards:  # Text, not markup: "pip install 'rewardsmith[judge]'" must keep its brackets
        t.add_row(*(Text(_cell(e, c), style="yellow" if c == "status" and e["status"] != "available" else "")
                    for c in widths))
    return t
