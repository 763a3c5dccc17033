"""``rewardsmith new-plugin``: scaffold an installable third-party reward plugin."""
from __future__ import annotations

import argparse

from rewardsmith.cli import Command


class NewPlugin(Command):
    help = ("Create rewardsmith-NAME/, an installable package that adds the reward NAME: a pyproject "
            "with the entry point, a reward module with a documented example reward, its probes, "
            "unit tests, the conformance-kit test, and a README. After 'pip install -e' the reward "
            "is listed by 'rewardsmith plugins' and usable in any reward spec.")
    epilog = """examples:
  rewardsmith new-plugin countdown
  rewardsmith new-plugin unit_answer --dir ~/src
then:
  pip install -e rewardsmith-countdown
  rewardsmith plugins
  python -m pytest rewardsmith-countdown
  rewardsmith score --reward math+countdown --input rows.jsonl
guide: docs/writing-plugins.md"""

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("name", metavar="NAME",
                       help="the reward's name in specs: lower-case letters, digits and '_'")
        p.add_argument("--dir", default=".", metavar="D",
                       help="where to create rewardsmith-NAME/ (default: the current directory)")
        p.add_argument("--force-name", action="store_true",
                       help="create it even if an installed plugin already provides a reward NAME")

    def run(self, args: argparse.Namespace) -> int:
        from rewardsmith.core.errors import UsageError
        from rewardsmith.kit import create_plugin, plugin_names

        names = plugin_names(args.name)
        if not args.force_name:
            from rewardsmith.core.plugin_manager import get_plugin_manager
            entry = get_plugin_manager().registry.entries.get(args.name)
            if entry is not None:
                raise UsageError(f"a reward {args.name!r} already exists (plugin {entry.plugin!r}, "
                                 f"{entry.dist}); two plugins cannot share a name. Choose another "
                                 "name, or pass --force-name to replace that plugin")
        path = create_plugin(args.name, args.dir)
        print(f"created {path}/ (distribution {names['dist']}, package {names['package']}, "
              f"reward {names['name']!r})")
        print("next:")
        print(f"  pip install -e {path}")
        print("  rewardsmith plugins")
        print(f"  python -m pytest {path}")
        print(f"  edit {path}/src/{names['package']}/reward.py and probes.py")
        return 0
