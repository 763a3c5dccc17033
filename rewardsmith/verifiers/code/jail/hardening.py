"""The zygote's own hardening, done once before any candidate code exists. Runs in the jail.

As root (bwrap run by root, the process backend): become the jail's own uid for good, with no
groups and an empty capability bounding set. Always: no_new_privs, non-dumpable (the candidate,
same uid, can neither ptrace the zygote nor read its /proc files), child subreaper, a seccomp
filter, and rlimits that every forked child inherits.

Everything is imported up front: after the privilege drop the runtime's files may be unreadable.
"""
import gc
import os
import platform
import resource
import struct

try:
    import ctypes
except ImportError:  # pragma: no cover - a Python built without ctypes
    ctypes = None


def libc():
    """The C library through ctypes, or None when ctypes is missing."""
    if ctypes is None:
        return None
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def _drop_privileges(uid):
    """As root inside the jail: become ``uid`` for good (no groups, no capabilities)."""
    lib = libc()
    if lib is None:
        raise SystemExit("sandbox: ctypes is needed to drop privileges")
    for cap in range(64):
        lib.prctl(24, cap, 0, 0, 0)  # PR_CAPBSET_DROP: nothing can be regained by exec
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    if os.getresuid() != (uid, uid, uid) or os.getgroups():
        raise SystemExit("sandbox: could not drop privileges")


# x86_64 and aarch64 numbers of the syscalls a candidate never needs and a jail breaker wants:
# namespaces, mounts, tracing other processes, kernel modules, bpf, keyrings, io_uring, ...
# and the IPC objects that outlive their process and hold memory no rlimit counts: SysV
# shmget/semget/msgget and POSIX mq_open (a detached SysV segment pins memory outside RLIMIT_AS).
_DENY = {
    0xC000003E: (272, 308, 165, 166, 155, 101, 310, 311, 246, 320, 175, 313, 176, 321, 298, 250,
                 248, 249, 323, 167, 168, 169, 163, 304, 425, 426, 427, 428, 429, 430, 432, 433,
                 442, 135, 179, 212, 29, 64, 68, 240),
    0xC00000B7: (97, 268, 40, 39, 41, 117, 270, 271, 104, 294, 105, 273, 106, 280, 241, 219, 217,
                 218, 282, 224, 225, 142, 89, 265, 425, 426, 427, 428, 429, 430, 432, 433, 442,
                 92, 60, 194, 190, 186, 180),
}
_CLONE = {0xC000003E: 56, 0xC00000B7: 220}
_CLONE_NEW_ANY = 0x7E020000  # CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET


def _seccomp_filter(arch):
    """A classic-BPF seccomp program: EPERM for _DENY and namespace-making clone(), ENOSYS for
    clone3 (its flags can't be inspected; libc falls back to clone), allow the rest."""
    ld, jeq, jset, jge, ret = 0x20, 0x15, 0x45, 0x35, 0x06
    allow, eperm, enosys, kill = 0x7FFF0000, 0x00050001, 0x00050026, 0x80000000
    deny = _DENY[arch]
    prog = [(ld, 0, 0, 4), (jeq, 1, 0, arch), (ret, 0, 0, kill), (ld, 0, 0, 0)]
    if arch == 0xC000003E:
        prog += [(jge, 0, 1, 0x40000000), (ret, 0, 0, eperm)]  # no x32 side door
    prog += [(jeq, 0, 1, 435), (ret, 0, 0, enosys)]
    for i, nr in enumerate(deny):  # each jumps to the final shared EPERM
        prog.append((jeq, len(deny) - 1 - i + 5, 0, nr))
    prog += [(jeq, 1, 0, _CLONE[arch]), (ret, 0, 0, allow), (ld, 0, 0, 16),
             (jset, 1, 0, _CLONE_NEW_ANY), (ret, 0, 0, allow), (ret, 0, 0, eperm)]
    return b"".join(struct.pack("HBBI", *ins) for ins in prog)


def install_seccomp(lib):
    """Install the filter on this process (inherited by every child); False when unsupported."""
    arch = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}.get(platform.machine())
    if arch is None or lib is None:
        return False
    code = _seccomp_filter(arch)
    buf = ctypes.create_string_buffer(code, len(code))

    class Prog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    prog = Prog(len(code) // 8, ctypes.addressof(buf))
    return lib.prctl(22, 2, ctypes.byref(prog), 0, 0) == 0  # PR_SET_SECCOMP, MODE_FILTER


def harden(config):
    """Drop privileges (as root), set no_new_privs, non-dumpable, subreaper, seccomp, rlimits;
    then preload modules and freeze the heap. Returns whether seccomp is on."""
    import builtins  # noqa: F401 - imported once here, so children find it loaded
    lib = libc()
    if config.get("uid") is not None and os.getuid() == 0:
        _drop_privileges(config["uid"])
    if lib is not None:
        lib.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS: no setuid binary helps
        lib.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0: the candidate can't ptrace or read our fds
        lib.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: orphans come back to us
    seccomp = bool(config.get("seccomp", True)) and install_seccomp(lib)
    limits = ((resource.RLIMIT_NPROC, config["nproc"]), (resource.RLIMIT_NOFILE, config["nofile"]),
              (resource.RLIMIT_FSIZE, config["fsize"]), (resource.RLIMIT_AS, config["memory"]),
              (resource.RLIMIT_CORE, 0))
    for which, value in limits:
        soft, hard = resource.getrlimit(which)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(which, (value, value))
    for name in config["preload"]:
        try:
            __import__(name)
        except ImportError:
            pass
    gc.collect()
    gc.freeze()  # children never scan (and so never copy) the zygote's objects
    return seccomp
