"""The reward server: an ASGI app (FastAPI, served by uvicorn).

Endpoints:

* ``POST /get_reward``: OpenRLHF's remote reward protocol (see :mod:`rewardsmith.integrations.serve.protocol`).
* ``POST /score``: rows in, scored rows out, exactly as ``rewardsmith score``.
* ``GET /health``: the reward spec, the load, and request counts.

Each request body is read on the event loop, bounded by ``max_request_bytes`` (413) and by its own
short ``body_timeout`` (408), without holding a scoring slot: clients that trickle their bodies
cannot fill ``max_pending``; the bytes buffered across all bodies are bounded too (503). Parsing, scoring and encoding run in a thread pool of ``workers`` threads, so
the loop keeps answering while verification runs. At most ``max_pending`` requests are in flight
(503 beyond); a request that takes longer than ``timeout`` seconds gets 504. A malformed request
(bad JSON, NaN tokens, nesting too deep, wrong shapes) gets 4xx with ``{"error": message}``; an
unexpected failure gets 500 with the message and is logged with its traceback; the server keeps
serving. Answers are strict JSON (never ``NaN``).

The OpenRLHF endpoint follows the failure policy of :mod:`rewardsmith.integrations.failures`: a
sample that failed, could not be placed, or lacks its label gets a finite stand-in and a flag;
past ``max_error_rate`` the server stops scoring and answers 500 with the reason.
"""
# No ``from __future__ import annotations`` here: FastAPI reads the handlers' annotations at run
# time, and ``Request`` is imported inside create_app (FastAPI is imported only when serving).
import asyncio
import json
import logging
from functools import partial
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, Callable

from rewardsmith.core.compose import ComposedReward
from rewardsmith.core.errors import RewardError, UsageError
from rewardsmith.core.execution import Executor, get_executor
from rewardsmith.core.rows import score_rows
from rewardsmith.integrations.failures import ErrorRateExceeded, FailureTracker, parse_error_value, score_scorable
from rewardsmith.integrations.serve.config import ServeConfig
from rewardsmith.integrations.serve.protocol import RequestFailed, openrlhf_batch, openrlhf_response, request_rows

__all__ = ["create_app", "run_server"]

log = logging.getLogger("rewardsmith.integrations.serve")


def _encode(obj: Any) -> bytes:
    """Strict JSON: a NaN or infinity here is a bug, answered 500, never sent as a bare token."""
    return json.dumps(obj, ensure_ascii=False, allow_nan=False).encode("utf-8")


def _no_constant(token: str) -> Any:
    raise RequestFailed(400, f"invalid JSON: {token} is not a JSON number (send null or a number)")


def _parse(body: bytes) -> Any:
    try:
        return json.loads(body, parse_constant=_no_constant)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RequestFailed(400, f"invalid JSON: {exc}") from None
    except RecursionError:
        raise RequestFailed(400, "invalid JSON: nested too deeply") from None


class _Server:
    """State shared by the handlers: the reward, the executor, the thread pool and counters."""

    def __init__(self, reward: ComposedReward, config: ServeConfig, executor: Executor | None) -> None:
        self.reward = reward
        self.config = config
        self.executor = executor if executor is not None else get_executor(config.executor)
        self.pool = ThreadPoolExecutor(max_workers=config.workers, thread_name_prefix="rewardsmith-score")
        self.pending = 0  # touched only on the event loop
        self.receiving = 0  # likewise: bodies being received, and their bytes so far
        self.buffered = 0
        self.counts: Counter[str] = Counter()
        self.unscorable: Counter[str] = Counter()  # samples not placed or without their label
        self.failures = FailureTracker(config.max_error_rate, config.error_window,
                                       parse_error_value(config.error_value), where="rewardsmith serve")

    async def read_body(self, request: Any) -> bytes:
        """The body, bounded by ``max_request_bytes`` per request and, across all the bodies being
        received, by ``max_pending * max_request_bytes`` (the memory the old slot limit bounded)."""
        from starlette.requests import ClientDisconnect

        limit = self.config.max_request_bytes
        budget = self.config.max_pending * limit
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise RequestFailed(413, f"request body of {declared} bytes; the limit is {limit} "
                                     "(--max-request-bytes)")
        body = bytearray()
        try:
            async for chunk in request.stream():
                if self.buffered + len(chunk) > budget:
                    raise RequestFailed(503, "busy: too many request bodies being received at once; retry later")
                body += chunk
                self.buffered += len(chunk)
                if len(body) > limit:
                    raise RequestFailed(413, f"request body over the limit of {limit} bytes "
                                             "(--max-request-bytes)")
        except ClientDisconnect:
            raise RequestFailed(400, "the client went away before sending the whole body") from None
        finally:
            self.buffered -= len(body)
        return bytes(body)

    async def receive(self, request: Any) -> bytes:
        """The body, within its own short ``body_timeout`` (408). Receiving holds no scoring slot:
        clients that trickle their bodies cannot keep anyone else from being scored."""
        self.receiving += 1
        try:
            return await asyncio.wait_for(self.read_body(request), self.config.body_timeout)
        except asyncio.TimeoutError:
            raise RequestFailed(408, f"the request body took longer than {self.config.body_timeout:g} s "
                                     "to arrive (--body-timeout)") from None
        finally:
            self.receiving -= 1

    async def handle(self, request: Any, work: Callable[[bytes], Any]) -> Any:
        """Read the body, then run ``work(body)`` in the pool within the time limit."""
        body = await self.receive(request)
        if self.pending >= self.config.max_pending:
            raise RequestFailed(503, f"busy: {self.pending} requests in flight (--max-pending); retry later")
        self.pending += 1
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.timeout
        try:
            future = self.pool.submit(self._guarded, work, body)
            try:
                return await asyncio.wait_for(asyncio.wrap_future(future), max(deadline - loop.time(), 0.001))
            except asyncio.TimeoutError:
                future.cancel()
                raise RequestFailed(504, f"scoring took longer than {self.config.timeout:g} s "
                                         "(--timeout)") from None
        finally:
            self.pending -= 1

    @staticmethod
    def _guarded(work: Callable[[bytes], Any], body: bytes) -> Any:
        """Runs in a pool thread: maps every failure to a RequestFailed with a message."""
        try:
            return work(body)
        except RequestFailed:
            raise
        except UsageError as exc:
            raise RequestFailed(400, str(exc)) from None
        except ErrorRateExceeded as exc:
            raise RequestFailed(500, str(exc)) from None
        except RecursionError:
            raise RequestFailed(400, "the request is nested too deeply to score or echo back") from None
        except RewardError as exc:
            raise RequestFailed(500, f"reward failed: {exc}") from None
        except Exception as exc:  # noqa: BLE001 - a bug must not take the server down; it is logged
            log.exception("internal error while scoring a request")
            raise RequestFailed(500, f"internal error: {type(exc).__name__}: {exc}") from None

    # --- the work of each endpoint, run in a pool thread ----------------------------------
    def openrlhf(self, body: bytes) -> bytes:
        if self.failures.stopped:
            raise ErrorRateExceeded(self.failures.stopped)
        batch = openrlhf_batch(_parse(body), self.config, self.reward)
        for e in batch.errors:
            if e is not None:
                self.unscorable["missing_label" if "missing label" in e else "unplaced"] += 1
        values, errors = score_scorable(partial(self.executor.score, self.reward), self.reward, batch.prompts,
                                        batch.completions, batch.columns, batch.errors)
        groups = [p if p is not None else "" for p in batch.prompts]
        settled, failed = self.failures.settle(values, errors, groups)
        return _encode(openrlhf_response(settled, failed, self.config))

    def rows(self, body: bytes) -> bytes:
        rows = request_rows(_parse(body), self.reward, self.config)
        scored = score_rows(self.reward, rows, score_fn=self.executor.score_rows)
        return _encode({"rows": scored})

    def health(self) -> dict[str, Any]:
        from rewardsmith import __version__

        spec = self.reward.spec
        failures = self.failures.stats()
        return {"status": "stopped" if failures["stopped"] else "ok", "version": __version__,
                "reward": str(spec), "aggregate": spec.aggregate,
                "components": spec.labels, "required_columns": self.reward.required_columns(),
                "executor": self.executor.name, "pending": self.pending, "receiving": self.receiving,
                "requests": dict(self.counts), "reward_errors": dict(self.reward.error_counts),
                "unscorable": dict(self.unscorable), "failures": failures}

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.executor.close()


def create_app(reward: ComposedReward, config: ServeConfig | None = None,
               executor: Executor | None = None) -> Any:
    """The FastAPI app serving ``reward``.

    Args:
        reward: the composed reward to serve.
        config: limits and protocol settings (defaults: :class:`ServeConfig`).
        executor: where scoring runs; default: ``config.executor``. The app closes it on shutdown.

    Returns:
        An ASGI application (``fastapi.FastAPI``).
    """
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse, Response

    from rewardsmith import __version__

    server = _Server(reward, config or ServeConfig(), executor)

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # noqa: ANN202
        yield
        server.close()

    app = FastAPI(title="rewardsmith reward server", version=__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None)
    app.state.rewardsmith = server

    @app.exception_handler(RequestFailed)
    async def failed(request: Request, exc: RequestFailed) -> JSONResponse:
        server.counts[str(exc.status)] += 1
        return JSONResponse({"error": exc.message}, status_code=exc.status)

    async def answer(request: Request, work: Callable[[bytes], bytes]) -> Response:
        content = await server.handle(request, work)
        server.counts["200"] += 1
        return Response(content, media_type="application/json")

    @app.post("/get_reward")
    async def get_reward(request: Request) -> Response:
        """OpenRLHF: {query, prompts, labels} -> {rewards, scores, extra_logs}."""
        return await answer(request, server.openrlhf)

    @app.post("/score")
    async def score(request: Request) -> Response:
        """Rows as in ``rewardsmith score`` -> the same rows with reward fields."""
        return await answer(request, server.rows)

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return server.health()

    return app


def run_server(reward: ComposedReward, config: ServeConfig, executor: Executor | None = None) -> None:
    """Serve ``reward`` with uvicorn until interrupted (Ctrl-C, SIGTERM)."""
    import uvicorn

    app = create_app(reward, config, executor)
    uvicorn.run(app, host=config.host, port=config.port, log_level="info", timeout_graceful_shutdown=10)
