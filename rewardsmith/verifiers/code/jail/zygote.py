"""The zygote: the jail's pid 1. Forks a fresh child per program, relays calls, cleans up.

Runs inside the jail with the standard library only (see :mod:`rewardsmith.verifiers.code.jail`).
Nothing it says is trusted by the host beyond "this is plain data"; what it must get right is
that after each program no process but itself is left (``kill(-1)``, reap, check /proc) and
nothing persists (/tmp and SysV IPC wiped).

Wire format: one JSON object per line in each direction. Requests from the host:

* ``{"op": "load", "code", "cpu", "timeout"}``: start a child that executes ``code`` as a module;
  replies ``{"ok": true, "names": {name: callable?}}`` or ``{"raised", "message"}``.
* ``{"op": "call"|"getattr"|"setattr"|"get", ...}``: relayed to the child verbatim; its reply
  relayed back.
* ``{"op": "stdio", "code", "stdin", "timeout", "cpu"}``: run ``code`` as ``__main__`` in a fresh
  child with ``stdin``; replies ``{"stdout", "stderr", "exit", "timeout", "truncated"}``.
* ``{"op": "reset"}``: kill every process but the zygote, reap, wipe /tmp, /dev/shm, POSIX
  message queues and SysV IPC. A ``load`` or ``stdio`` after another child ran does the same
  first, so a reloaded program never finds what its earlier run left.

Replies the zygote adds: ``{"timeout": true}``, ``{"died": "..."}``, ``{"too_large": n}``.
"""
import json
import os
import select
import shutil
import signal
import time

from . import child, hardening

CONFIG = {"nproc": 32, "nofile": 64, "fsize": 16 << 20, "memory": 1 << 30, "reply_cap": 8 << 20,
          "kill_all": True, "preload": [], "scratch": ["/tmp"],
          "ipc_dirs": ["/dev/shm", "/dev/mqueue"]}
#: the current child; ``dirty``: a child ran since the last wipe, so the next one must not start
#: before everything it may have left (files, IPC objects) is gone
_CHILD = {"pid": 0, "to": -1, "frm": -1, "buf": b"", "dirty": False}


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


def _fresh():
    """Before a new child: kill the last one's processes, and wipe what it left, if it ran."""
    _kill_everyone()
    if _CHILD["dirty"]:
        _wipe_scratch()
    _CHILD["dirty"] = True


def _wipe_scratch():
    _CHILD["dirty"] = False
    for top in CONFIG["scratch"] + [d for d in CONFIG["ipc_dirs"] if os.access(d, os.W_OK)]:
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
    """Remove SysV shared memory, semaphores and queues a program may leave for the next one
    (seccomp already refuses to create them; this covers a jail where seccomp is off)."""
    libc = hardening.libc()
    if libc is None:
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
    if b"\n" not in buf:
        buf = bytearray(buf)  # grows in place: a reply of many chunks costs linear time
        while True:
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
            if b"\n" in chunk:
                break
    line, _, rest = bytes(buf).partition(b"\n")
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
    _fresh()
    to_r, to_w = os.pipe()
    frm_r, frm_w = os.pipe()
    devnull = os.open("/dev/null", os.O_RDWR)
    code = req["code"]
    pid = child.fork(req.get("cpu", 10), [devnull, devnull, devnull, to_r, frm_w],
                lambda: child.serve(code, 3, 4), CONFIG)
    for fd in (to_r, frm_w, devnull):
        os.close(fd)
    _CHILD.update(pid=pid, to=to_w, frm=frm_r, buf=b"")
    return _relay(None, req)


def _stdio(req):
    _fresh()
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    code = req["code"]
    pid = child.fork(req.get("cpu", 10), [in_r, out_w, err_w], lambda: child.run_script(code), CONFIG)
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


def main(config):
    """Harden, say hello, then serve the host's requests on fds 0/1 until end of input."""
    CONFIG.update(config)
    CONFIG["seccomp"] = hardening.harden(CONFIG)
    if CONFIG["kill_all"] and os.getpid() != 1 and os.getuid() == 0:
        CONFIG["kill_all"] = False  # kill(-1) as root outside a pid namespace would hit the host
    handlers = {"load": _load, "stdio": _stdio}
    _write_all(1, json.dumps({"ready": True, "pid": os.getpid(),
                              "seccomp": CONFIG["seccomp"]}).encode() + b"\n")
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
