"""The reward server's settings: one dataclass, its help texts the only documentation."""
from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ServeConfig", "DEFAULT_STRIP"]

#: end-of-sequence markers OpenRLHF leaves in ``query`` (it decodes with special tokens)
DEFAULT_STRIP = ("<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|end_of_text|>", "</s>",
                 "<｜end▁of▁sentence｜>")


@dataclass(frozen=True)
class ServeConfig:
    """How ``rewardsmith serve`` listens, limits and answers."""

    host: str = field(default="127.0.0.1", metadata={
        "help": "address to listen on; 0.0.0.0 for every interface (the server has no authentication: "
                "expose it only on a trusted network)"})
    port: int = field(default=8000, metadata={"help": "TCP port to listen on"})
    workers: int = field(default=4, metadata={
        "help": "threads that score requests at the same time (scoring never runs on the event loop)"})
    max_pending: int = field(default=64, metadata={
        "help": "requests accepted at once (scoring or waiting for a thread); more get 503. Requests "
                "still sending their body do not count (see --body-timeout)"})
    body_timeout: float = field(default=10.0, metadata={
        "help": "seconds a client may take to send its request body; slower ones get 408. Bodies being "
                "received hold no --max-pending slot (their bytes together are bounded by "
                "max-pending x max-request-bytes)"})
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
    error_value: str = field(default="group_mean", metadata={
        "help": "OpenRLHF endpoint: number sent for a sample whose reward failed (or could not be placed, or "
                "lacks its label): 'group_mean' (the mean of the recent valid samples of the same prompt, so "
                "its advantage is about 0: neither rewarded nor punished) or a fixed number, knowingly. "
                "Every failure is also flagged in extra_logs['rewardsmith_error'] and logged"})
    max_error_rate: float = field(default=0.05, metadata={
        "help": "OpenRLHF endpoint: when more than this share of the last --error-window samples failed, "
                "the server stops scoring and answers 500 with the reason, so a broken reward cannot train "
                "a model quietly (0: stop at the first failure)"})
    error_window: int = field(default=256, metadata={
        "help": "how many recent samples --max-error-rate is taken over"})
    strip: tuple[str, ...] = field(default=DEFAULT_STRIP, metadata={
        "help": "OpenRLHF endpoint: end-of-sequence markers removed from the end of each response"})
    executor: str = field(default="local", metadata={
        "help": "where verification runs: 'local', 'ray', 'ray://HOST:PORT' or 'ray:ADDRESS'"})

    def __post_init__(self) -> None:
        for name in ("workers", "max_pending", "max_request_bytes", "max_rows"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name.replace('_', '-')} must be at least 1")
        for name in ("timeout", "body_timeout"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name.replace('_', '-')} must be a positive number of seconds")
        if not 0 <= self.max_error_rate <= 1:
            raise ValueError(f"max-error-rate must be between 0 and 1, not {self.max_error_rate}")
        if self.error_window < 1:
            raise ValueError("error-window must be at least 1")
        from rewardsmith.integrations.failures import parse_error_value

        parse_error_value(self.error_value)
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be between 0 and 65535, not {self.port}")
        if not self.label_column:
            raise ValueError("label-column must not be empty")
