"""The one atomic writer: ordinary files are replaced whole, special files are written through."""
from __future__ import annotations

import json
import os
import pathlib
import shutil
import stat
import subprocess
import sys
import threading

import pytest

from rewardsmith.core.atomic import atomic_write, atomic_write_text, is_special_path
from rewardsmith.cli import main
from rewardsmith.core.errors import UsageError


@pytest.fixture(params=[0o022, 0o077])
def umask(request):
    """The process umask, set for the test (the mode a plain open() would give is 0o666 & ~umask)."""
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def test_ordinary_file_gets_umask_mode_and_keeps_an_existing_mode(tmp_path, umask):
    new = tmp_path / "new.json"
    atomic_write_text(new, "x")
    assert new.read_text() == "x" and stat.S_IMODE(new.stat().st_mode) == 0o666 & ~umask
    kept = tmp_path / "kept.json"
    kept.write_text("old")
    kept.chmod(0o640)
    atomic_write_text(kept, "new")
    assert kept.read_text() == "new" and stat.S_IMODE(kept.stat().st_mode) == 0o640


def _write_examples(path):
    from rewardsmith.prm.data import StepExample, write_examples
    write_examples([StepExample(group="g", prompt="p", steps=["s"], labels=[1.0])], str(path))


def _write_config(path):
    from rewardsmith.trainer.runinfo import write_config
    write_config(path.parent, {"seed": 0})


def _resume_metrics(path):
    from rewardsmith.trainer.metrics import MetricsWriter
    path.write_text('{"step": 1}\n{"step": 2}\n')
    MetricsWriter(path.parent, resume_step=1).close()
    assert path.read_text() == '{"step": 1}\n'


@pytest.mark.parametrize("write, name", [
    (_write_examples, "labels.jsonl"),   # rewardsmith prm label
    (_write_config, "config.yaml"),      # grpo-train's run folder
    (_resume_metrics, "metrics.jsonl"),  # a resumed run drops the killed run's later lines
])
def test_the_project_writers_use_the_one_writer(tmp_path, umask, write, name):
    path = tmp_path / name
    write(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no temp file left behind


def test_no_other_copy_of_the_atomic_writer():
    root = pathlib.Path(__file__).resolve().parents[2]
    here = root / "rewardsmith" / "core" / "atomic.py"
    copies = [str(p.relative_to(root)) for folder in ("rewardsmith", "perf", "scripts")
              for p in sorted((root / folder).rglob("*.py")) if p != here
              and any(word in p.read_text(encoding="utf-8")
                      for word in ("os.replace(", "mkstemp(", "NamedTemporaryFile("))]
    assert not copies, f"write files with rewardsmith.core.atomic instead: {copies}"


def test_a_failed_write_leaves_the_old_file_and_no_temp(tmp_path):
    path = tmp_path / "out.jsonl"
    path.write_text("old\n")

    def boom(fh):
        fh.write("half")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        atomic_write(path, boom)
    assert path.read_text() == "old\n" and os.listdir(tmp_path) == ["out.jsonl"]


def test_missing_folder_and_folder_target_are_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="folder does not exist"):
        atomic_write_text(tmp_path / "no" / "x.json", "x")
    with pytest.raises(UsageError, match="is a folder"):
        atomic_write_text(tmp_path, "x")
    atomic_write_text(tmp_path / "a" / "b" / "x.json", "x", make_parents=True)
    assert (tmp_path / "a" / "b" / "x.json").read_text() == "x"


def test_a_symlink_stays_a_link_and_its_target_is_replaced(tmp_path):
    target = tmp_path / "real.jsonl"
    target.write_text("old")
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    atomic_write_text(link, "new")
    assert link.is_symlink() and target.read_text() == "new"


def test_a_fifo_is_written_through(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    atomic_write_text(fifo, "through the pipe\n")
    reader.join(10)
    assert got == ["through the pipe\n"] and stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_link_to_a_character_device_is_written_through(tmp_path):
    link = tmp_path / "null"
    link.symlink_to("/dev/null")
    atomic_write_text(link, "discarded")
    assert link.is_symlink() and stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert is_special_path(link) and is_special_path("/dev/null")


def test_a_link_into_proc_fd_is_written_through_not_replaced(tmp_path):
    # out -> /proc/self/fd/N -> a regular file: os.stat says "regular file", and replacing the
    # resolved path would unlink the file behind an open descriptor
    behind = tmp_path / "behind.txt"
    with open(behind, "w") as fh:
        fh.write("kept\n")
        fh.flush()
        inode = os.fstat(fh.fileno()).st_ino
        link = tmp_path / "out"
        link.symlink_to(f"/proc/self/fd/{fh.fileno()}")
        assert is_special_path(link)
        atomic_write_text(link, "appended\n")
    assert behind.stat().st_ino == inode and behind.read_text() == "kept\nappended\n"


def test_dash_is_standard_output(capsys):
    atomic_write_text("-", "to stdout\n")
    assert capsys.readouterr().out == "to stdout\n"


def test_score_output_to_a_fifo_and_to_dash(tmp_path, capfd):
    rows = tmp_path / "in.jsonl"
    rows.write_text(json.dumps({"completion": r"\boxed{4}"}) + "\n")
    fifo = tmp_path / "scored"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    assert main(["score", "--reward", "format", "--input", str(rows), "--output", str(fifo),
                 "--quiet"]) == 0
    reader.join(10)
    assert json.loads(got[0])["reward"] == 1.0 and stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert main(["score", "--reward", "format", "--input", str(rows), "--output", "-",
                 "--quiet"]) == 0
    assert json.loads(capfd.readouterr().out)["reward"] == 1.0


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap for a private /dev")
@pytest.mark.parametrize("redirect", ["file", "pipe"])
def test_dev_stdout_stays_a_symlink_as_root(tmp_path, redirect):
    """The reported bug: ``--output /dev/stdout`` as root replaced the symlink with a regular
    file. Run inside bubblewrap with a private /dev, so a regression cannot damage this machine."""
    rows = tmp_path / "in.jsonl"
    rows.write_text(json.dumps({"completion": r"\boxed{4}"}) + "\n")
    out = tmp_path / "stdout.txt"
    script = (f"{sys.executable} -m rewardsmith.cli score --reward format --input {rows} "
              f"--output /dev/stdout --quiet && {sys.executable} -m rewardsmith.cli probe "
              f"--reward length --select emoji --json /dev/stdout >/dev/null && "
              "test -L /dev/stdout && echo STILL-A-LINK >&2")
    if redirect == "file":
        script = f"({script}) > {out}"
    cmd = ["bwrap", "--dev-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--",
           "sh", "-c", script]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0 and "STILL-A-LINK" not in proc.stderr and "bwrap" in proc.stderr:
        pytest.skip(f"bubblewrap cannot run here: {proc.stderr.strip()[:200]}")
    assert proc.returncode == 0, proc.stderr
    assert "STILL-A-LINK" in proc.stderr
    text = out.read_text() if redirect == "file" else proc.stdout
    assert json.loads(text.splitlines()[0])["reward"] == 1.0
