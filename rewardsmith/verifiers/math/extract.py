"""Find the final answer(s) in a completion. Pure string work: no sympy, linear time.

Markers, strongest first:

0. every ``<answer>...</answer>`` tag (DeepSeek-R1 style; a box or phrase inside it is read);
1. every ``\\boxed{...}`` / ``\\fbox{...}`` or other box (:mod:`rewardsmith.verifiers.boxes`; nested
   braces kept) and every GSM8K ``#### N`` line:
   all of them are returned, because a completion that gives two different final answers is
   hedging and the verifier requires every one of them to be right;
2. else the last "final answer is ..." / "the answer is ..." / "Answer: ..." phrase;
3. else, with ``last_number_fallback``, the last number in the text (off by default: prose that
   merely mentions the gold number somewhere gets nothing).

Thinking is never final: when the completion closes a ``<think>`` block only the text after the
last ``</think>`` is searched, and a ``<think>`` that is never closed (a truncated completion) hides
everything after it. Tags in any spelling count (``<THINK>``, ``<think >``), and a block the chat
template opened hides a completion that never closes it: :func:`rewardsmith.verifiers.tags.final_text`,
the same reading the ``format`` reward uses.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from rewardsmith.verifiers.boxes import BOX_NAME, BOX_OPEN, environment_contents
from rewardsmith.verifiers.tags import final_text

__all__ = ["Extraction", "extract_answer", "boxed_contents"]

_BOX = BOX_OPEN  # \boxed, \fbox, \framebox, \colorbox, ...: every box shows an answer
_BRACE = re.compile(r"(?<!\\)[{}]")
_GSM8K = re.compile(r"####[ \t]*([^\n]*)")
_PHRASE = re.compile(
    r"(?i)(?:\bfinal\s+answer"
    r"|\bthe\s+answer(?:\s+(?:to|for)\s+(?:the|this)\s+(?:problem|question))?"
    r"|^[ \t>*#]*answer)[ \t*]*(?:is\b[ \t]*:?|:|=)[ \t*]*", re.MULTILINE)
_NUMBER = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?(?:\s*/\s*\d+)?%?")
_SENTENCE_END = re.compile(
    r"\.(?=\s|$)|[,;]\s+(?=(?:since|because|as|which|so|but|given|where)\b)|\s+(?:because|since)\s")
_MAX_CANDIDATES = 64
_MAX_SENTENCE = 2000


@dataclass(frozen=True)
class Extraction:
    """The final answers a completion gives.

    Attributes:
        answers: the distinct non-empty answers of the strongest marker kind, in order.
        method: ``tag``, ``boxed``, ``gsm8k``, ``phrase``, ``last_number`` or ``none``.
    """

    answers: tuple[str, ...]
    method: str

    @property
    def answer(self) -> str | None:
        """The last answer (what a "last \\boxed{}" grader would take), or None."""
        return self.answers[-1] if self.answers else None


def boxed_contents(text: str) -> list[str]:
    """Contents of every outermost ``\\boxed{}``/``\\fbox{}``, in order (unclosed ones are dropped;
    a box that only wraps another box gives the inner content).

    >>> boxed_contents(r"so \\boxed{\\frac{1}{2}} and \\boxed{\\boxed{3}}")
    ['\\\\frac{1}{2}', '3']
    """
    first = _BOX.search(text)
    if first is None:
        return []
    closing = _match_braces(text, first.start())
    out, end = [], -1
    for m in _BOX.finditer(text, first.start()):
        open_at = m.end() - 1
        close_at = closing.get(open_at)
        if open_at < end or close_at is None:
            continue  # nested inside a box already taken, or never closed
        end = close_at
        while True:  # \boxed{\boxed{3}} is one answer
            inner = _BOX.match(text, _skip_space(text, open_at + 1))
            if inner is None or closing.get(inner.end() - 1) != _back_space(text, close_at):
                break
            open_at, close_at = inner.end() - 1, closing[inner.end() - 1]
        out.append(text[open_at + 1:close_at])
    return out


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def _back_space(text: str, close_at: int) -> int:
    """Position of the last non-space character before ``close_at``."""
    pos = close_at - 1
    while pos >= 0 and text[pos].isspace():
        pos -= 1
    return pos


def _match_braces(text: str, start: int) -> dict[int, int]:
    """Position of each ``{`` (from ``start`` on) -> position of its ``}``; one linear pass."""
    stack: list[int] = []
    pairs: dict[int, int] = {}
    for m in _BRACE.finditer(text, start):
        if m.group() == "{":
            stack.append(m.start())
        elif stack:
            pairs[stack.pop()] = m.start()
    return pairs


def _last_phrase(text: str) -> re.Match | None:
    last = None
    for last in _PHRASE.finditer(text):
        pass
    return last


def _phrase_answer(text: str, last: re.Match | None = None) -> str | None:
    last = last or _last_phrase(text)
    if last is None:
        return None
    answer = _cut_tail(text[last.end():last.end() + 2000])
    if _BOX.search(answer):
        return None  # an unclosed box is no answer
    return expression_of(answer)


_VERB = re.compile(r"\s(?:is|are|was|equals|=)\s+(?!\S*\s+(?:is|are|was|equals)\s)")
_PROSE = re.compile(r"(?<![\\a-zA-Z])[a-zA-Z]{3,}")
_MATH_SEGMENT = re.compile(r"\$([^$]+)\$|\\\((.+?)\\\)")
_LEAD = re.compile(r"(?i)^(?:approximately|about|roughly|exactly|just|only)\s+")


def expression_of(sentence: str) -> str:
    """The mathematical expression a final-answer sentence introduces: what follows its last
    "is"/"are"/"=", then its one math segment or its one number; the sentence itself when it
    has no prose words.

    >>> expression_of("The largest $n$ is 34"), expression_of("Jane started growing Sphere 3 hours ago")
    ('34', '3 hours ago')
    """
    outside = _MATH_SEGMENT.sub(" ", sentence)
    words = [w for w in _PROSE.findall(re.sub(r"\\text\w*\{[^{}]*\}", " ", outside))
             if w.lower() not in _MATH_WORDS]
    if not words or "$$" in sentence or _OPERATOR.search(outside):
        return sentence
    verbs = list(_VERB.finditer(sentence))
    rest = _LEAD.sub("", sentence[verbs[-1].end():].strip()) if verbs else sentence
    if verbs and not _MATH_SEGMENT.search(rest) and not _NUMBER.search(rest):
        verbs, rest = [], sentence  # "$x \geq 5$ is the solution": the math came first
    segments = [a or b for a, b in _MATH_SEGMENT.findall(rest)]
    if len(segments) == 1:
        return segments[0].strip()
    if segments:
        return sentence
    numbers = list(_NUMBER.finditer(rest))
    if len(numbers) != 1:
        return rest if verbs else sentence
    if rest[:numbers[0].start()].strip() in ("", "$", "\\$"):
        return rest  # "$12 per hour": the number and its unit
    return rest[numbers[0].start():].strip()  # "Sphere 3 hours ago": from the number on


_MATH_WORDS = {"sin", "cos", "tan", "cot", "sec", "csc", "log", "exp", "sqrt", "frac", "max",
               "min", "gcd", "lcm", "mod", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
               "det", "inf", "infty", "infinity", "dfrac", "cdot", "times", "pmatrix"}
_OPERATOR = re.compile(r"[+*/^=<>\\{}|]|\s-\s|\(\s*-")

def _cut_tail(tail: str) -> str:
    """The answer at the start of ``tail``: a math segment, or text up to the sentence's end."""
    tail = tail.lstrip(" \t*:")
    for left, right in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
        if tail.startswith(left):
            close = tail.find(right, len(left))
            if close > 0:
                return tail[len(left):close].strip()
            break
    line = tail.split("\n", 1)[0]
    end = _SENTENCE_END.search(line)
    return (line[:end.start()] if end else line).strip().rstrip("*").strip()


def _distinct(items: list[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for item in items:
        item = " ".join(item.split())
        if item:
            seen.setdefault(item, None)
        if len(seen) > _MAX_CANDIDATES:
            break
    return tuple(seen)


def _markers(text: str) -> tuple[tuple[str, ...], str]:
    boxes = boxed_contents(text) + environment_contents(text) if "\\" in text else []
    marks = _GSM8K.findall(text) if "####" in text else []
    found = _distinct(boxes + marks)  # both are explicit final answers: all must agree
    if any(len(b) <= _MAX_SENTENCE and _PROSE.search(b) for b in found):
        # "\boxed{Therefore $x \geq 5$ is the solution.}": the expression it states
        found = _distinct([expression_of(b) if len(b) <= _MAX_SENTENCE else b for b in found])
    return found, "boxed" if any(b.strip() for b in boxes) else "gsm8k"


def _answer_tags(text: str) -> list[str]:
    """Contents of every ``<answer>...</answer>``, in one pass (a non-greedy regex rescans the
    rest of the text from every unclosed ``<answer>``: quadratic on a flood of them)."""
    out: list[str] = []
    pos = 0
    while (start := text.find("<answer>", pos)) >= 0:
        end = text.find("</answer>", start + 8)
        if end < 0:
            break
        out.append(text[start + 8:end])
        pos = end + 9
    return out


def _looks_like_an_answer(phrase: str) -> bool:
    """A statement after the boxes replaces them only when it states something mathematical
    ("the answer is consistent with the check" does not)."""
    return any(ch.isdigit() for ch in phrase) or "\\" in phrase or len(phrase.split()) <= 2


def _last_marker(text: str) -> int:
    """Where the last box (any box-like command) or ``####`` marker starts."""
    last_box = max((m.start() for m in BOX_NAME.finditer(text)), default=-1) if "\\" in text else -1
    return max(last_box, text.rfind("####"))


def _extract(text: str, last_number_fallback: bool) -> Extraction:
    if "<answer>" in text:
        tags = _answer_tags(text)
        if tags:  # each <answer> holds one final answer, boxed or not
            found = [a for t in tags for a in (_markers(t)[0] or (_phrase_answer(t) or t,))]
            return Extraction(_distinct(found), "tag")
    found, method = _markers(text)
    last = _last_phrase(text)
    if found and last is not None and last.start() > _last_marker(text):
        phrase = _phrase_answer(text, last)  # the final-answer statement that comes last wins
        if phrase and _looks_like_an_answer(phrase):
            return Extraction((" ".join(phrase.split()),), "phrase")
    if found:
        return Extraction(found, method)
    phrase = _phrase_answer(text, last)
    if phrase:
        return Extraction((phrase,), "phrase")
    if last_number_fallback:
        last = None
        for last in _NUMBER.finditer(text):
            pass
        if last is not None:
            return Extraction((last.group().rstrip(","),), "last_number")
    return Extraction((), "none")


def extract_answer(text: str, last_number_fallback: bool = False,
                   think_opened: bool | None = None) -> Extraction:
    """Extract the final answer(s) of a completion.

    Args:
        text: the completion text.
        last_number_fallback: with no explicit marker, take the last number in the text.
        think_opened: the chat template already opened ``<think>`` (then a completion that never
            closes it has no final answer); None: unknown, the completion decides.

    Returns:
        An :class:`Extraction`; ``answers`` is empty when no final answer was found.

    >>> extract_answer(r"First \\boxed{2}, no wait: \\boxed{3}").answers
    ('2', '3')
    >>> extract_answer("She has 6 apples.\\n#### 6").answer
    '6'
    >>> extract_answer("The final answer is $\\\\frac{1}{2}$. I hope it is correct.").answer
    '\\\\frac{1}{2}'
    >>> extract_answer("There are 3 cats and 4 dogs.").method
    'none'
    >>> extract_answer("There are 3 cats and 4 dogs.", last_number_fallback=True).answer
    '4'
    >>> extract_answer(r"<THINK>maybe \\boxed{3}").method, extract_answer("so 3", True, True).method
    ('none', 'none')
    """
    return _extract(final_text(text, think_opened), last_number_fallback)
