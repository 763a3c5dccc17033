"""The judge verifier: a language model answers "is this right?" under a rubric.

Importable without the plugin layer::

    from rewardkit.verifiers.judge import Judge, HttpBackend, load_rubric, Sample
    judge = Judge(HttpBackend("http://127.0.0.1:8000/v1", "my-model"), load_rubric("equivalence"),
                  model_id="http://127.0.0.1:8000/v1|my-model")
    judge.judge([Sample("What is 2+2?", "4", "four")])
"""
from rewardkit.verifiers.judge.backends import HttpBackend, JudgeError, LocalBackend, Request
from rewardkit.verifiers.judge.cache import ReplyCache, default_cache_path, request_key
from rewardkit.verifiers.judge.judge import Judge, Sample, Usage
from rewardkit.verifiers.judge.rubrics import BUILTIN_RUBRICS, Rubric, clip, load_rubric, quote, render
from rewardkit.verifiers.judge.verdicts import Reading, Reply, read_verdict

__all__ = ["Judge", "Sample", "Usage", "HttpBackend", "LocalBackend", "JudgeError", "Request",
           "ReplyCache", "default_cache_path", "request_key", "Rubric", "BUILTIN_RUBRICS",
           "load_rubric", "quote", "clip", "render", "Reply", "Reading", "read_verdict"]
