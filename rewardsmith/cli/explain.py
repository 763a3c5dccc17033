"""``rewardsmith explain``: each step of the math verifier's comparison of one answer with a gold."""
from __future__ import annotations

import argparse
import json

from rewardsmith.cli import Command


class Explain(Command):
    help = """Show why the math verifier credits or refuses one answer: what was extracted from it,
how the gold and the answer were normalised, which kind the gold was classified as (number, tuple,
solutions, labelled, real_set, function, angle, ...), and the verdict with its reason and path.
The answer may be a whole completion (its final answer is extracted) or a bare expression."""
    epilog = r"""examples:
  rewardsmith explain --gold '(1,234)' --answer '\boxed{(1, 234)}'
  rewardsmith explain --gold 'a \leq 2' --answer '$\boxed{(-\infty, 2]}$'
  rewardsmith explain --gold 135^\circ --answer 'The angle is \boxed{\frac{3\pi}{4}}.' --json
exit codes: 0 explained (whatever the verdict); 2 bad input."""

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("--gold", required=True, help="the gold answer (LaTeX, a number, a letter)")
        p.add_argument("--answer", required=True,
                       help="the completion or answer; without a final-answer marker it is "
                            "boxed as it is")
        p.add_argument("--prompt", help="the question, optional (echo guard, angle questions)")
        p.add_argument("--json", action="store_true", help="print the steps as one JSON object")

    def run(self, args: argparse.Namespace) -> int:
        from rewardsmith.core.errors import UsageError
        from rewardsmith.verifiers.math.explain import explain
        from rewardsmith.verifiers.math.extract import extract_answer

        if not args.gold.strip():
            raise UsageError("--gold is empty")
        answer = args.answer
        if not extract_answer(answer).answers:
            answer = "\\boxed{" + answer + "}"  # a bare expression is the final answer
        rows = explain(args.gold, answer, prompt=args.prompt)
        if args.json:
            print(json.dumps(dict(rows), ensure_ascii=False))
        else:
            width = max(len(step) for step, _ in rows)
            for step, value in rows:
                print(f"{step:<{width}}  {value}")
        return 0
