"""The one atomic writer: a reader never sees half a file, and special files stay special.

An ordinary output path is written through a temporary file in the same folder, flushed to
disk and renamed over the path, so a crash leaves the old file or none, never half of one. The
new file gets the mode the existing file had, or ``0o666`` minus the umask (``0644`` usually);
``mkstemp``'s private ``0600`` never leaks out.

Paths that are not ordinary files are written *through*, never renamed over: ``-`` (standard
output), anything under ``/dev`` or ``/proc`` (``/dev/stdout`` is a symlink that a rename as root
would replace with a regular file), character and block devices, FIFOs and sockets. When such a
path is this process's own standard output or error, the text goes through ``sys.stdout`` /
``sys.stderr`` so it stays in order with everything else printed there. A symlink elsewhere is
kept: its target is replaced atomically, the link stays a link.
"""
from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import IO, Any, Callable

from rewardsmith.core.errors import UsageError

__all__ = ["atomic_write", "atomic_write_text", "is_special_path"]

_THROUGH_ROOTS = ("/dev/", "/proc/")


def is_special_path(path: str | os.PathLike) -> bool:
    """True when ``path`` must be written through rather than replaced: ``-``, a path under
    ``/dev`` or ``/proc``, or an existing file that is not a regular file (device, FIFO, socket).

    >>> is_special_path("-"), is_special_path("/dev/stdout"), is_special_path("out.jsonl")
    (True, True, False)
    """
    text = os.fspath(path)
    if text == "-":
        return True
    if os.path.abspath(text).startswith(_THROUGH_ROOTS) or _links_into_devices(text):
        return True
    try:
        mode = os.stat(text).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _links_into_devices(path: str) -> bool:
    """A symlink (chain) that passes through /dev or /proc (``out -> /proc/self/fd/1``)."""
    for _ in range(40):
        if not os.path.islink(path):
            return False
        path = os.path.join(os.path.dirname(os.path.abspath(path)), os.readlink(path))
        if os.path.abspath(path).startswith(_THROUGH_ROOTS):
            return True
    return True  # a loop: let open() report it


def atomic_write(path: str | os.PathLike, write: Callable[[IO[Any]], None], *,
                 binary: bool = False, make_parents: bool = False) -> None:
    """Call ``write(fh)`` with a file object for ``path`` (text mode, UTF-8, unless ``binary``).

    Args:
        path: the output path; ``-`` is standard output (see the module doc for special files).
        write: writes the whole content to the file object it is given.
        binary: open in binary mode.
        make_parents: create missing parent folders; otherwise a missing folder is a UsageError.

    Raises:
        UsageError: the folder is missing (without ``make_parents``) or the path is a folder.
    """
    text = os.fspath(path)
    if is_special_path(text):
        _write_through(text, write, binary)
        return
    target = Path(os.path.realpath(text)) if os.path.islink(text) else Path(text)
    if target.is_dir():
        raise UsageError(f"output path is a folder: {text}")
    folder = target.parent
    if make_parents:
        folder.mkdir(parents=True, exist_ok=True)
    elif not folder.is_dir():
        raise UsageError(f"output folder does not exist: {folder}")
    mode = _mode_for(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})) as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | os.PathLike, content: str, **kwargs: Any) -> None:
    """Write ``content`` to ``path`` with :func:`atomic_write`."""
    atomic_write(path, lambda fh: fh.write(content), **kwargs)


def _write_through(path: str, write: Callable[[IO[Any]], None], binary: bool) -> None:
    stream = _own_stream(path)
    if stream is not None:
        stream.flush()
        write(stream.buffer if binary else stream)
        stream.flush()
        return
    if os.path.isdir(path):
        raise UsageError(f"output path is a folder: {path}")
    # append: never truncate what a shell redirection behind /dev/fd/N already holds
    with open(path, "ab" if binary else "a", **({} if binary else {"encoding": "utf-8"})) as fh:
        write(fh)


def _own_stream(path: str) -> Any:
    """sys.stdout or sys.stderr when ``path`` is ``-`` or the same file as one of them."""
    if path == "-":
        return sys.stdout
    try:
        st = os.stat(path)
    except OSError:
        return None
    for stream in (sys.stdout, sys.stderr):
        try:
            own = os.fstat(stream.fileno())
        except (AttributeError, OSError, ValueError):  # replaced by a StringIO, or closed
            continue
        if (own.st_dev, own.st_ino) == (st.st_dev, st.st_ino):
            return stream
    return None


def _mode_for(target: Path) -> int:
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    """The process umask, read without changing it where Linux allows (os.umask is not
    thread-safe: it sets the mask to read it)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
