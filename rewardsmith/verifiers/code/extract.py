"""Find the program in a completion: the fenced Python block, or the raw text when there is none."""
from __future__ import annotations

import re

__all__ = ["extract_code"]

_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*([\w+#.-]*)[^\n]*\n(.*?)^[ \t]*\1[ \t]*$",
                    re.MULTILINE | re.DOTALL)
_PYTHON_TAGS = {"python", "py", "python3", "py3"}


def extract_code(completion: str, entry_point: str | None = None) -> str:
    """The program in ``completion``.

    Fenced blocks tagged python (or untagged) are candidates; with ``entry_point``, the first one
    that defines it wins, else the first python-tagged block, else the first untagged block. A
    completion without any fence is taken as raw code. An unterminated final fence (a truncated
    generation) counts as a block.

    Args:
        completion: the model's text.
        entry_point: the function the tests call, when known.

    Returns:
        The code, or "" when the completion has fences but none holds Python.

    >>> extract_code("Here:\\n```python\\ndef f():\\n    return 1\\n```\\nDone.")
    'def f():\\n    return 1\\n'
    >>> extract_code("def g(): return 2")
    'def g(): return 2'
    """
    text = completion.replace("\r\n", "\n")
    blocks = [(m.group(2).lower(), m.group(3)) for m in _FENCE.finditer(text)]
    tail = _unterminated_tail(text)
    if tail is not None:
        blocks.append(tail)
    if not blocks:
        return text if "```" not in text else ""
    usable = [(tag, body) for tag, body in blocks if tag in _PYTHON_TAGS or tag == ""]
    if entry_point:
        pattern = re.compile(rf"^\s*(async\s+)?def\s+{re.escape(entry_point)}\s*\(|"
                             rf"^\s*{re.escape(entry_point)}\s*=", re.MULTILINE)
        for _, body in usable:
            if pattern.search(body):
                return body
    for wanted in (lambda t: t in _PYTHON_TAGS, lambda t: t == ""):
        for tag, body in usable:
            if wanted(tag):
                return body
    return ""


def _unterminated_tail(text: str) -> tuple[str, str] | None:
    """A final opening fence with no closing one (generation cut off mid-block)."""
    fences = list(re.finditer(r"^[ \t]*```[ \t]*([\w+#.-]*)[^\n]*$", text, re.MULTILINE))
    if len(fences) % 2 == 0:
        return None
    last = fences[-1]
    return last.group(1).lower(), text[last.end() + 1:]
