"""Error answers in the contract's shape: {"error": {"code": ..., "message": ...}}."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from workflows.client import CommandRefused

# Refusal codes that are not about the journey's rules but about the caller.
NOT_FOUND = "journey_not_found"


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def not_found() -> ApiError:
    # Another LA's journey answers exactly as a journey that does not exist.
    return ApiError(404, NOT_FOUND, "There is no such journey.")


def body(code: str, message: str, **more) -> dict:
    return {"error": {"code": code, "message": message, **{k: v for k, v in more.items() if v}}}


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, err: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if err.status == 401 else None
        return JSONResponse(body(err.code, err.message), status_code=err.status, headers=headers)

    @app.exception_handler(CommandRefused)
    async def _refused(request: Request, err: CommandRefused) -> JSONResponse:
        status = 404 if err.code == NOT_FOUND else 409
        # journey_already_open names the open journey, so the caller can carry on with it.
        return JSONResponse(body(err.code, err.message, journey_id=err.journey_id), status_code=status)
