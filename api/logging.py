"""One structured log line per request: who asked (role, LA, subject), about which journey
and command, the status, any error code and the latency. Never a young person's details:
only ids, codes and field names go in, never a body, a query string or an error message.
The same middleware counts the request for Prometheus, by method, route template and status.
"""

from __future__ import annotations

import time
import uuid

import structlog
from fastapi import FastAPI, Request

from observability.metrics import HTTP_DURATION, HTTP_REQUESTS

log = structlog.get_logger("pathways.http")
# Methods counted by name; anything else a client invents is "other" (every label value is a
# time series of its own).
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# What the routes may note for the log line: ids and codes, nothing about a young person.
# Context ids are the LA's names for places and groups (slugs), never a person's.
LOGGED = frozenset({"journey_id", "context_id", "command_id", "command_type", "error_code", "invalid_fields"})


def note(request: Request, **fields) -> None:
    """Add ids to this request's log line (the route's request shares the middleware's state)."""
    unknown = set(fields) - LOGGED
    if unknown:
        raise ValueError(f"not for the request log: {sorted(unknown)}")
    request.state.log_ids = {**getattr(request.state, "log_ids", {}), **fields}


def install(app: FastAPI) -> None:
    @app.middleware("http")
    async def request_log(request: Request, call_next):
        request_id = _request_id(request.headers.get("x-request-id"))
        request.state.request_id = request_id
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            response.headers["x-request-id"] = request_id
            return response
        finally:
            who = getattr(request.state, "principal", None)
            seconds = time.perf_counter() - started
            route = _route(request)
            method = request.method if request.method in METHODS else "other"
            HTTP_REQUESTS.labels(method, route, str(status)).inc()
            HTTP_DURATION.labels(method, route).observe(seconds)
            log.info(
                "request",
                request_id=request_id,
                method=request.method,
                route=route,
                status=status,
                latency_ms=round(seconds * 1000, 2),
                role=who.role if who else None,
                local_authority=who.local_authority if who else None,
                subject=who.subject if who else None,
                **getattr(request.state, "log_ids", {}),
            )


def _request_id(given: str | None) -> str:
    # A caller's own id is kept for tracing across systems, if it is a plain token: the
    # header is free text and could carry anything.
    if given and len(given) <= 64 and all((c.isascii() and c.isalnum()) or c in "-_." for c in given):
        return given
    return str(uuid.uuid4())


def _route(request: Request) -> str:
    # The route's template, not the path: paths carry ids that the fields above already give,
    # and an unmatched path could carry anything.
    route = request.scope.get("route")
    if route is None and "endpoint" in request.scope:  # plain Starlette routes (/openapi.json)
        route = next((r for r in request.app.routes if getattr(r, "endpoint", None) is request.scope["endpoint"]), None)
    return getattr(route, "path", "(no route)")
