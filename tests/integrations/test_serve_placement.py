"""Where the response starts in an OpenRLHF query: each way a real trainer changes the prompt, and
the queries the server must refuse to score (it never scores prompt text as the response)."""
from __future__ import annotations

import pytest

from rewardsmith.integrations.serve.protocol import place_response

P = "<|im_start|>user\nWhat is 6*7? Put it in \\boxed{}.<|im_end|>\n<|im_start|>assistant\n"
LONG = "Solve it. Example: \\boxed{42}. " * 4 + "Question: what is six times seven? Answer:"

# Each case: (query, prompt, expected response or None, how it was placed).
CASES = [
    (P + "\\boxed{42}", P, "\\boxed{42}", "exact"),                                # the usual case
    ("<s>" + P + "\\boxed{42}", P, "\\boxed{42}", "exact"),                        # a BOS token in front
    ("", "", "", "exact"),                                                         # empty prompt and query
    ("all of it", "", "all of it", "exact"),                                       # no prompt: all response
    # whitespace ignored; a prompt ending in whitespace also takes the response's leading whitespace
    (P.replace("\n", " ") + " \\boxed{42}", P, "\\boxed{42}", "whitespace"),       # newlines became spaces
    (P.replace(" ", "  ") + "\\boxed{42}", P, "\\boxed{42}", "whitespace"),        # spaces doubled
    (P.replace("<|im_end|>\n", "<|im_end|>") + "x", P, "x", "whitespace"),         # a newline dropped
    (LONG[40:] + " 42", LONG, " 42", "truncated"),                                 # left-truncated prompt
    ("\ufffd" + LONG[41:] + " 42", LONG, " 42", "truncated"),                      # cut inside a character
    (" ".join(LONG[40:].split()) + " 42", LONG, " 42", "truncated"),               # truncated and re-spaced
    ("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\nok", "hi there", "ok", "template"),  # ChatML
    ("<|start_header_id|>assistant<|end_header_id|>\n\nok", "other", "ok", "template"),              # Llama 3
    ("<start_of_turn>user\nq<end_of_turn>\n<start_of_turn>model\nok", None, "ok", "template"),        # Gemma
    ("[INST] q [/INST] ok", None, " ok", "template"),                                                 # Mistral
]

# Queries the server must not score: the prompt is nowhere to be found and no template marks a turn.
REFUSED = [
    ("I do not know", "Answer in \\boxed{42}"),                        # the prompt is simply absent
    ("Answer in \\boxed{4 2}. I do not know", "Answer in \\boxed{42}. Q"),  # near miss, not the prompt
    ("n? Answer: \\boxed{42}", LONG),                                  # tail overlap below MIN_TAIL
    ("\\boxed{42} I do not know", None),                               # no prompt sent, no template
    (LONG.replace("Question", "Q<unk>estion") + " 42", LONG),          # an unknown token mid-prompt
]


@pytest.mark.parametrize("query, prompt, response, how", CASES)
def test_the_response_is_placed(query, prompt, response, how):
    assert place_response(query, prompt) == (response, how)


@pytest.mark.parametrize("query, prompt", REFUSED)
def test_text_that_cannot_be_placed_is_never_a_response(query, prompt):
    response, why = place_response(query, prompt)
    assert response is None and ("not in the query" in why or "no prompt was sent" in why)


def test_placement_is_linear_on_long_queries():
    """A 200k-character query and prompt that differ: no quadratic blow-up (KMP, one pass each)."""
    import time

    prompt = "ab " * 60_000
    query = "cd " * 60_000 + "tail"
    start = time.perf_counter()
    assert place_response(query, prompt)[0] is None
    assert time.perf_counter() - start < 5
