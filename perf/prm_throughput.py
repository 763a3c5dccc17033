"""Time per scored step: rewardsmith's batched PRM scoring against scoring each step prefix alone.

The peer is the straightforward way to get per-step PRM scores: for every solution and every step
i, run the model on the prompt plus steps 1..i, one sequence at a time, and read the last marker.
rewardsmith runs each solution once (a causal PRM's score at marker i only sees steps 1..i) and
batches solutions of similar length. Both run in this process on the same model and data, one
after the other, and the script checks that they agree before printing the ratio.

    python perf/prm_throughput.py                          # tiny value-head PRM
    python perf/prm_throughput.py --quick                  # 16 solutions
    python perf/prm_throughput.py --backbone smollm2       # SmolLM2-135M backbone (untrained head)
    python perf/prm_throughput.py --model runs/prm --solutions 32
"""
from __future__ import annotations

import argparse
import json
import time


def _peer_scores(scorer, prompt: str, steps: list[str]) -> list[float]:
    """Each prefix scored alone, unbatched: len(steps) forward passes."""
    import torch
    out = []
    for i in range(1, len(steps) + 1):
        enc = scorer.encode(prompt, steps[:i])
        ids = torch.tensor([enc.ids], device=scorer.device)
        mask = torch.ones_like(ids)
        with torch.inference_mode():
            p = scorer.step_probs(ids, mask, torch.tensor([0]), torch.tensor([enc.positions[-1]]))
        out.append(float(p[0]))
    return out


def _scorer(args: argparse.Namespace):
    from rewardsmith.verifiers.prm import PRMScorer, detect_convention
    if args.model:
        return PRMScorer.from_pretrained(args.model, batch_size=args.batch_size, device="cpu")
    from rewardsmith.prm.model import build_value_head_model
    model, tok = build_value_head_model("tiny" if args.backbone == "tiny" else None, seed=0)
    return PRMScorer(model.eval(), tok, detect_convention(model.config), batch_size=args.batch_size)


def main() -> None:
    import torch

    from rewardsmith.prm.synthetic import ChainConfig, synthetic_examples
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="", help="a saved PRM folder (any convention)")
    p.add_argument("--backbone", default="tiny", choices=["tiny", "smollm2"], help="when no --model")
    p.add_argument("--solutions", type=int, default=64, help="solutions to score")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = default)")
    p.add_argument("--quick", action="store_true", help="16 solutions")
    args = p.parse_args()
    if args.quick:
        args.solutions = min(args.solutions, 16)
    if args.threads:
        torch.set_num_threads(args.threads)
    scorer = _scorer(args)
    ex = synthetic_examples(args.solutions, 1, ChainConfig(min_ops=3, max_ops=8), seed=1)
    prompts, steps = [e.prompt for e in ex], [e.steps for e in ex]
    n_steps = sum(len(s) for s in steps)
    scorer.score(prompts[:2], steps[:2])  # warm-up
    t0 = time.perf_counter()
    ours = scorer.score(prompts, steps)
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    peer = [_peer_scores(scorer, p_, s) for p_, s in zip(prompts, steps)]
    t_peer = time.perf_counter() - t0
    diff = max(abs(a - b) for x, y in zip(ours, peer) for a, b in zip(x, y))
    print(f"{args.model or args.backbone}: {len(ex)} solutions, {n_steps} steps, batch {args.batch_size}, "
          f"{torch.get_num_threads()} thread(s)")
    print(f"  rewardsmith (one pass per solution, batched): {1000 * t_ours / n_steps:.2f} ms/step")
    print(f"  peer (each step prefix alone, unbatched):   {1000 * t_peer / n_steps:.2f} ms/step")
    print(f"  max |score difference| {diff:.1e}")
    if diff > 1e-4:
        raise SystemExit("the two ways of scoring disagree")
    result = {"name": "prm_throughput", "rewardsmith": n_steps / t_ours, "peer": n_steps / t_peer,
              "peer_name": "each step prefix scored alone, unbatched (same model)", "unit": "steps/s",
              "higher_is_better": True, "ratio": t_peer / t_ours, "target": 3.0, "n": n_steps,
              "quick": args.quick, "rewardsmith_ms_per_step": 1000 * t_ours / n_steps,
              "peer_ms_per_step": 1000 * t_peer / n_steps, "model": args.model or args.backbone,
              "batch_size": args.batch_size, "threads": torch.get_num_threads(), "max_abs_diff": diff}
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
