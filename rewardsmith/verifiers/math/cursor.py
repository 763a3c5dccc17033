"""A cursor over a list of tokens: the reading position that the math verifier's two small
recursive-descent parsers share (:mod:`~rewardsmith.verifiers.math.echo` builds expression trees,
:mod:`~rewardsmith.verifiers.math.evaluate` computes values).

>>> cursor = TokenCursor(["(", "1", "]"])
>>> cursor.take("("), cursor.peek(), cursor.take(), cursor.peek()
('(', '1', '1', ']')
>>> cursor.take(")")
Traceback (most recent call last):
...
rewardsmith.verifiers.math.cursor.Unreadable: expected ')', got ']'
"""
from __future__ import annotations

__all__ = ["TokenCursor", "Unreadable"]


class Unreadable(Exception):
    """Text a parser does not read; its caller answers "cannot tell" (never an error)."""


class TokenCursor:
    """``tokens`` and the position ``i`` of the next one; parsers subclass it."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens, self.i = tokens, 0

    def peek(self) -> str | None:
        """The next token, not consumed; None at the end."""
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        """Consume the next token (which must be ``expected`` when given); Unreadable if not."""
        tok = self.peek()
        if tok is None or (expected is not None and tok != expected):
            raise Unreadable(f"expected {expected!r}, got {tok!r}")
        self.i += 1
        return tok
