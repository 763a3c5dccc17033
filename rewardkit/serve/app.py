"""The reward server: an ASGI app (FastAPI, served by uvicorn).

Endpoints:

* ``POST /get_reward``: OpenRLHF's remote reward protocol (see :mod:`rewardkit.serve.protocol`).
* ``POST /score``: rows in, scored rows out, exactly as ``rewardkit score``.
* ``GET /health``: the reward spec, the load, and request counts.

Each request body is read on the event loop (bounded by ``max_request_bytes`` and ``timeout``);
parsing, scoring and encoding run in a thread pool of ``workers`` threads, so the loop keeps
answering while verification runs. At most ``max_pending`` requests are in flight (503 beyond);
a request that takes longer than ``timeout`` seconds gets 504. A malformed request gets 4xx with
``{"error": message}``; an unexpected failure gets 500 with the message and is logged with its
traceback; the server keeps serving.
"""
# No ``from __future__ import annotations`` here: FastAPI reads the handlers' annotations at run
# time, and ``Request`` is imported inside create_app (FastAPI is imported only when serving).
import asyncio
import json
import logging
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, Callable

from rewardkit.core.compose import ComposedReward
from rewardkit.core.errors import RewardError, UsageError
from rewardkit.core.execution import Executor, get_executor
from rewardkit.core.rows import score_rows
from rewardkit.serve.config import ServeConfig
from rewardkit.serve.protocol import RequestFailed, openrlhf_batch, openrlhf_response, request_rows

__all__ = ["create_app", "run_server"]

log = logging.getLogger("rewardkit.serve")


def _encode(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode("utf-8")


def _parse(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RequestFailed(400, f"invalid JSON: {exc}") from None


class _Server:
    """State shared by the handlers: the reward, the executor, the thread pool and counters."""

    def __init__(self, reward: ComposedReward, config: ServeConfig, executor: Executor | None) -> None:
        self.reward = reward
        self.config = config
        self.executor = executor if executor is not None else get_executor(config.executor)
        self.pool = ThreadPoolExecutor(max_workers=config.workers, thread_name_prefix="rewardkit-score")
        self.pending = 0  # touched only on the event loop
        self.counts: Counter[str] = Counter()

    async def read_body(self, request: Any) -> bytes:
        from starlette.requests import ClientDisconnect

        limit = self.config.max_request_bytes
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise RequestFailed(413, f"request body of {declared} bytes; the limit is {limit} "
                                     "(--max-request-bytes)")
        body = bytearray()
        try:
            async for chunk in request.stream():
                body += chunk
                if len(body) > limit:
                    raise RequestFailed(413, f"request body over the limit of {limit} bytes "
                                             "(--max-request-bytes)")
        except ClientDisconnect:
            raise RequestFailed(400, "the client went away before sending the whole body") from None
        return bytes(body)

    async def handle(self, request: Any, work: Callable[[bytes], Any]) -> Any:
        """Read the body, then run ``work(body)`` in the pool within the time limit."""
        if self.pending >= self.config.max_pending:
            raise RequestFailed(503, f"busy: {self.pending} requests in flight (--max-pending); retry later")
        self.pending += 1
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.timeout
        try:
            try:
                body = await asyncio.wait_for(self.read_body(request), self.config.timeout)
            except asyncio.TimeoutError:
                raise RequestFailed(408, "timed out reading the request body") from None
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
        except RewardError as exc:
            raise RequestFailed(500, f"reward failed: {exc}") from None
        except Exception as exc:  # noqa: BLE001 - a bug must not take the server down; it is logged
            log.exception("internal error while scoring a request")
            raise RequestFailed(500, f"internal error: {type(exc).__name__}: {exc}") from None

    # --- the work of each endpoint, run in a pool thread ----------------------------------
    def openrlhf(self, body: bytes) -> bytes:
        prompts, completions, columns = openrlhf_batch(_parse(body), self.config)
        result = self.executor.score(self.reward, prompts, completions, columns)
        return _encode(openrlhf_response(result, self.config))

    def rows(self, body: bytes) -> bytes:
        rows = request_rows(_parse(body), self.reward, self.config)
        scored = score_rows(self.reward, rows, score_fn=self.executor.score_rows)
        return _encode({"rows": scored})

    def health(self) -> dict[str, Any]:
        from rewardkit import __version__

        spec = self.reward.spec
        return {"status": "ok", "version": __version__, "reward": str(spec), "aggregate": spec.aggregate,
                "components": spec.labels, "required_columns": self.reward.required_columns(),
                "executor": self.executor.name, "pending": self.pending,
                "requests": dict(self.counts), "reward_errors": dict(self.reward.error_counts)}

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

    from rewardkit import __version__

    server = _Server(reward, config or ServeConfig(), executor)

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # noqa: ANN202
        yield
        server.close()

    app = FastAPI(title="rewardkit reward server", version=__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None)
    app.state.rewardkit = server

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
        """Rows as in ``rewardkit score`` -> the same rows with reward fields."""
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
