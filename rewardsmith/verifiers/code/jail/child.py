"""A candidate program's process: executes it, then answers calls, or runs it as a script.

Forked by the zygote for every program; everything here runs with the candidate's code in the
same process, so nothing here is trusted by the host. Runs inside the jail: stdlib only.
"""
import builtins
import json
import os
import resource
import signal
import sys
import traceback

from .values import decode, encode


def describe(exc):
    return {"raised": type(exc).__name__, "message": str(exc)[:2000]}


def serve(code, rfd, wfd):
    """Execute the candidate module, then answer requests until the pipe closes."""
    refs = []
    namespace = {"__name__": "__candidate__", "__builtins__": builtins}
    out = os.fdopen(wfd, "w", buffering=1)
    try:
        exec(compile(code, "<candidate>", "exec"), namespace)
        names = {k: callable(v) for k, v in namespace.items()
                 if not k.startswith("__") and type(v).__name__ != "module"}
        out.write(json.dumps({"ok": True, "names": names}) + "\n")
    except BaseException as exc:  # noqa: BLE001 - the candidate may raise anything, SystemExit too
        out.write(json.dumps(describe(exc)) + "\n")
        return
    for line in os.fdopen(rfd, "r"):
        try:
            reply = {"value": encode(_answer(json.loads(line), namespace, refs), refs)}
        except BaseException as exc:  # noqa: BLE001
            reply = describe(exc)
        out.write(json.dumps(reply) + "\n")


def _answer(req, namespace, refs):
    target = refs[req["ref"]] if "ref" in req else namespace[req["name"]]
    if req["op"] == "get":
        return target
    if req["op"] == "getattr":
        return getattr(target, req["attr"])
    if req["op"] == "setattr":
        setattr(target, req["attr"], decode(req["value"], refs))
        return None
    args = decode(req.get("args", []), refs)
    kwargs = dict(decode(req.get("kwargs", {"$dict": []}), refs))
    return target(*args, **kwargs)


def run_script(code):
    """Run the candidate as a script on fds 0/1/2, then exit with its status."""
    sys.stdin = open(0, "r", closefd=False)
    sys.stdout = open(1, "w", closefd=False)
    sys.stderr = open(2, "w", closefd=False)
    status = 0
    try:
        exec(compile(code, "<candidate>", "exec"), {"__name__": "__main__", "__builtins__": builtins})
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001
        traceback.print_exc()
        status = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001
            status = status or 1
    os._exit(status & 0xFF)


def _setup(cpu, keep, config):
    """In a fresh child: own session, limits, no inherited descriptors but ``keep``."""
    os.setsid()
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000")  # the OOM killer takes the candidate, never the zygote
    except OSError:
        pass
    cpu = max(1, int(cpu + 0.999))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    for target, fd in enumerate(keep):
        os.dup2(fd, target)
    os.closerange(len(keep), config["nofile"] + 16)
    os.chdir(config["scratch"][0])
    os.environ.clear()


def fork(cpu, keep, run, config):
    """Fork a child that keeps only ``keep`` (as fds 0..n-1), with CPU and other limits, and
    calls ``run()``; it never returns into the zygote's code."""
    pid = os.fork()
    if pid == 0:
        try:
            _setup(cpu, keep, config)
            run()
        finally:
            os._exit(70)
    return pid
