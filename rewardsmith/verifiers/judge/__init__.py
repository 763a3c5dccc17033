"""The judge verifier: a language model answers "is this right?" under a rubric.

Importable without the plugin layer::

    from rewardsmith.verifiers.judge import Judge, HttpBackend, load_rubric, Sample
    judge = Judge(HttpBackend("http://127.0.0.1:8000/v1", "my-model"), load_rubric("equivalence"),
                  model_id="http://127.0.0.1:8000/v1|my-model")
    judge.judge([Sample("What is 2+2?", "4", "four")])
"""
from rewardsmith.verifiers.judge.backends import HttpBackend, JudgeError, LocalBackend, Request
from rewardsmith.verifiers.judge.cache import ReplyCache, default_cache_path, request_key
from rewardsmith.verifiers.judge.judge import Judge, Sample, Usage
from rewardsmith.verifiers.judge.rubrics import BUILTIN_RUBRICS, Rubric, clip, load_rubric, quote, render
from rewardsmith.verifiers.judge.verdicts import Reading, Reply, read_verdict

__all__ = ["Judge", "Sample", "Usage", "HttpBackend", "LocalBackend", "JudgeError", "Request",
           "ReplyCache", "default_cache_path", "request_key", "Rubric", "BUILTIN_RUBRICS",
           "load_rubric", "quote", "clip", "render", "Reply", "Reading", "read_verdict"]
