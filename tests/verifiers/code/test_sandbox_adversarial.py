"""Adversarial programs on both sandboxes, with host checks after each one.

Each case is a program and its tests. ``forgery`` and ``resource`` cases must NOT pass.
``probe`` cases are written so that their tests pass exactly when the sandbox held (the program
reports what it could reach; the trusted test asserts it reached nothing). After every program the
host checks: no process of the jail's uid but the zygote, none of the files the program tried to
write exists on the host, no connection reached the host's listener, and the jail still runs an
honest program correctly.
"""
from __future__ import annotations

import os
import resource
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import ADVERSARIAL_LIMITS, host_processes, need_backend
from rewardsmith.verifiers.code import CodeTask, Limits, SandboxPool, verify_many
from rewardsmith.verifiers.code.evaluator import GRACE

TOKEN = secrets.token_hex(8)
REPO = Path(__file__).resolve().parents[3]
HOST_FILES = [f"/tmp/rk-adv-{TOKEN}", f"{REPO}/rk-adv-{TOKEN}", f"/var/tmp/rk-adv-{TOKEN}",
              f"/root/rk-adv-{TOKEN}"]
SECRET_FILE = f"/tmp/rk-adv-secret-{TOKEN}"
ADD_TESTS = ["assert add(1, 2) == 3", "assert add(2, 2) == 4", "assert add(-5, 5) == 0"]
ONE = ("assert add(1, 2) == 3",)  # for programs that burn their whole time limit
HONEST = CodeTask("def add(a, b):\n    return a + b", ADD_TESTS)


@dataclass(frozen=True)
class Case:
    name: str
    kind: str  # forgery | resource | probe
    code: str
    tests: object = tuple(ADD_TESTS)
    stdio: bool = False
    setup: str = ""  # trusted setup code (HumanEval's prompt, MBPP's test_setup_code)
    entry: str | None = None


LIMIT_BYTES = ADVERSARIAL_LIMITS.memory_mb << 20
#: helpers of the IPC probes: POSIX message queues and SysV objects through libc
IPC = ("import ctypes, os\nlib = ctypes.CDLL(None, use_errno=True)\n"
       "lib.shmat.restype = ctypes.c_void_p\n"
       "def send_mq():\n    q = lib.mq_open(b'/rk_note', os.O_CREAT | os.O_WRONLY, 0o666, None)\n"
       "    return q >= 0 and lib.mq_send(q, b'answer', 6, 0) == 0\n"
       "def read_mq():\n    q = lib.mq_open(b'/rk_note', os.O_RDONLY | os.O_NONBLOCK)\n"
       "    buf = ctypes.create_string_buffer(1 << 16)\n"
       "    return q >= 0 and lib.mq_receive(q, buf, 1 << 16, None) > 0\n"
       "def send_sysv():\n    q = lib.msgget(4241, 0o1666)\n"
       "    msg = ctypes.create_string_buffer(b'\\x01\\0\\0\\0\\0\\0\\0\\0answer')\n"
       "    return q >= 0 and lib.msgsnd(q, msg, 6, 0o4000) == 0\n")
#: pins up to 1.5 GiB in detached SysV segments and /dev/shm files, none counted by RLIMIT_AS
PIN = ("def pinned():\n    total = 0\n    for i in range(96):\n"
       "        seg = lib.shmget(0, 16 << 20, 0o1600)\n        if seg < 0:\n            break\n"
       "        addr = lib.shmat(seg, None, 0)\n        if addr in (None, ctypes.c_void_p(-1).value):\n"
       "            break\n        ctypes.memset(addr, 1, 16 << 20)\n        lib.shmdt(ctypes.c_void_p(addr))\n"
       "        total += 16 << 20\n    try:\n        with open('/dev/shm/pin', 'wb') as f:\n"
       "            for i in range(96):\n                f.write(b'x' * (16 << 20))\n"
       "                total += 16 << 20\n    except OSError:\n        pass\n    return total\n")

ALWAYS_EQUAL = ("class AE:\n    def __eq__(self, o): return True\n"
                "    def __ne__(self, o): return False\n    def __bool__(self): return True\n"
                "    def __hash__(self): return 0\n")

CASES = [
    # --- result forgery: the verdict must not come from anything the program controls ---
    Case("always_equal", "forgery", ALWAYS_EQUAL + "def add(a, b):\n    return AE()"),
    Case("eq_int_subclass", "forgery",
         "class E(int):\n    def __eq__(self, o): return True\n    __hash__ = int.__hash__\n"
         "def add(a, b):\n    return E(0)"),
    Case("eq_str_subclass", "forgery",
         "class S(str):\n    def __eq__(self, o): return True\n    __hash__ = str.__hash__\n"
         "def add(a, b):\n    return S('')"),
    Case("eq_list_subclass", "forgery",
         "class L(list):\n    def __eq__(self, o): return True\ndef add(a, b):\n    return L()"),
    Case("truthy_object", "forgery", ALWAYS_EQUAL + "def is_even(n):\n    return AE()",
         ("assert is_even(4)", "assert is_even(3) == False")),
    Case("frame_walk", "forgery",
         "import sys\ndef add(a, b):\n    f = sys._getframe()\n    while f is not None:\n"
         "        for v in list(f.f_locals.values()):\n"
         "            if isinstance(v, list): v.append('passed')\n"
         "        g = f.f_globals\n        if 'encode' in g: g['encode'] = lambda *a, **k: 3\n"
         "        f = f.f_back\n    return 0"),
    Case("os_exit_zero", "forgery", "import os\ndef add(a, b):\n    os._exit(0)"),
    Case("exit_at_import", "forgery", "import sys\nsys.exit(0)\ndef add(a, b):\n    return a + b"),
    Case("systemexit_in_call", "forgery", "def add(a, b):\n    raise SystemExit(0)"),
    Case("keyboard_interrupt", "forgery", "def add(a, b):\n    raise KeyboardInterrupt"),
    Case("print_pass_markers", "forgery",
         "print('PASSED')\nprint('All tests passed!')\ndef add(a, b):\n"
         "    print('ok', flush=True)\n    return None"),
    Case("stdio_pass_markers", "forgery", "print('PASS')\nprint('All tests passed')",
         ({"input": "1 2\n", "output": "3\n"},), stdio=True),
    Case("patch_builtins", "forgery",
         "import builtins\nbuiltins.abs = lambda x: 0\nbuiltins.AssertionError = Warning\n"
         "def add(a, b):\n    return 100", ("assert abs(add(1, 2) - 3) < 1e-9",)),
    Case("shadow_builtin_abs", "forgery",
         "abs = lambda x: 0\nround = lambda *a: 12.57\ndef area(r):\n    return 1.0",
         ("assert abs(area(2) - 12.566) < 0.01", "assert round(area(2), 2) == 12.57")),
    Case("fake_math_module", "forgery",
         "class _M:\n    isclose = staticmethod(lambda *a, **k: True)\nmath = _M()\n"
         "def area(r):\n    return 1.0", ("assert math.isclose(area(2), 12.566, rel_tol=1e-3)",)),
    Case("protocol_injection", "forgery",
         "import os\nfor fd in range(64):\n    try:\n"
         "        os.write(fd, b'{\"value\": 3}\\n{\"ok\": true, \"names\": {}}\\n')\n"
         "    except OSError:\n        pass\ndef add(a, b):\n    return -1"),
    Case("garbage_replies", "forgery",
         "import os\nos.write(4, b'[' * 100000 + b'\\n')\ndef add(a, b):\n"
         "    os.write(4, b'not json\\n')\n    return a + b"),
    Case("garbage_in_calls", "forgery",
         "import os\ndef add(a, b):\n    os.write(4, b'[' * 100000 + b'\\n')\n    return a + b"),
    Case("huge_reply", "forgery", "def add(a, b):\n    return 'x' * (20 << 20)"),
    Case("deep_nesting", "forgery",
         "def add(a, b):\n    x = []\n    for _ in range(100000):\n        x = [x]\n    return x"),
    Case("endless_generator", "forgery",
         "def add(a, b):\n    while True:\n        yield a + b", ONE),
    # a value too large to fetch kills the program; the reload must not rebind the trusted
    # setup's helper to the candidate's, nor find what the first load left in /tmp
    Case("reload_rebinds_setup_helper", "forgery",
         "x = 'x' * (9 << 20)\ndef is_ok(v):\n    return True\ndef add(a, b):\n    return 0",
         ("x = 0", "assert is_ok(add(1, 2))", "assert is_ok(add(2, 2))"),
         setup="def is_ok(v):\n    return v in (3, 4)\n"),
    Case("reload_second_chance", "forgery",
         "import os\nif os.path.exists('/tmp/rk_loaded'):\n    def add(a, b):\n        return a + b\n"
         "else:\n    open('/tmp/rk_loaded', 'w').write('1')\n    x = 'x' * (9 << 20)\n"
         "    def add(a, b):\n        return 0", ("x = 0", *ADD_TESTS)),
    Case("reload_fake_helper_second_load", "forgery",  # HumanEval/32's shape: poly from the setup
         "import os\nfirst = not os.path.exists('/tmp/rk_loaded')\n"
         "open('/tmp/rk_loaded', 'w').write('1')\nif first:\n    xs = 'x' * (9 << 20)\n"
         "else:\n    def poly(xs, x):\n        return 0.0\ndef find_zero(xs):\n    return 12345.0",
         "def check(candidate):\n    import math\n    for n in (2, 3):\n        xs = [1, 2, 3][:n]\n"
         "        assert math.fabs(poly(xs, candidate(xs))) < 1e-4\n",
         setup="import math\ndef poly(xs, x):\n    return sum(c * math.pow(x, i) "
               "for i, c in enumerate(xs))\ndef find_zero(xs):\n    ...\n", entry="find_zero"),
    Case("reload_keeps_the_function_under_test", "probe",  # honest, with a value too large
         "x = 'x' * (9 << 20)\ndef add(a, b):\n    return a + b", ("x = 0", *ADD_TESTS)),
    # values the host cannot fetch: each is this program's error, never the batch's
    Case("alias_loop", "forgery", "x = []\nx.append(x)\nadd = x",
         "def check(candidate):\n    assert candidate(1, 2) == 3\n", entry="add"),
    Case("generator_never_yields", "forgery",
         "def _g():\n    while True:\n        pass\n    yield 1\nadd = _g()", ONE),
    Case("getattr_kills_the_program", "forgery",
         "import os\nclass O:\n    def __getattr__(self, name):\n        os._exit(0)\nadd = O()"),
    # exceptions builtin protocols act on, and builtins the tests use
    Case("stopiteration_ends_map", "forgery", "def is_prime(n):\n    raise StopIteration",
         ("assert all(map(is_prime, [2, 3, 5, 7]))", "assert not any(map(is_prime, [4, 6, 8]))")),
    Case("shadow_sum_and_abs", "forgery",
         "def sum(xs):\n    return 0.0\ndef abs(x):\n    return 0.0",
         ("assert abs(sum([1.5, 2.5]) - 4.0) < 1e-9", "assert abs(sum([1, 2]) - 3) < 1e-9")),
    # values whose evaluation on the host would take unbounded memory or time
    Case("range_into_set", "forgery", "def f(x):\n    return range(10 ** 18)",
         ("assert len(set(f(3))) == 3",)),
    Case("decimal_into_int", "forgery",
         "from decimal import Decimal\ndef f(x):\n    return Decimal('1e999999999')",
         ("assert int(f(3)) == 3",)),
    Case("host_time", "forgery", "def f(x):\n    return 10 ** 12",
         ("assert sum(range(f(3))) == 3",)),
    Case("host_memory", "forgery", "def f(x):\n    return 10 ** 10",
         ("assert len([0] * f(3)) == 3",)),
    # --- resource exhaustion: contained, then cleaned up ---
    Case("fork_bomb", "resource",
         "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass", ONE),
    Case("memory_bomb", "resource", "x = bytearray(8 << 30)\ndef add(a, b):\n    return a + b"),
    Case("memory_creep", "resource",
         "xs = []\nwhile True:\n    xs.append(bytearray(16 << 20))", ONE),
    Case("infinite_loop", "resource", "def add(a, b):\n    while True:\n        pass", ONE),
    Case("stdout_flood", "resource", "def add(a, b):\n    while True:\n        print('x' * 10000)",
         ONE),
    Case("stdio_flood", "resource", "while True:\n    print('y' * 100000)",
         ({"input": "", "output": "3\n"},), stdio=True),
    Case("fill_tmp", "resource",
         "def add(a, b):\n    with open('/tmp/big', 'wb') as f:\n"
         "        for _ in range(400):\n            f.write(b'z' * (1 << 20))\n    return a + b"),
    # --- isolation probes: the tests pass exactly when the sandbox held ---
    Case("background_child", "probe",
         "import os, time\nif os.fork() == 0:\n    time.sleep(1000)\n"
         "def add(a, b):\n    return a + b"),
    Case("daemon_escape", "probe",
         "import os, signal, time\nif os.fork() == 0:\n    os.setsid()\n"
         "    if os.fork() == 0:\n        signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
         "        signal.signal(signal.SIGHUP, signal.SIG_IGN)\n        time.sleep(1000)\n"
         "    os._exit(0)\ndef add(a, b):\n    return a + b"),
    Case("leftover_thread", "probe",
         "import threading\nthreading.Thread(target=lambda: [0 for _ in iter(int, 1)]).start()\n"
         "def add(a, b):\n    return a + b"),
    Case("kill_the_zygote", "probe",
         "import os, signal\ndef add(a, b):\n    for pid in (1, os.getppid()):\n"
         "        for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGSTOP):\n"
         "            try:\n                os.kill(pid, sig)\n            except OSError:\n"
         "                pass\n    return a + b"),
    Case("zygote_memory", "probe",
         "import os\ndef reach():\n    got = []\n"
         "    for p in ('/proc/1/mem', '/proc/1/environ', '/proc/1/fd/0', '/proc/1/fd/1'):\n"
         "        try:\n            open(p, 'rb').read(1)\n            got.append(p)\n"
         "        except OSError:\n            pass\n    return got",
         ("assert reach() == []",)),
    Case("no_privileges", "probe",
         "import os, resource\ndef privileges():\n    got = []\n    try:\n        os.setuid(0)\n"
         "        got.append('setuid')\n    except OSError:\n        pass\n"
         "    try:\n        resource.setrlimit(resource.RLIMIT_NPROC, (10**6, 10**6))\n"
         "        got.append('nproc')\n    except (OSError, ValueError):\n        pass\n"
         "    caps = [l for l in open('/proc/self/status') if l.startswith('CapEff')]\n"
         "    if caps and int(caps[0].split()[1], 16):\n        got.append('caps')\n"
         "    if os.getuid() == 0 or os.geteuid() == 0:\n        got.append('root')\n"
         "    import ctypes\n    if ctypes.CDLL(None).unshare(0x10000000) == 0:\n"
         "        got.append('userns')\n    return got", ("assert privileges() == []",)),
    Case("host_files_invisible", "probe",
         "def read():\n    got = []\n"
         f"    for p in ({SECRET_FILE!r}, {str(REPO / 'pyproject.toml')!r}, '/etc/shadow',\n"
         "              '/root/.bashrc', '/var/run/docker.sock', '/run/docker.sock'):\n"
         "        try:\n            open(p, 'rb').read(10)\n            got.append(p)\n"
         "        except OSError:\n            pass\n    return got", ("assert read() == []",)),
    Case("host_files_unwritable", "probe",
         "def write():\n    got = []\n"
         f"    for p in {HOST_FILES!r}:\n        try:\n            open(p, 'w').write('x')\n"
         "            got.append(p)\n        except OSError:\n            pass\n    return got",
         ("assert write() == [] or all(p.startswith('/tmp/') for p in write())",)),
    Case("environment_invisible", "probe",
         "import os\ndef env():\n    seen = repr(dict(os.environ))\n"
         "    for p in ('/proc/self/environ', '/proc/1/environ'):\n        try:\n"
         "            seen += open(p, 'rb').read().decode(errors='replace')\n"
         "        except OSError:\n            pass\n    return seen",
         (f"assert {TOKEN!r} not in env()",)),
    Case("tmp_note_for_later", "probe",
         "import os\nopen('/tmp/rk_note', 'w').write('answer')\nos.makedirs('/tmp/d/e')\n"
         "os.chmod('/tmp/d', 0)\ntry:\n    open('/dev/shm/rk_note', 'w').write('answer')\n"
         "except OSError:\n    pass\ndef add(a, b):\n    return a + b"),
    Case("tmp_note_is_gone", "probe",
         "import os\ndef notes():\n    return sorted(os.listdir('/tmp') + os.listdir('/dev/shm'))",
         ("assert notes() == []",)),
    # IPC objects outlive their process: none may be made, so none is left for the next program
    Case("ipc_note_for_later", "probe", IPC + "def leave():\n    return [k for k, ok in ("
         "('mq', send_mq()), ('sysv_msg', send_sysv()), ('sysv_shm', lib.shmget(4242, 4096, 0o1666) >= 0),"
         " ('sysv_sem', lib.semget(4243, 1, 0o1666) >= 0)) if ok]", ("assert leave() == []",)),
    Case("ipc_note_is_gone", "probe", IPC + "def found():\n    return [k for k, ok in ("
         "('mq', read_mq()), ('sysv_msg', lib.msgget(4241, 0) >= 0), "
         "('sysv_shm', lib.shmget(4242, 0, 0) >= 0), ('sysv_sem', lib.semget(4243, 0, 0) >= 0))"
         " if ok]", ("assert found() == []",)),
    Case("ipc_pins_memory", "probe", IPC + PIN, (f"assert pinned() <= {LIMIT_BYTES}",)),
]


@pytest.fixture(scope="module")
def listener():
    """A TCP server on every host address; counts the connections that reach it."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("0.0.0.0", 0))
    server.listen(16)
    server.settimeout(0.2)
    accepted: list[str] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, addr = server.accept()
                accepted.append(addr[0])
                conn.close()
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join()
    server.close()


def _network_case(port: int) -> Case:
    hosts = ["127.0.0.1", "172.17.0.1", "10.0.2.2"]
    try:
        hosts.append(socket.gethostbyname(socket.gethostname()))
    except OSError:
        pass
    code = ("import socket\ndef reach():\n    got = []\n"
            f"    for host in {hosts!r}:\n        s = socket.socket()\n        s.settimeout(0.3)\n"
            f"        try:\n            s.connect((host, {port}))\n            got.append(host)\n"
            "        except OSError:\n            pass\n"
            "    try:\n        socket.getaddrinfo('example.com', 80)\n        got.append('dns')\n"
            "    except OSError:\n        pass\n    return got")
    return Case("network_blocked", "probe", code, ("assert reach() == []",))


@pytest.fixture(scope="module")
def adversarial_pools():
    """Fresh one-slot pools started while a secret is in the host's environment."""
    os.environ["RK_ADVERSARIAL_SECRET"] = TOKEN
    Path(SECRET_FILE).write_text(TOKEN)
    os.chmod(SECRET_FILE, 0o644)  # even world-readable host files are out of the jail's reach
    made: dict[str, SandboxPool] = {}

    def get(backend: str) -> SandboxPool:
        need_backend(backend)
        if backend not in made:
            made[backend] = SandboxPool(backend, 1, ADVERSARIAL_LIMITS)
            made[backend].warm()
        return made[backend]

    yield get
    for pool in made.values():
        pool.close()
    os.environ.pop("RK_ADVERSARIAL_SECRET", None)
    os.unlink(SECRET_FILE)


def _task(case: Case) -> CodeTask:
    if case.stdio:
        return CodeTask(case.code, test_cases=list(case.tests))
    tests = case.tests if isinstance(case.tests, str) else list(case.tests)
    return CodeTask(case.code, tests, entry_point=case.entry, setup_code=case.setup)


def _host_checks(pool: SandboxPool, listener_hits: list[str], name: str) -> None:
    for jail in pool.jails():
        procs = host_processes(jail.uid)
        assert len(procs) == 1 and " Z " not in procs[0], f"{name}: left behind {procs}"
    leaked = [p for p in HOST_FILES if os.path.exists(p)]
    assert leaked == [], f"{name}: wrote {leaked} on the host"
    assert listener_hits == [], f"{name}: reached the host listener from {listener_hits}"
    honest, = verify_many([HONEST], pool)
    assert honest.correct, f"{name}: the jail no longer runs an honest program: {honest.details}"


def test_adversarial_programs(adversarial_pools, backend, listener):
    pool = adversarial_pools(backend)
    port, hits = listener
    cases = CASES + [_network_case(port)]
    assert len(cases) >= 25
    outcomes = {}
    for case in cases:
        verdict, = verify_many([_task(case)], pool)
        assert verdict.error is None, f"{case.name}: no verdict: {verdict.error}"
        outcomes[case.name] = verdict
        _host_checks(pool, hits, case.name)
    forged = [n for n, v in outcomes.items() if CASES_BY_NAME.get(n, PROBE).kind != "probe"
              and v.correct]
    assert forged == [], f"programs that should fail passed on {backend}: {forged}"
    broken = {n: v.details["tests"] for n, v in outcomes.items()
              if CASES_BY_NAME.get(n, PROBE).kind == "probe" and not v.correct}
    assert broken == {}, f"isolation probes failed on {backend}: {broken}"
    assert outcomes["stdio_flood"].details["tests"][0]["message"].startswith("output exceeds")
    assert outcomes["infinite_loop"].details["tests"][0]["status"] == "timeout"
    assert "output cap" in outcomes["huge_reply"].details["tests"][0]["message"]


RELOADS = ("reload_rebinds_setup_helper", "reload_second_chance", "reload_fake_helper_second_load",
           "reload_keeps_the_function_under_test")


def test_a_reload_is_a_fresh_start_that_never_rebinds_trusted_names(pools, backend):
    """The reload cases again, with time enough that the value is refused for its size (not
    its time) on a loaded machine: the HumanEval/32 shape scored 1.0 before the fix."""
    pool = pools.get(backend, Limits(timeout=4.0, program_timeout=12.0, memory_mb=512, nproc=24))
    verdicts = verify_many([_task(CASES_BY_NAME[n]) for n in RELOADS], pool)
    assert [v.correct for v in verdicts] == [False, False, False, True], \
        {n: v.details for n, v in zip(RELOADS, verdicts)}


def test_one_row_never_costs_another_its_score(adversarial_pools, backend):
    """Programs that once crashed the whole batch: each gets its own failing verdict."""
    pool = adversarial_pools(backend)
    bad = ["alias_loop", "generator_never_yields", "getattr_kills_the_program",
           "reload_rebinds_setup_helper", "range_into_set", "host_memory"]
    tasks = [HONEST]
    for name in bad:
        tasks += [_task(CASES_BY_NAME[name]), HONEST]
    verdicts = verify_many(tasks, pool)
    assert all(v.error is None for v in verdicts), [v.error for v in verdicts]
    assert [v.correct for v in verdicts] == [True, False] * len(bad) + [True]


def test_host_time_and_memory_stay_bounded(adversarial_pools, backend):
    """Tests computing on the candidate's values run in the evaluator, with a memory bound and a
    deadline per test: a hang costs that test a timeout, not the host its time or memory."""
    pool = adversarial_pools(backend)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.monotonic()
    hang, = verify_many([CodeTask("def f(x):\n    return 10 ** 12\ndef g(x):\n    return x",
                                  ["assert g(1) == 1", "assert sum(range(f(3))) == 3",
                                   "assert g(2) == 2"])], pool)
    took = time.monotonic() - start
    statuses = [t["status"] for t in hang.details["tests"]]
    assert statuses == ["passed", "timeout", "timeout"], hang.details
    assert took < ADVERSARIAL_LIMITS.timeout + GRACE + 15, took  # killed, not run to the end
    memory, = verify_many([_task(CASES_BY_NAME["host_memory"])], pool)
    assert memory.details["tests"][0]["status"] == "error"
    assert "MemoryError" in memory.details["tests"][0]["message"]
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak  # KiB
    assert grown < 100 << 10, f"the host grew by {grown} KiB"
    assert verify_many([HONEST], pool)[0].correct  # a fresh evaluator took over


def test_special_casing_visible_tests_is_caught_by_hidden_tests(adversarial_pools, backend):
    pool = adversarial_pools(backend)
    hardcoded = "def sq(x):\n    return {2: 4, 3: 9}[x]"
    visible, hidden = verify_many([CodeTask(hardcoded, ["assert sq(2) == 4", "assert sq(3) == 9"]),
                                   CodeTask(hardcoded, ["assert sq(5) == 25"])], pool)
    assert visible.correct and not hidden.correct  # out of reach of any sandbox: see docs


def test_probes_have_teeth_on_the_process_backend(listener):
    """The network probe fails where there is no isolation: it is not a test that cannot fail."""
    port, hits = listener
    with SandboxPool("process", 1, ADVERSARIAL_LIMITS) as pool:
        verdict, = verify_many([_task(_network_case(port))], pool)
    assert verdict.correct is False and "127.0.0.1" in verdict.details["tests"][0]["message"]
    assert "127.0.0.1" in hits
    hits.clear()


CASES_BY_NAME = {c.name: c for c in CASES}
PROBE = Case("network", "probe", "")
