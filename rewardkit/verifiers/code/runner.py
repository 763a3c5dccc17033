"""The jail side of the sandbox: a zygote that forks a fresh child per program and relays calls.

This file runs INSIDE the jail (``python -I -S -c <this source> <config json>``) with nothing but
the standard library; it never imports rewardkit. The host treats everything it says as untrusted:
replies are decoded into plain data by the host's strict decoder and every comparison happens on
the host. The zygote only has to be honest about one thing the candidate cannot forge more cheaply
itself: that it killed a child (and the host kills the whole jail when it stops answering).

Wire format: one JSON object per line in each direction. Requests from the host:

* ``{"op": "load", "code", "cpu", "timeout"}``: start a child that executes ``code`` as a module;
  replies ``{"ok": true, "names": {name: callable?}}`` or ``{"raised", "message"}``.
* ``{"op": "call"|"getattr"|"setattr"|"get", ...}``: relayed to the child verbatim; its reply
  relayed back.
* ``{"op": "stdio", "code", "stdin", "timeout", "cpu"}``: run ``code`` as ``__main__`` in a fresh
  child with ``stdin``; replies ``{"stdout", "stderr", "exit", "timeout", "truncated"}``.
* ``{"op": "reset"}``: kill every process but the zygote, reap, wipe /tmp and SysV IPC.

Replies the zygote adds: ``{"timeout": true}``, ``{"died": "..."}``, ``{"too_large": n}``.
"""
import json
import os
import select
import shutil
import signal
import sys
import time

CONFIG = {"nproc": 32, "nofile": 64, "fsize": 16 << 20, "memory": 1 << 30, "reply_cap": 8 << 20,
          "kill_all": True, "preload": [], "scratch": ["/tmp"]}
MAX_ITEMS = 1000000
_CHILD = {"pid": 0, "to": -1, "frm": -1, "buf": b""}


# --- values: the child's lenient encoder (the host decodes strictly) --------------------------
def encode(value, refs, depth=0):
    """Tagged JSON of a plain value; any other object becomes a reference kept in ``refs``."""
    if depth > 200:
        raise ValueError("value nested too deeply")
    t = type(value)
    if value is None or t in (bool, str):
        return value
    if t is int:
        return value if -(10 ** 4000) < value < 10 ** 4000 else {"$int": hex(value)}
    if t is float:
        return value if value == value and value not in (float("inf"), float("-inf")) \
            else {"$float": repr(value)}
    if t is list:
        return [encode(v, refs, depth + 1) for v in value]
    if t is tuple:
        return {"$tuple": [encode(v, refs, depth + 1) for v in value]}
    if t is dict:
        return {"$dict": [[encode(k, refs, depth + 1), encode(v, refs, depth + 1)]
                          for k, v in value.items()]}
    if t in (set, frozenset):
        return {"$" + t.__name__: [encode(v, refs, depth + 1) for v in value]}
    if t in (bytes, bytearray):
        return {"$" + t.__name__: value.hex()}
    if t is complex:
        return {"$complex": [encode(value.real, refs), encode(value.imag, refs)]}
    if t is range:
        return {"$range": [value.start, value.stop, value.step]}
    return _encode_other(value, refs, depth)


def _encode_other(value, refs, depth):
    import fractions
    import decimal
    if isinstance(value, fractions.Fraction):
        return {"$fraction": [value.numerator, value.denominator]}
    if isinstance(value, decimal.Decimal):
        return {"$decimal": str(value)}
    if hasattr(value, "__next__") and hasattr(value, "__iter__"):  # generators, map, zip, ...
        items = []
        for item in value:
            if len(items) >= MAX_ITEMS:
                raise ValueError("iterator yields more than %d items" % MAX_ITEMS)
            items.append(encode(item, refs, depth + 1))
        return {"$iter": items}
    for base in (int, str, float, list, tuple, dict):  # subclasses travel as their base type
        if isinstance(value, base):
            return encode(base(value), refs, depth)
    refs.append(value)
    return {"$ref": len(refs) - 1, "type": type(value).__name__}


def decode(value, refs):
    """Inverse of the host's encoder (the host is trusted: lenient)."""
    if isinstance(value, list):
        return [decode(v, refs) for v in value]
    if not isinstance(value, dict):
        return value
    if "$ref" in value:
        return refs[value["$ref"]]
    (tag, body), = value.items()
    if tag in ("$bytes", "$bytearray"):
        return (bytes if tag == "$bytes" else bytearray).fromhex(body)
    if tag == "$float":
        return float(body)
    if tag == "$int":
        return int(body, 16)
    if tag == "$decimal":
        import decimal
        return decimal.Decimal(body)
    items = [decode(v, refs) for v in body]
    if tag == "$dict":
        return {k: v for k, v in items}
    simple = {"$tuple": tuple, "$set": set, "$frozenset": frozenset, "$iter": iter}
    if tag in simple:
        return simple[tag](items)
    if tag == "$complex":
        return complex(*items)
    if tag == "$range":
        return range(*items)
    if tag == "$fraction":
        import fractions
        return fractions.Fraction(*items)
    raise ValueError("unknown tag %r" % tag)


# --- the child: serves calls into the candidate module ----------------------------------------
def _describe(exc):
    return {"raised": type(exc).__name__, "message": str(exc)[:2000]}


def _child_serve(code, rfd, wfd):
    """Execute the candidate module, then answer requests until the pipe closes."""
    import builtins
    refs = []
    namespace = {"__name__": "__candidate__", "__builtins__": builtins}
    out = os.fdopen(wfd, "w", buffering=1)
    try:
        exec(compile(code, "<candidate>", "exec"), namespace)
        names = {k: callable(v) for k, v in namespace.items()
                 if not k.startswith("__") and type(v).__name__ != "module"}
        out.write(json.dumps({"ok": True, "names": names}) + "\n")
    except BaseException as exc:  # noqa: BLE001 - the candidate may raise anything, SystemExit too
        out.write(json.dumps(_describe(exc)) + "\n")
        return
    for line in os.fdopen(rfd, "r"):
        try:
            reply = {"value": encode(_answer(json.loads(line), namespace, refs), refs)}
        except BaseException as exc:  # noqa: BLE001
            reply = _describe(exc)
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


def _child_stdio(code):
    """Run the candidate as a script on fds 0/1/2, then exit with its status."""
    import builtins
    import traceback
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


def _child_setup(cpu, keep):
    """In a fresh child: own session, limits, no inherited descriptors but ``keep``."""
    import resource  # preloaded by the zygote
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
    os.closerange(len(keep), CONFIG["nofile"] + 16)
    os.chdir(CONFIG["scratch"][0])
    os.environ.clear()


def _fork(cpu, keep, run):
    pid = os.fork()
    if pid == 0:
        try:
            _child_setup(cpu, keep)
            run()
        finally:
            os._exit(70)
    return pid


# --- the zygote --------------------------------------------------------------------------------
def _kill_everyone():
    """Kill every process of this jail except the zygote, reap them, and check none is left."""
    pid = _CHILD["pid"]
    end = time.monotonic() + 5.0
    if pid:
        _signal_all(pid)
        try:
            os.waitpid(pid, 0)  # SIGKILLed: returns at once, no polling on the common path
        except ChildProcessError:
            pass
    while True:
        _reap()
        if not _others_alive(pid) or time.monotonic() > end:
            break
        _signal_all(pid)
        time.sleep(0.001)
    for fd in (_CHILD["to"], _CHILD["frm"]):
        if fd >= 0:
            os.close(fd)
    _CHILD.update(pid=0, to=-1, frm=-1, buf=b"")


def _signal_all(pid):
    if CONFIG["kill_all"]:
        targets = [lambda: os.kill(-1, signal.SIGKILL)]  # everyone we may signal but ourselves
    elif pid:
        targets = [lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)]
    else:
        targets = []
    for kill in targets:
        try:
            kill()
        except OSError:
            pass


def _reap():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _others_alive(pid):
    if not CONFIG["kill_all"]:
        if not pid:
            return False
        try:
            os.killpg(pid, 0)
            return True
        except OSError:
            return False
    me, uid = os.getpid(), os.getuid()
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) != me:
            try:
                if os.stat("/proc/" + name).st_uid == uid:
                    return True
            except OSError:
                continue
    return False


def _wipe_scratch():
    for top in CONFIG["scratch"]:
        for root, dirs, files in os.walk(top, topdown=True, onerror=lambda e: None):
            for d in dirs:
                try:
                    os.chmod(os.path.join(root, d), 0o700)
                except OSError:
                    pass
        for name in os.listdir(top):
            path = os.path.join(top, name)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                try:
                    os.unlink(path)
                except OSError:
                    pass
    _wipe_sysv_ipc()


def _wipe_sysv_ipc():
    """Remove SysV shared memory, semaphores and queues a program may leave for the next one."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
    except (ImportError, OSError):
        return
    for kind, ctl in (("shm", libc.shmctl), ("sem", libc.semctl), ("msg", libc.msgctl)):
        try:
            with open("/proc/sysvipc/" + kind) as f:
                ids = [int(line.split()[1]) for line in f.readlines()[1:] if line.strip()]
        except (OSError, ValueError, IndexError):
            continue
        for ipc_id in ids:
            if kind == "sem":
                ctl(ipc_id, 0, 0, None)  # IPC_RMID = 0
            else:
                ctl(ipc_id, 0, None)


def _read_line(fd, buf, deadline, cap):
    """One line from ``fd`` before ``deadline``: (line, rest) or (None, reason)."""
    while b"\n" not in buf:
        if len(buf) > cap:
            return None, "too_large"
        left = deadline - time.monotonic()
        if left <= 0:
            return None, "timeout"
        ready, _, _ = select.select([fd], [], [], None if left == float("inf") else left)
        if not ready:
            continue
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return None, "died"
        buf += chunk
    line, _, rest = buf.partition(b"\n")
    if len(line) > cap:
        return None, "too_large"
    return line, rest


def _relay(line, req):
    """Send ``line`` to the current child and return its reply line (or the zygote's verdict)."""
    if not _CHILD["pid"]:
        return json.dumps({"died": "no program loaded"}).encode()
    try:
        if line is not None:
            _write_all(_CHILD["to"], line + b"\n")
    except OSError:
        pass
    deadline = time.monotonic() + float(req.get("timeout", 5))
    reply, rest = _read_line(_CHILD["frm"], _CHILD["buf"], deadline, CONFIG["reply_cap"])
    if reply is not None:
        _CHILD["buf"] = rest
        return reply
    what = rest
    detail = _exit_status(_CHILD["pid"]) if what == "died" else None
    _kill_everyone()
    if what == "too_large":
        return json.dumps({"too_large": CONFIG["reply_cap"]}).encode()
    if what == "died":
        return json.dumps({"died": detail or "exited"}).encode()
    return json.dumps({"timeout": True}).encode()


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _exit_status(pid):
    for _ in range(20):
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return None
        if done:
            if os.WIFSIGNALED(status):
                return "killed by signal %d" % os.WTERMSIG(status)
            return "exited with status %d" % os.WEXITSTATUS(status)
        time.sleep(0.005)
    return None


def _load(req):
    _kill_everyone()
    to_r, to_w = os.pipe()
    frm_r, frm_w = os.pipe()
    devnull = os.open("/dev/null", os.O_RDWR)
    code = req["code"]
    pid = _fork(req.get("cpu", 10), [devnull, devnull, devnull, to_r, frm_w],
                lambda: _child_serve(code, 3, 4))
    for fd in (to_r, frm_w, devnull):
        os.close(fd)
    _CHILD.update(pid=pid, to=to_w, frm=frm_r, buf=b"")
    return _relay(None, req)


def _stdio(req):
    _kill_everyone()
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    code = req["code"]
    pid = _fork(req.get("cpu", 10), [in_r, out_w, err_w], lambda: _child_stdio(code))
    for fd in (in_r, out_w, err_w):
        os.close(fd)
    _CHILD.update(pid=pid)
    result = _pump(pid, in_w, out_r, err_r, req["stdin"].encode(), float(req.get("timeout", 5)))
    _kill_everyone()
    return json.dumps(result).encode()


def _pump(pid, in_w, out_r, err_r, data, timeout):
    """Feed stdin, collect stdout (capped) and the tail of stderr, until exit or the deadline."""
    deadline = time.monotonic() + timeout
    os.set_blocking(in_w, False)
    out, err = bytearray(), bytearray()
    res = {"timeout": False, "truncated": False, "exit": None}
    open_fds, exited_at = {out_r: out, err_r: err}, None
    writers = [in_w] if data else []
    if not data:
        os.close(in_w)
    while open_fds or writers:
        now = time.monotonic()
        if now > deadline:
            res["timeout"] = True
            break
        if exited_at is None and _poll_exit(pid, res):
            exited_at = now
        if exited_at is not None and now - exited_at > 0.2:
            break  # a grandchild keeps the pipes open: the program itself has finished
        r, w, _ = select.select(list(open_fds), writers, [], min(0.05, deadline - now))
        for fd in w:
            try:
                data = data[os.write(fd, data[:1 << 16]):]
            except OSError:
                data = b""
            if not data:
                os.close(fd)
                writers = []
        for fd in r:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                os.close(fd)
                del open_fds[fd]
                continue
            buf = open_fds[fd]
            buf += chunk
            if fd == out_r and len(buf) > CONFIG["reply_cap"]:
                res["truncated"] = True
                open_fds.clear()
                writers = []
            elif fd == err_r and len(buf) > 8192:
                del buf[:-4096]
    for fd in list(open_fds) + writers:
        os.close(fd)
    if res["exit"] is None and not res["timeout"]:
        _poll_exit(pid, res, wait=0.5)
    res["stdout"] = out[:CONFIG["reply_cap"]].decode("utf-8", "replace")
    res["stderr"] = err[-4096:].decode("utf-8", "replace")
    return res


def _poll_exit(pid, res, wait=0.0):
    end = time.monotonic() + wait
    while True:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return True
        if done:
            res["exit"] = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -os.WTERMSIG(status)
            return True
        if time.monotonic() >= end:
            return False
        time.sleep(0.005)


def _libc():
    try:
        import ctypes
        return ctypes.CDLL(None, use_errno=True)
    except (ImportError, OSError):
        return None


def _drop_privileges(uid):
    """As root inside the jail: become ``uid`` for good (no groups, no capabilities)."""
    libc = _libc()
    if libc is None:
        raise SystemExit("sandbox: ctypes is needed to drop privileges")
    for cap in range(64):
        libc.prctl(24, cap, 0, 0, 0)  # PR_CAPBSET_DROP: nothing can be regained by exec
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    if os.getresuid() != (uid, uid, uid) or os.getgroups():
        raise SystemExit("sandbox: could not drop privileges")


def _setup_zygote():
    import resource
    import builtins  # noqa: F401 - imported once here, so children find it loaded
    libc = _libc()
    if CONFIG.get("uid") is not None and os.getuid() == 0:
        _drop_privileges(CONFIG["uid"])
    if libc is not None:
        libc.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS: no setuid binary helps
        libc.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0: the candidate can't ptrace or read our fds
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: orphans come back to us
    limits = ((resource.RLIMIT_NPROC, CONFIG["nproc"]), (resource.RLIMIT_NOFILE, CONFIG["nofile"]),
              (resource.RLIMIT_FSIZE, CONFIG["fsize"]), (resource.RLIMIT_AS, CONFIG["memory"]),
              (resource.RLIMIT_CORE, 0))
    for which, value in limits:
        soft, hard = resource.getrlimit(which)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(which, (value, value))
    for name in CONFIG["preload"]:
        try:
            __import__(name)
        except ImportError:
            pass
    import gc
    gc.collect()
    gc.freeze()  # children never scan (and so never copy) the zygote's objects


def main():
    CONFIG.update(json.loads(sys.argv[1]) if len(sys.argv) > 1 else {})
    _setup_zygote()
    if CONFIG["kill_all"] and os.getpid() != 1 and os.getuid() == 0:
        CONFIG["kill_all"] = False  # kill(-1) as root outside a pid namespace would hit the host
    handlers = {"load": _load, "stdio": _stdio}
    os.write(1, json.dumps({"ready": True, "pid": os.getpid()}).encode() + b"\n")
    buf = b""
    while True:
        line, rest = _read_line(0, buf, float("inf"), CONFIG["reply_cap"] * 2)
        if line is None:
            break
        buf = rest
        req = json.loads(line)
        op = req.get("op")
        if op in handlers:
            reply = handlers[op](req)
        elif op == "reset":
            _kill_everyone()
            _wipe_scratch()
            reply = b'{"ok": true}'
        else:
            reply = _relay(line, req)
        _write_all(1, reply + b"\n")
    _kill_everyone()


if __name__ == "__main__":
    main()
