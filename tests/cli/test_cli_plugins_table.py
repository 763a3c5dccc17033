"""``rewardsmith plugins`` as a person reads it at 80 columns (the width when output is not a
terminal): every reward's name, range and status are on its row, nothing is cut (issue 17, item 9)."""
from __future__ import annotations

import json

import pytest

from rewardsmith.cli import main

NEEDY = '''
from rewardsmith import hookimpl, reward

@reward("needs_a_module_that_is_not_there", value_range=(-2.0, 3.5), requires=("no_such_module_xyz",),
        extra="judge")
def needy(completion, answer, rubric):
    """A reward whose dependency is missing, with a long name and two columns."""
    return 0.0

@hookimpl
def rewardsmith_rewards():
    return [needy]
'''


def _render(monkeypatch, capsys, width):
    monkeypatch.setenv("COLUMNS", str(width))
    assert main(["plugins"]) == 0
    return capsys.readouterr().out.splitlines()


def _rewards(capsys):
    assert main(["plugins", "--json"]) == 0
    return json.loads(capsys.readouterr().out)["rewards"]


def _rows(lines, title):
    """{reward name: {column: text read down its cells}} of the table called ``title``."""
    start = next(i for i, line in enumerate(lines) if line.strip() == title)
    head = next(line for line in lines[start:] if line.startswith("┃"))
    names = [c.strip() for c in head.strip("┃").split("┃")]
    rows, current = {}, None
    for line in lines[start + 4:]:  # title, top border, header, separator
        if not line.startswith("│"):
            break
        cells = [c.strip() for c in line.strip("│").split("│")]
        if cells[0]:
            current = rows.setdefault(cells[0], {n: [] for n in names})
            current["_first"] = cells
        for n, c in zip(names, cells):
            current[n].append(c)
    return {k: {n: " ".join(x for x in v if x) if n != "_first" else v for n, v in r.items()}
            for k, r in rows.items()}


@pytest.mark.parametrize("width", [80, 100, 200])
def test_every_reward_row_shows_name_range_and_status(make_dist, monkeypatch, capsys, width):
    make_dist("needy-rewards", {"needyplug": NEEDY}, {"needy": "needyplug"})
    rewards = _rewards(capsys)
    assert any(e["status"].startswith("unavailable") for e in rewards)
    lines = _render(monkeypatch, capsys, width)
    assert max(len(line) for line in lines) <= width
    table = _rows(lines, "rewards")
    assert set(table) == {e["name"] for e in rewards}
    for e in rewards:
        row = table[e["name"]]
        assert row["range"] == f"[{e['range'][0]:g}, {e['range'][1]:g}]"
        # the status, wrapped when long, reads back whole; its first word is on the name's line
        assert row["status"].replace(" ", "") == e["status"].replace(" ", ""), row
        assert e["status"].startswith(row["_first"][list(row).index("status")])
    assert "rewardsmith[judge]" in table["needs_a_module_that_is_not_there"]["status"].replace(" ", "")


def test_descriptions_are_readable_at_80_columns(make_dist, monkeypatch, capsys):
    make_dist("needy-rewards", {"needyplug": NEEDY}, {"needy": "needyplug"})
    rewards = _rewards(capsys)
    text = "\n".join(_render(monkeypatch, capsys, 80))
    words = " ".join(w for line in text.splitlines() for w in line.replace("│", " ").split())
    for e in rewards:
        assert " ".join(e["description"].replace("``", "").split()) in words or \
            e["description"].split()[0] in words, e["name"]
