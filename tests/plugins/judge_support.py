"""Helpers of the judge tests: a tiny judge model that always answers one word, and a real
`transformers serve` process on loopback."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

CHAT_TEMPLATE = ("{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
                 "{% if add_generation_prompt %}assistant: {% endif %}")


def build_word_judge(path: str | Path, word: str = "yes") -> Path:
    """A tiny Llama (from rewardsmith.models.tiny) whose weights make it a bigram machine that
    answers ``word`` and stops, whatever the prompt: its layers add nothing to the residual and
    its head maps each token of ``word`` to the next one. A real model for a real server, with a
    known verdict."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from rewardsmith.models.tiny import build_tiny_llama
    out = build_tiny_llama(path, hidden_size=128, num_layers=1, num_heads=4, intermediate_size=64)
    tok = AutoTokenizer.from_pretrained(out)
    tok.chat_template = CHAT_TEMPLATE
    tok.save_pretrained(out)
    config = LlamaConfig.from_pretrained(out)
    config.tie_word_embeddings = False
    model = LlamaForCausalLM(config)
    vocab = config.vocab_size
    with torch.no_grad():
        basis = torch.linalg.qr(torch.randn(config.hidden_size, config.hidden_size,
                                            generator=torch.Generator().manual_seed(0)))[0]
        emb = basis[:vocab].clone()  # (V, H) orthonormal rows: token identity survives the norm
        model.model.embed_tokens.weight.copy_(emb)
        for layer in model.model.layers:
            layer.self_attn.o_proj.weight.zero_()
            layer.mlp.down_proj.weight.zero_()
        ids = [tok.convert_tokens_to_ids(ch) for ch in word] + [tok.eos_token_id]
        nxt = torch.full((vocab,), ids[0])  # any token -> the word's first character
        for a, b in zip(ids, ids[1:]):
            nxt[a] = b
        head = torch.zeros(vocab, config.hidden_size)
        head.index_add_(0, nxt, emb * 10.0)  # logit of next(i) given token i is large
        model.lm_head.weight.copy_(head)
    model.save_pretrained(out)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_command(model_dir: str | Path, port: int) -> list[str]:
    """`transformers serve` on 127.0.0.1 (the console script, or the module when it is missing)."""
    exe = shutil.which("transformers", path=os.path.dirname(sys.executable))  # this interpreter's own
    head = [exe] if exe else [sys.executable, "-m", "transformers.cli.transformers"]
    return [*head, "serve", str(model_dir), "--host", "127.0.0.1", "--port", str(port), "--device", "cpu"]


class Server:
    """A `transformers serve` process serving ``model_dir`` on a free loopback port."""

    def __init__(self, model_dir: str | Path, log_path: str | Path, startup_timeout: float = 300.0) -> None:
        import httpx
        self.model = str(model_dir)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(serve_command(model_dir, self.port), stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"transformers serve exited with {self.proc.returncode}; "
                                   f"see {log_path}")
            try:
                if httpx.get(f"{self.base_url}/models", timeout=2.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"transformers serve did not start within {startup_timeout:.0f} s; see {log_path}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)  # our own process group (start_new_session)
            self.proc.wait(timeout=30)
        self.log.close()
