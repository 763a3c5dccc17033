"""Resource limits of one sandboxed program: one dataclass, its help texts the only documentation."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

__all__ = ["Limits"]


@dataclass(frozen=True)
class Limits:
    """What one program may use. Every backend enforces all of them.

    >>> Limits(timeout=2).program_timeout
    30.0
    """

    timeout: float = field(default=5.0, metadata={
        "help": "wall-clock seconds per test (one assert statement, call case or stdin/stdout run)"})
    program_timeout: float = field(default=30.0, metadata={
        "help": "wall-clock seconds for all tests of one program; tests left when it runs out "
                "are reported as 'timeout'"})
    memory_mb: int = field(default=1024, metadata={
        "help": "address-space limit per process in MiB (RLIMIT_AS); docker also caps the "
                "container's total memory"})
    nproc: int = field(default=32, metadata={
        "help": "processes and threads the jail may hold at once (fork bombs stop here)"})
    fsize_mb: int = field(default=16, metadata={
        "help": "largest file a program may write, in MiB (RLIMIT_FSIZE)"})
    nofile: int = field(default=64, metadata={"help": "open file descriptors per process"})
    tmpfs_mb: int = field(default=64, metadata={"help": "size of the private writable /tmp in MiB"})
    output_mb: int = field(default=8, metadata={
        "help": "cap on one reply or on a program's stdout, in MiB (stdout floods stop here)"})
    cpus: float = field(default=1.0, metadata={
        "help": "CPU share of one jail (docker --cpus; bwrap relies on RLIMIT_CPU and the clock)"})
    evaluator_memory_mb: int = field(default=2048, metadata={
        "help": "address-space limit of the trusted process that runs a slot's tests on the host "
                "against the candidate's values, in MiB; a test needing more fails"})

    def __post_init__(self) -> None:
        if self.timeout <= 0 or self.program_timeout <= 0:
            raise ValueError("timeout and program_timeout must be positive seconds")
        if min(self.memory_mb, self.fsize_mb, self.tmpfs_mb, self.output_mb) < 1:
            raise ValueError("memory_mb, fsize_mb, tmpfs_mb and output_mb must be at least 1")
        if self.evaluator_memory_mb < 512:
            raise ValueError("evaluator_memory_mb must be at least 512 (the evaluator is a Python "
                             "process with the sandbox client loaded)")
        if self.nproc < 4 or self.nofile < 16:
            raise ValueError("nproc must be >= 4 and nofile >= 16 (Python itself needs some)")

    def runner_config(self) -> dict:
        """The limits the in-jail zygote applies to itself and its children."""
        return {"nproc": self.nproc, "nofile": self.nofile, "fsize": self.fsize_mb << 20,
                "memory": self.memory_mb << 20, "reply_cap": self.output_mb << 20}

    def as_dict(self) -> dict:
        return asdict(self)
