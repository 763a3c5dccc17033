"""``rewardsmith serve``: an HTTP reward server (OpenRLHF's remote reward protocol, native /score)."""
from __future__ import annotations

import argparse
import dataclasses
import typing

from rewardsmith.cli import Command
from rewardsmith.core.spec import AGGREGATES


class Serve(Command):
    help = ("Serve a reward spec over HTTP. POST /get_reward speaks OpenRLHF's remote reward protocol "
            "({query, prompts, labels} -> {rewards, scores, extra_logs}); POST /score takes {\"rows\": [...]} "
            "shaped as in 'rewardsmith score' and returns them scored; GET /health reports the spec and load. "
            "The server has no authentication: keep it on localhost or a trusted network.")
    epilog = """examples:
  rewardsmith serve --reward math:1+format:0.2
  rewardsmith serve --reward math --host 0.0.0.0 --port 5000 --workers 8
  rewardsmith serve --reward 'code(timeout=5)' --label-column tests --executor ray://head:10001
  curl -s localhost:8000/health
  curl -s localhost:8000/score -d '{"rows": [{"completion": "\\\\boxed{4}", "answer": "4"}]}'
OpenRLHF (0.11): --reward.remote_url http://HOST:PORT/get_reward --data.label_key answer"""

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        from rewardsmith.integrations.serve.config import ServeConfig

        p.add_argument("--reward", required=True, metavar="SPEC",
                       help="reward spec, e.g. 'math:1+format:0.2', or a YAML/JSON spec file")
        p.add_argument("--aggregate", choices=AGGREGATES, default=None,
                       help="how to combine components (default: the spec's, i.e. 'sum')")
        hints = typing.get_type_hints(ServeConfig)
        for f in dataclasses.fields(ServeConfig):
            flag = "--" + f.name.replace("_", "-")
            help_ = f"{f.metadata['help']} (default: {_show(f.default)})"
            if hints[f.name] == tuple[str, ...]:
                p.add_argument(flag, nargs="*", default=f.default, metavar="TEXT", help=help_)
            else:
                p.add_argument(flag, type=hints[f.name], default=f.default, help=help_)

    def run(self, args: argparse.Namespace) -> int:
        from rewardsmith.core.compose import load_reward
        from rewardsmith.core.errors import UsageError
        from rewardsmith.integrations.serve import ServeConfig, run_server

        values = {f.name: getattr(args, f.name) for f in dataclasses.fields(ServeConfig)}
        values["strip"] = tuple(values["strip"])
        try:
            config = ServeConfig(**values)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        try:
            import fastapi  # noqa: F401
            import uvicorn  # noqa: F401
        except ImportError:
            raise UsageError("the server needs FastAPI and uvicorn: pip install 'rewardsmith[serve]'") from None
        reward = load_reward(args.reward, aggregate=args.aggregate)
        from rewardsmith.core.execution import get_executor

        _check_can_listen(config.host, config.port)
        executor = get_executor(config.executor)
        print(f"rewardsmith serve: {reward.spec} on http://{config.host}:{config.port} "
              f"(POST /get_reward, POST /score, GET /health; executor {executor.name})", flush=True)
        run_server(reward, config, executor)
        return 0


def _check_can_listen(host: str, port: int) -> None:
    """A clear error before start-up when the address is taken or invalid (uvicorn would exit 3)."""
    import socket

    from rewardsmith.core.errors import UsageError

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        with socket.socket(infos[0][0], socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(infos[0][4])
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def _show(value: object) -> str:
    if isinstance(value, tuple):
        return " ".join(value) or "none"
    return f"{value:g}" if isinstance(value, float) else str(value)
