"""Liveness and readiness, for the API's routes and the worker's own small HTTP port.

`/healthz`: the process answers (an orchestrator restarts it when it stops answering).
`/readyz`: it can do its work: the database answers with the schema this code needs, and
Temporal answers (and, for a worker, it is polling rather than draining); 503 otherwise,
with the reason per dependency, so that a load balancer stops sending it work.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from store.engine import schema_problem

CHECK_TIMEOUT_SECONDS = 3.0


async def readiness_problems(engine: Engine, temporal, draining: bool = False) -> dict[str, str]:
    """What stops this process doing its work, by dependency; empty when it is ready."""
    database, temporal_problem = await asyncio.gather(_database(engine), _temporal(temporal))
    problems = {name: reason for name, reason in (("database", database), ("temporal", temporal_problem)) if reason}
    if draining:
        problems["worker"] = "shutting down: no longer polling for tasks"
    return problems


def readiness_answer(problems: dict[str, str]) -> JSONResponse:
    if problems:
        return JSONResponse({"status": "unavailable", "problems": problems}, status_code=503,
                            headers={"Retry-After": "5", "Cache-Control": "no-store"})
    return JSONResponse({"status": "ready"}, headers={"Cache-Control": "no-store"})


def liveness_answer() -> JSONResponse:
    return JSONResponse({"status": "alive"}, headers={"Cache-Control": "no-store"})


async def _database(engine: Engine) -> str | None:
    try:
        return await asyncio.wait_for(asyncio.to_thread(schema_problem, engine), CHECK_TIMEOUT_SECONDS)
    except asyncio.TimeoutError:
        return f"no answer within {CHECK_TIMEOUT_SECONDS:g} s"
    except Exception as err:  # whatever the driver raises: the reason is the answer
        return _reason(err)


async def _temporal(client) -> str | None:
    if client is None:
        return "not connected"
    try:
        await client.service_client.check_health(timeout=timedelta(seconds=CHECK_TIMEOUT_SECONDS))
        return None
    except Exception as err:
        return _reason(err)


def _reason(err: Exception) -> str:
    # The first line of the driver's message (it names the host and the failure, never a
    # bound parameter: engines hide them), bounded.
    first = (str(err).strip().splitlines() or [""])[0]
    return f"{type(err).__name__}: {first}"[:300]


def worker_health_app(engine: Engine, client, draining: Callable[[], bool], metrics: Callable[[], bytes]) -> Starlette:
    """The worker's port: /healthz, /readyz and /metrics (its counters and the SDK's)."""
    from observability.metrics import CONTENT_TYPE_LATEST

    async def healthz(request: Request) -> Response:
        return liveness_answer()

    async def readyz(request: Request) -> Response:
        return readiness_answer(await readiness_problems(engine, client, draining=draining()))

    async def metrics_page(request: Request) -> Response:
        return Response(await asyncio.to_thread(metrics), media_type=CONTENT_TYPE_LATEST)

    return Starlette(routes=[
        Route("/healthz", healthz), Route("/readyz", readyz), Route("/metrics", metrics_page),
    ])
