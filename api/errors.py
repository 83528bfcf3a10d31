"""Error answers in the contract's shape.

- 401, 404 and 409 answer `{"error": {"code": ..., "message": ...}}` with a stable code;
- 422 answers pydantic's `{"detail": [...]}` for any request of the wrong shape (the body,
  and query parameters such as a cursor this service never gave out), and the error shape
  with `target_not_allowed` for a webhook URL of the right shape that the service will not
  send to (api/routes/webhooks.py);
- a path no route serves answers 404 `not_found`, a method a path does not take 405
  `method_not_allowed` with every method it does take in `Allow`;
- 503 answers the error shape with `temporal_unavailable` or `database_unavailable`, and
  `Retry-After`, when Temporal or the database cannot be reached (or did not answer in time):
  the outcome of a command is then not known, and sending it again with the same
  command_id learns it (a command is never recorded twice);
- 500 `internal_error` for anything else.

The request log notes the code (or the offending fields' locations), never the message:
messages are for the caller and may quote the caller's own data back, such as a date of birth.
"""

from __future__ import annotations

import json

import structlog
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match
from sqlalchemy.exc import InterfaceError, OperationalError, TimeoutError as PoolTimeout
from temporalio.client import WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError

from api.logging import note
from services.errors import NOT_FOUND_CODES, NotFound, Refusal
from workflows.client import CommandRefused
from workflows.connection import TemporalUnreachable, temporal_unavailable

# Refusal codes that are not about the rules but about what the caller asked for: 404s.
NOT_FOUND = "journey_not_found"
CONTEXT_NOT_FOUND = "context_not_found"
CHAIR_NOT_FOUND = "chair_not_found"
# (services/errors.py's NOT_FOUND_CODES: the refusals answered 404)

log = structlog.get_logger("pathways.http")

# How soon a caller told 503 may try again: shorter than the quiet period a journey's clock
# grants after an outage (workflows/journey.py), so that a retried command comes within it.
RETRY_AFTER_SECONDS = 2
TEMPORAL_UNAVAILABLE = ("temporal_unavailable", "The workflow service cannot be reached just now. Send the same request "
                        "again (with the same command_id) shortly: a command is never recorded twice.")
DATABASE_UNAVAILABLE = ("database_unavailable", "The database cannot be reached just now. Send the same request again "
                        "(with the same command_id) shortly: a command is never recorded twice.")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def not_found() -> ApiError:
    # Another LA's journey answers exactly as a journey that does not exist.
    return ApiError(404, NOT_FOUND, "There is no such journey.")


def context_not_found() -> ApiError:
    # Another LA's context answers exactly as one that was never referred nor named.
    return ApiError(404, CONTEXT_NOT_FOUND, "There is no such context.")


def chair_not_found() -> ApiError:
    return ApiError(404, CHAIR_NOT_FOUND, "There is no such chair in the LA's pool.")


def invalid_query(name: str, kind: str, message: str, value) -> RequestValidationError:
    """A query parameter of the wrong shape, answered like pydantic's own 422."""
    return RequestValidationError([{"type": kind, "loc": ("query", name), "msg": message, "input": value}])


def _where(issue: dict) -> str:
    loc = [str(part) for part in issue.get("loc", ())]
    if issue.get("type") == "extra_forbidden" and loc:
        loc[-1] = "(unknown field)"  # its name is the caller's text, and could be anything
    return ".".join(loc)


# What Temporal's client and the database driver raise, among other things, when they
# cannot be reached; handled inside the app, so that the request log sees the 503.
MAYBE_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout, RPCError, WorkflowUpdateRPCTimeoutOrCancelledError,
                     TemporalUnreachable, RuntimeError)


def unavailable(err: BaseException) -> tuple[str, str] | None:
    """(code, message) when `err` says Temporal or the database could not be reached."""
    if isinstance(err, (OperationalError, InterfaceError, PoolTimeout)):
        return DATABASE_UNAVAILABLE
    if temporal_unavailable(err):
        return TEMPORAL_UNAVAILABLE
    return None


def body(code: str, message: str, **more) -> dict:
    return {"error": {"code": code, "message": message, **{k: v for k, v in more.items() if v}}}


class EscapedJSONResponse(JSONResponse):
    """JSON with every character past ASCII escaped: a 422 quotes the caller's input back, and
    a lone surrogate in it (which JSON can carry, as `\\udfff`) cannot be written as UTF-8."""

    def render(self, content) -> bytes:
        return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")


METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def allowed_methods(app: FastAPI, request: Request) -> list[str]:
    """Every method some route of `app` takes at the request's path (each route takes one;
    asked of the routes as they route, included routers and all)."""
    return [method for method in METHODS
            if any(route.matches({**request.scope, "method": method})[0] == Match.FULL for route in app.router.routes)]


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, err: ApiError) -> JSONResponse:
        note(request, error_code=err.code)
        headers = {"WWW-Authenticate": "Bearer"} if err.status == 401 else None
        return JSONResponse(body(err.code, err.message), status_code=err.status, headers=headers)

    @app.exception_handler(Refusal)
    async def _service_refusal(request: Request, err: Refusal) -> JSONResponse:
        # The service's refusals: nothing of the kind in the caller's LA (404), or not for
        # this caller (409, as the rules' refusals are).
        note(request, error_code=err.code)
        return JSONResponse(body(err.code, err.message), status_code=404 if isinstance(err, NotFound) else 409)

    @app.exception_handler(CommandRefused)
    async def _refused(request: Request, err: CommandRefused) -> JSONResponse:
        note(request, error_code=err.code)
        if err.journey_id:  # the caller's own LA's journey (journey_already_open names it)
            note(request, journey_id=err.journey_id)
        status = 404 if err.code in NOT_FOUND_CODES else 409
        # journey_already_open names the open journey, so the caller can carry on with it.
        return JSONResponse(body(err.code, err.message, journey_id=err.journey_id), status_code=status)

    @app.exception_handler(RequestValidationError)
    async def _malformed(request: Request, err: RequestValidationError) -> JSONResponse:
        # Where the shape was wrong (field paths), never what was sent.
        note(request, error_code="invalid_request", invalid_fields=sorted({_where(e) for e in err.errors()}))
        # A body sent as another media type reaches pydantic as bytes, which need not be text.
        issues = [{**e, "input": None} if isinstance(e.get("input"), bytes) else e for e in err.errors()]
        return EscapedJSONResponse({"detail": jsonable_encoder(issues)}, status_code=422)

    @app.exception_handler(HTTPException)
    async def _routing(request: Request, err: HTTPException) -> JSONResponse:
        # Starlette's own answers for a path or a method no route takes, in the contract's shape.
        if err.status_code == 405:
            note(request, error_code="method_not_allowed")
            # Starlette names the methods of the first route that matched the path only.
            return JSONResponse(body("method_not_allowed", f"{request.method} is not one of the methods this path takes."),
                                status_code=405, headers={"Allow": ", ".join(allowed_methods(app, request))})
        if err.status_code == 404:
            note(request, error_code="not_found")
            return JSONResponse(body("not_found", "There is nothing at this path."), status_code=404)
        return JSONResponse(body("http_error", str(err.detail)), status_code=err.status_code, headers=err.headers)

    async def _maybe_unavailable(request: Request, err: Exception) -> JSONResponse:
        down = unavailable(err)
        if down is None:
            return await _unexpected(request, err)
        note(request, error_code=down[0])
        log.warning("dependency_unavailable", error_code=down[0], error_type=type(err).__name__,
                    request_id=getattr(request.state, "request_id", None))
        return JSONResponse(body(*down), status_code=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})

    for kind in MAYBE_UNAVAILABLE:
        app.add_exception_handler(kind, _maybe_unavailable)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, err: Exception) -> JSONResponse:
        # The exception's text may carry anything (a payload, a row): log its type only.
        log.error("request_failed", error_type=type(err).__name__, request_id=getattr(request.state, "request_id", None))
        return JSONResponse(body("internal_error", "Something went wrong on our side. Send the same request again "
                                                 "(with the same command_id): a command is never recorded twice."),
                            status_code=500)
