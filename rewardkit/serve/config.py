"""The reward server's settings: one dataclass, its help texts the only documentation."""
from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ServeConfig", "DEFAULT_STRIP"]

#: end-of-sequence markers OpenRLHF leaves in ``query`` (it decodes with special tokens)
DEFAULT_STRIP = ("<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|end_of_text|>", "</s>",
                 "<｜end▁of▁sentence｜>")


@dataclass(frozen=True)
class ServeConfig:
    """How ``rewardkit serve`` listens, limits and answers."""

    host: str = field(default="127.0.0.1", metadata={
        "help": "address to listen on; 0.0.0.0 for every interface (the server has no authentication: "
                "expose it only on a trusted network)"})
    port: int = field(default=8000, metadata={"help": "TCP port to listen on"})
    workers: int = field(default=4, metadata={
        "help": "threads that score requests at the same time (scoring never runs on the event loop)"})
    max_pending: int = field(default=64, metadata={
        "help": "requests accepted at once (scoring or waiting for a thread); more get 503"})
    timeout: float = field(default=120.0, metadata={
        "help": "seconds a request may take, waiting included; then it gets 504 (a sample already "
                "being verified finishes in the background)"})
    max_request_bytes: int = field(default=32 * 1024 * 1024, metadata={
        "help": "largest request body accepted; larger ones get 413"})
    max_rows: int = field(default=20_000, metadata={"help": "most samples in one request; more get 413"})
    label_column: str = field(default="answer", metadata={
        "help": "column the OpenRLHF endpoint passes 'labels' as (the reference the rewards read, "
                "e.g. 'answer' for math, 'tests' for code)"})
    none_value: float = field(default=0.0, metadata={
        "help": "OpenRLHF endpoint: number sent for a sample no reward applies to (OpenRLHF needs a number)"})
    error_value: float = field(default=float("nan"), metadata={
        "help": "OpenRLHF endpoint: number sent for a sample whose reward failed; every failure is also "
                "logged and flagged in extra_logs['rewardkit_error']; default NaN ('no score', sent as the "
                "JSON token NaN that Python clients such as OpenRLHF's parse); set 0 knowingly"})
    strip: tuple[str, ...] = field(default=DEFAULT_STRIP, metadata={
        "help": "OpenRLHF endpoint: end-of-sequence markers removed from the end of each response"})
    executor: str = field(default="local", metadata={
        "help": "where verification runs: 'local', 'ray', 'ray://HOST:PORT' or 'ray:ADDRESS'"})

    def __post_init__(self) -> None:
        for name in ("workers", "max_pending", "max_request_bytes", "max_rows"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name.replace('_', '-')} must be at least 1")
        if not self.timeout > 0:
            raise ValueError("timeout must be a positive number of seconds")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be between 0 and 65535, not {self.port}")
        if not self.label_column:
            raise ValueError("label-column must not be empty")
