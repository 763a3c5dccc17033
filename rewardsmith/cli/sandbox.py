"""``rewardsmith sandbox``: check the sandbox backends, build the docker image, clean up."""
from __future__ import annotations

import argparse
import sys

from rewardsmith.cli import Command


class Sandbox(Command):
    help = ("Inspect and prepare the code sandbox. 'check' runs a tiny program on each backend and "
            "says what works (and how to fix what doesn't); 'build-image' builds the docker image "
            "from this machine's Python (no registry needed; it is also built on first use); "
            "'clean' removes sandbox containers left by dead processes.")
    epilog = """examples:
  rewardsmith sandbox check
  rewardsmith sandbox check --backend docker
  rewardsmith sandbox build-image
  rewardsmith sandbox clean
exit codes: 0 ok; 1 a backend does not work (check) or the build failed; 2 bad usage."""

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("action", choices=("check", "build-image", "clean"), help="what to do")
        p.add_argument("--backend", choices=("bwrap", "docker", "process"), action="append",
                       help="backend(s) to check (default: bwrap and docker)")

    def run(self, args: argparse.Namespace) -> int:
        if args.action == "build-image":
            return _build_image()
        if args.action == "clean":
            from rewardsmith.verifiers.code.backends.docker import DockerBackend
            removed = DockerBackend().remove_stale()
            print(f"removed {removed} stale sandbox container(s)")
            return 0
        return _check(args.backend or ["bwrap", "docker"])


def _build_image() -> int:
    from rewardsmith.verifiers.code.backends.docker import DockerBackend
    from rewardsmith.verifiers.code.image import build_image, image_tag

    backend = DockerBackend()
    backend.check()
    tag = image_tag()
    try:
        backend.client().images.get(tag)
        print(f"{tag} is up to date")
        return 0
    except Exception:  # noqa: BLE001 - not built yet
        pass
    print(build_image(backend.client(), lambda msg: print(msg, file=sys.stderr)))
    return 0


def _check(names: list[str]) -> int:
    from rewardsmith.verifiers.code import Limits, SandboxPool, SandboxUnavailable, verify_many
    from rewardsmith.verifiers.code.verify import CodeTask

    task = CodeTask("def f(x):\n    return x + 1\n", ["assert f(1) == 2"])
    bad = 0
    for name in names:
        try:
            with SandboxPool(name, workers=1, limits=Limits(timeout=30)) as pool:
                verdict = verify_many([task], pool)[0]
            status = "ok" if verdict.ok else f"broken: {verdict.error or verdict.details}"
        except SandboxUnavailable as exc:
            status = f"unavailable: {exc}"
        bad += not status.startswith("ok")
        print(f"{name}: {status}")
    return 1 if bad else 0
