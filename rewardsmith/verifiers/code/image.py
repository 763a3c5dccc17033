"""The docker image of the sandbox, built locally from the host's own Python (no registry).

The image is ``FROM scratch``: the interpreter, its shared libraries (found with ``ldd``), and the
standard library without site-packages, tests, IDLE or tkinter, each at the same path as on the
host (the interpreter's RUNPATH points there). It is imported with ``docker import`` from a tar
stream, and tagged by a hash of the files' paths, sizes and mtimes, so a changed runtime gets a new
image and an unchanged one is built once.
"""
from __future__ import annotations

import functools
import hashlib
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterator

from rewardsmith.verifiers.code.backends.base import SandboxUnavailable, python_runtime

__all__ = ["IMAGE_REPO", "runtime_files", "image_tag", "ensure_image", "build_image"]

IMAGE_REPO = "rewardsmith-sandbox"
_SKIP_DIRS = {"site-packages", "dist-packages", "test", "tests", "idlelib", "tkinter",
              "turtledemo", "ensurepip", "lib2to3", "pydoc_data", "venv"}
_LDD_PATH = re.compile(r"(/\S+) \(0x")


def _ldd(path: str) -> list[str]:
    try:
        out = subprocess.run(["ldd", path], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return _LDD_PATH.findall(out)


def _stdlib_files(libdir: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(libdir):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("config-"))
        for name in sorted(files):
            if ".opt-" in name or name.startswith("_tkinter"):  # no -O in the jail, no Tk
                continue
            yield Path(root) / name


@functools.lru_cache(maxsize=1)
def _runtime_files() -> tuple[str, ...]:
    exe, prefix = python_runtime()
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    libdir = Path(prefix) / "lib" / version
    files = {exe}
    files.update(str(p) for p in _stdlib_files(libdir))
    shared = [exe] + [p for p in files if p.endswith(".so") and "_tkinter" not in p]
    for binary in shared:
        files.update(_ldd(binary))
    return tuple(sorted(files))


def runtime_files() -> list[str]:
    """Absolute host paths of every file the jail's Python needs (same path in the image)."""
    return list(_runtime_files())


def image_tag(files: list[str] | None = None) -> str:
    """``rewardsmith-sandbox:<hash of paths, sizes and mtimes>``."""
    digest = hashlib.sha256(b"rewardsmith-sandbox-v1\n")
    for path in files if files is not None else runtime_files():
        st = os.stat(path)
        digest.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return f"{IMAGE_REPO}:{digest.hexdigest()[:16]}"


def _write_rootfs(files: list[str], out: Any) -> None:
    with tarfile.open(fileobj=out, mode="w") as tar:
        dirs = {"/tmp"}
        for path in files:
            parent = os.path.dirname(path)
            while parent not in ("/", ""):
                dirs.add(parent)
                parent = os.path.dirname(parent)
        for d in sorted(dirs):
            info = tarfile.TarInfo(d.lstrip("/"))
            info.type, info.mode = tarfile.DIRTYPE, 0o1777 if d == "/tmp" else 0o755
            tar.addfile(info)
        for path in files:
            info = tar.gettarinfo(os.path.realpath(path), arcname=path.lstrip("/"))
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            info.mode &= 0o755
            with open(path, "rb") as f:
                tar.addfile(info, f)


def build_image(client: Any, progress: Callable[[str], None] | None = None) -> str:
    """Build (or rebuild) the image and return its tag."""
    files = runtime_files()
    tag = image_tag(files)
    say = progress or (lambda msg: None)
    say(f"building docker image {tag} from {len(files)} files of the host's Python")
    repo, _, version = tag.partition(":")
    with tempfile.TemporaryFile() as tmp:
        _write_rootfs(files, tmp)
        tmp.seek(0)
        client.api.import_image(
            src=tmp, repository=repo, tag=version,
            changes=["WORKDIR /tmp", "USER 65534:65534", "LABEL rewardsmith.sandbox=1"])
    try:
        client.images.get(tag)
    except Exception as exc:  # noqa: BLE001 - docker.errors.ImageNotFound and friends
        raise SandboxUnavailable(f"building the sandbox image {tag} failed: {exc}") from None
    say(f"built {tag}")
    return tag


def ensure_image(client: Any, progress: Callable[[str], None] | None = None) -> str:
    """The tag of an up-to-date sandbox image, building it on first use."""
    tag = image_tag()
    try:
        client.images.get(tag)
        return tag
    except Exception:  # noqa: BLE001 - not built yet
        return build_image(client, progress)
