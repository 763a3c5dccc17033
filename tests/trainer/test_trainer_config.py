"""Settings: flags generated from the dataclasses, YAML with CLI overrides, one-line errors (exit 2)."""
from __future__ import annotations

import dataclasses

import pytest

from rewardsmith.cli.grpo_train import build_parser, main
from rewardsmith.trainer.config import SECTIONS, TrainConfig
from rewardsmith.trainer.options import config_from_args, field_table, load_yaml, make_config


def test_every_field_has_help_and_a_unique_name():
    table = field_table()
    assert len(table) == sum(len(dataclasses.fields(c)) for c in SECTIONS.values())
    for name, (_, f, _) in table.items():
        assert f.metadata.get("help"), name


def test_trl_flag_names_and_defaults_in_help(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for flag in ("--model", "--dataset", "--output-dir", "--max-steps", "--num-generations",
                 "--prompts-per-step", "--max-new-tokens", "--learning-rate", "--beta",
                 "--loss-type", "--seed", "--resume", "--held-out", "--eval-every",
                 "--on-overoptimization", "--lora-r", "--gradient-checkpointing"):
        assert flag in out
    assert "examples:" in out and "grpo-train report" in out


def test_yaml_then_cli_overrides(tmp_path):
    cfg_file = tmp_path / "run.yaml"
    cfg_file.write_text("max_steps: 7\noptim:\n  learning_rate: 3.0e-5\ngrpo:\n  num_generations: 4\n"
                        "loss_type: grpo\n")
    args = build_parser().parse_args(["--config", str(cfg_file), "--learning-rate", "1e-4",
                                      "--no-plots", "--resume"])
    cfg = config_from_args(args, args.config)
    assert isinstance(cfg, TrainConfig)
    assert cfg.run.max_steps == 7                      # from YAML
    assert cfg.optim.learning_rate == 1e-4             # CLI wins
    assert cfg.grpo.num_generations == 4 and cfg.grpo.loss_type == "grpo"
    assert cfg.run.plots is False and cfg.run.resume == "latest"
    assert cfg.grpo.reward == "math+format"            # default


def test_batch_size_sets_prompts_per_step():
    cfg = make_config({"batch_size": "16", "num_generations": "4"})
    assert cfg.grpo.prompts_per_step == 4


def test_yaml_unknown_key(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text("learnin_rate: 1\n")
    with pytest.raises(Exception, match="learning_rate"):
        make_config(load_yaml(str(f)))


@pytest.mark.parametrize("argv, message", [
    (["--reward", "mth+format"], "unknown reward 'mth'. Did you mean 'math'?"),
    (["--held-out", "lenght"], "unknown reward 'lenght'. Did you mean 'length'?"),
    (["--num-generations", "1"], "num_generations must be at least 2"),
    (["--batch-size", "10", "--num-generations", "4"], "not divisible by num_generations"),
    (["--loss-type", "ppo"], "invalid choice"),
    (["--executor", "spark"], "unknown executor 'spark'"),
    (["--max-steps", "many"], "--max-steps"),
    (["--config", "/nonexistent/run.yaml"], "config file not found"),
])
def test_bad_config_is_one_error_and_exit_2(argv, message, capsys, tmp_path):
    code = main(argv + ["--output-dir", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    first = err.splitlines()[0]
    assert first.startswith("grpo-train: error: ") and message in first
    assert "Traceback" not in err
    assert not (tmp_path / "out" / "checkpoint-1").exists()


def test_report_on_a_folder_without_metrics(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "no metrics.jsonl" in capsys.readouterr().err
