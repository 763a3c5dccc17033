"""Format verifier: is a completion shaped "optional reasoning, then exactly one final answer"?

The shape (``think`` and ``answer`` choose how strict)::

    [<think> reasoning </think>]  answer part with exactly one final answer

* The think block, when present, opens the completion (only whitespace before ``<think>``), holds
  non-empty reasoning, and is closed once; no other think tag appears anywhere. When the chat
  template already opened ``<think>`` (the prompt ends with it, as Qwen3 and DeepSeek-R1 templates
  do), the completion starts *inside* the block: it must not open it again, only close it.
* The final answer is ``\\boxed{...}`` (``answer="boxed"``), ``<answer>...</answer>``
  (``answer="tag"``), or whichever of the two is used (``answer="any"``). Exactly one, with
  non-empty content: two answers are hedging, an empty one is no answer. A tag answer ends the
  completion; a boxed answer may be followed by prose ("... is \\boxed{4}.").
* Think tags are recognised in any spelling (``<THINK>``, ``<think >``, ...) by the same code the
  ``math`` reward uses (:mod:`rewardsmith.verifiers.tags`). Every box-like command (``\\fbox``,
  ``\\framebox``, ``\\colorbox``, ...; :mod:`rewardsmith.verifiers.boxes`) is an answer, so a
  second answer in another kind of box is still two answers. "Non-empty" means something visible
  (:mod:`rewardsmith.verifiers.blank`): zero-width characters, ``\\quad`` or ``\\phantom{4}`` are
  nothing.

Parsing is a few linear scans (no nested regex quantifiers), so even megabyte completions take
milliseconds; that is why this verifier, unlike math or code, needs no timeout.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Literal

from rewardsmith.verifiers.blank import is_blank
from rewardsmith.verifiers.boxes import box_count, has_box
from rewardsmith.verifiers.boxes import box_contents as boxed_contents
from rewardsmith.verifiers.tags import is_closing, prompt_opens_think, think_tags
from rewardsmith.verifiers.verdict import Verdict

__all__ = ["FormatRules", "verify_format", "boxed_contents", "prompt_opens_think"]

_ANSWER_TAG = re.compile(r"<\s*(/\s*)?answer\s*>", re.IGNORECASE)  # no two spans of spaces in a row


@dataclass(frozen=True)
class FormatRules:
    """What a well-formed completion looks like; also the ``format`` reward's options."""

    think: Literal["optional", "required", "forbidden"] = field(default="optional", metadata={
        "help": "the <think>...</think> block: 'optional' (if present it opens the completion, "
                "is non-empty and closed once), 'required' or 'forbidden'"})
    answer: Literal["boxed", "tag", "any"] = field(default="boxed", metadata={
        "help": "the one final answer: 'boxed' (\\boxed{...}), 'tag' (<answer>...</answer>, "
                "ending the completion) or 'any' (either)"})
    think_opened: Literal["auto", "yes", "no"] = field(default="auto", metadata={
        "help": "did the chat template already emit <think> (completions then only close it)? "
                "'auto': yes when the prompt string ends with <think>; for chat-message or "
                "missing prompts, judged from the completion"})

    def __post_init__(self) -> None:
        if self.think_opened == "yes" and self.think == "forbidden":
            raise ValueError("think_opened=yes means every completion starts inside a think block, "
                             "so think=forbidden can never pass; use think=optional or required")


def _split_think(text: str, opened: bool | None) -> tuple[str | None, str, str | None]:
    """Split into (reasoning or None, answer part, problem or None)."""
    tags = think_tags(text)
    if not tags:
        if opened:
            return None, text, "the template opened <think> but the completion never closes it"
        return None, text, None
    first_close = is_closing(tags[0])
    if opened is None:  # auto without a usable prompt: the completion shows which case it is
        opened = first_close
    expected = [True] if opened else [False, True]
    if [is_closing(t) for t in tags] != expected:
        return None, text, f"think tags out of order or repeated: {[t.group(0) for t in tags]}"
    if not opened and text[:tags[0].start()].strip():
        return None, text, "text before <think>"
    start = 0 if opened else tags[0].end()
    reasoning = text[start:tags[-1].start()]
    if is_blank(reasoning):
        return None, text, "empty think block (nothing visible in it)"
    return reasoning, text[tags[-1].end():], None


def _final_answer(part: str, answer: str) -> tuple[str | None, str | None]:
    """(the one final answer, problem) found in the answer part.

    Answer tags, when present, must hold the single final answer in every mode (in ``boxed``
    mode as ``<answer>\\boxed{..}</answer>``), so a tag and a box cannot carry two answers.
    """
    tags = list(_ANSWER_TAG.finditer(part))
    if answer == "tag" or tags:
        return _tag_answer(part, tags, need_box=answer == "boxed")
    count = box_count(part)  # cheap: a flood of boxes is refused before any content is read
    boxes = boxed_contents(part) if count == 1 else [None] * count
    if len(boxes) != 1:
        return None, f"expected exactly one \\boxed{{}}, found {len(boxes)}"
    if boxes[0] is None:
        return None, "\\boxed without a balanced {...}"
    if is_blank(boxes[0]):
        return None, "empty \\boxed{} (nothing visible in it)"
    return boxes[0].strip(), None


def _tag_answer(part: str, tags: list[re.Match], need_box: bool) -> tuple[str | None, str | None]:
    if [bool(t.group(1)) for t in tags] != [False, True]:
        return None, f"expected one <answer>...</answer>, found {[t.group(0) for t in tags]}"
    content = part[tags[0].end():tags[1].start()]
    if part[tags[1].end():].strip():
        return None, "text after </answer>"
    if is_blank(content):
        return None, "empty <answer> (nothing visible in it)"
    if has_box(part[:tags[0].start()]):
        return None, "a \\boxed{} outside the <answer> (two final answers)"
    inner = boxed_contents(content)
    if len(inner) > 1 or None in inner or any(is_blank(b) for b in inner):
        return None, "the <answer> holds more than one, or a malformed, \\boxed{}"
    if need_box and not inner:
        return None, "expected a \\boxed{} answer"
    return (inner[0] if inner else content).strip(), None


def verify_format(completion: str, rules: FormatRules = FormatRules(), prompt: object = None) -> Verdict:
    """Check the shape of one completion.

    Args:
        completion: the completion text (the generated part only).
        rules: the required shape (see :class:`FormatRules`).
        prompt: the prompt, used when ``rules.think_opened == "auto"`` to see whether the chat
            template already opened ``<think>``.

    Returns:
        A Verdict: ``correct`` True for a well-formed completion, False otherwise, with
        ``details["reason"]`` saying what is wrong and ``details["answer"]`` the final answer.

    >>> verify_format("<think>2+2 is 4</think> The answer is \\\\boxed{4}.").correct
    True
    >>> verify_format("I think \\\\boxed{4} or \\\\boxed{5}").details["reason"]
    'expected exactly one \\\\boxed{}, found 2'
    >>> verify_format("2+2 is 4</think><answer>4</answer>", FormatRules(answer="tag"),
    ...               prompt="<think>").correct
    True
    """
    t0 = time.perf_counter()
    if rules.think_opened == "auto":
        opened = prompt_opens_think(prompt)
    else:
        opened = rules.think_opened == "yes"
    reasoning, part, problem = _split_think(completion, opened)
    has_think = reasoning is not None
    if problem is None and rules.think == "required" and not has_think:
        problem = "no <think>...</think> block"
    if problem is None and rules.think == "forbidden" and has_think:
        problem = "a think block where none is allowed"
    answer = None
    if problem is None:
        answer, problem = _final_answer(part, rules.answer)
    details = {"reason": problem or "ok", "think": has_think, "answer": answer}
    return Verdict(correct=problem is None, score=float(problem is None), details=details,
                   elapsed=time.perf_counter() - t0)
