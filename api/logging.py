"""One structured log line per request: who asked (role, LA), about which journey and
command, the status and the latency. Never a young person's details: only ids go in."""

from __future__ import annotations

import time
import uuid

import structlog
from fastapi import FastAPI, Request

log = structlog.get_logger("pathways.http")


def install(app: FastAPI) -> None:
    @app.middleware("http")
    async def request_log(request: Request, call_next):
        request_id = request.headers.get("x-request-id") or str(uuid.uuid4())
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            response.headers["x-request-id"] = request_id
            return response
        finally:
            who = getattr(request.state, "principal", None)
            log.info(
                "request",
                request_id=request_id,
                method=request.method,
                route=_route(request),
                status=status,
                latency_ms=round((time.perf_counter() - started) * 1000, 2),
                role=who.role if who else None,
                local_authority=who.local_authority if who else None,
                subject=who.subject if who else None,
                **getattr(request.state, "log_ids", {}),
            )


def _route(request: Request) -> str:
    # The route's template, not the path: paths carry ids that the fields above already give.
    route = request.scope.get("route")
    return getattr(route, "path", request.url.path)
