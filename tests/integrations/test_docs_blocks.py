"""The copy-paste blocks of docs/integrations.md, checked against each trainer's own code so they
cannot drift: the TRL block runs; the verl block's overrides are composed with verl's own Hydra
config and loaded with verl's own loader; every OpenRLHF flag must be one OpenRLHF's parser defines."""
from __future__ import annotations

import argparse
import importlib.util
import re
import shlex
from pathlib import Path

from itest_peers import import_peer

DOC = Path(__file__).resolve().parents[2] / "docs" / "integrations.md"


def _block(name: str) -> str:
    """The fenced block that follows ``<!-- block: NAME -->`` in the doc."""
    match = re.search(rf"<!-- block: {name} -->\n```\w*\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert match, f"docs/integrations.md has no '{name}' block"
    return match.group(1)


def _commands(block: str) -> list[list[str]]:
    """The block's shell commands as argument lists (continuation lines joined)."""
    return [shlex.split(line) for line in block.replace("\\\n", " ").splitlines() if line.strip()]


def test_trl_block_runs_with_trls_own_classes(tmp_path, monkeypatch):
    import trl
    from datasets import Dataset
    from trl import GRPOTrainer

    from rewardsmith.models.tiny import build_tiny_llama

    class CPUConfig(trl.GRPOConfig):
        """GRPOConfig with the two settings a GPU-less machine needs (its defaults assume bf16)."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, use_cpu=True, bf16=False, **kwargs)

    monkeypatch.setattr(trl, "GRPOConfig", CPUConfig)
    monkeypatch.chdir(tmp_path)
    model = str(build_tiny_llama(tmp_path / "tiny", hidden_size=16, num_layers=1, num_heads=2,
                                 intermediate_size=32))
    dataset = Dataset.from_list([{"prompt": "2+2=", "answer": "4"}] * 8)
    namespace = {"model": model, "dataset": dataset}
    exec(compile(_block("trl"), "docs/integrations.md[trl]", "exec"), namespace)  # noqa: S102
    trainer = namespace["trainer"]
    assert isinstance(trainer, GRPOTrainer)
    assert trainer.reward_func_names == ["math", "format"]
    assert trainer.args.reward_weights == [1.0, 0.2]


def test_verl_block_composes_with_verls_config_and_loads_through_its_loader():
    verl = import_peer("verl")
    from hydra import compose, initialize_config_dir
    from verl.trainer.ppo.reward import get_custom_reward_fn

    (cmd,) = _commands(_block("verl"))
    assert cmd[:3] == ["python", "-m", "verl.trainer.main_ppo"]
    source = Path(importlib.util.find_spec("verl.trainer.main_ppo").origin).read_text(encoding="utf-8")
    assert 'config_name="ppo_trainer"' in source  # the entry point reads the config composed below
    config_dir = str(Path(verl.__file__).parent / "trainer" / "config")
    with initialize_config_dir(config_dir=config_dir, version_base=None):
        config = compose(config_name="ppo_trainer", overrides=cmd[3:])  # unknown keys raise here
    assert config.reward.reward_manager.name == "naive"  # the reward loop's default manager
    compute_score = get_custom_reward_fn(config)
    got = compute_score(data_source="openai/gsm8k", solution_str="so \\boxed{4}", ground_truth="4")
    assert got == {"score": 1.2, "math": 1.0, "format": 1.0, "acc": 1.0, "rewardsmith_error": 0.0}


def test_openrlhf_block_uses_flags_that_openrlhf_and_rewardsmith_serve_define():
    import_peer("openrlhf.utils.agent")
    spec = importlib.util.find_spec("openrlhf")
    serve, train = _commands(_block("openrlhf"))

    # our command: parsed by its own parser and accepted by the server's config
    from rewardsmith.cli.serve import Serve

    assert serve[:2] == ["rewardsmith", "serve"]
    parser = argparse.ArgumentParser()
    Serve().add_arguments(parser)
    parser.parse_args(serve[2:])

    # OpenRLHF's command: every flag is one its parser adds (read from its source, not imported:
    # importing the trainer pulls flash-attn, a CUDA-only build)
    assert train[:3] == ["python", "-m", "openrlhf.cli.train_ppo_ray"]
    source = (Path(spec.submodule_search_locations[0]) / "cli" / "train_ppo_ray.py").read_text(encoding="utf-8")
    defined = set(re.findall(r'"(--[\w.]+)"', source))
    flags = [arg for arg in train[3:] if arg.startswith("--")]
    assert flags and set(flags) <= defined, set(flags) - defined
    assert "--remote_rm_url" not in defined and "--label_key" not in defined  # the old flags are gone
    url = train[train.index("--reward.remote_url") + 1]
    assert url.endswith(":5000/get_reward") and "--port 5000" in " ".join(serve)
    estimator = train[train.index("--algo.advantage.estimator") + 1]
    assert f'"{estimator}"' in source
