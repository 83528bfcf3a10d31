"""The OpenAPI document's shared answers: what several route modules say the same way (no
route module imports another; they share these)."""

from __future__ import annotations

from api import schemas
from api.errors import DATABASE_UNAVAILABLE, TEMPORAL_UNAVAILABLE
from domain.errors import command_id_reused

E = schemas.error_examples
UNAUTHENTICATED = {"model": schemas.ErrorAnswer, "description": "no bearer token, or one that is not valid",
                   "content": {"application/json": {"examples": E(
                       ("not_authenticated", "Send a bearer token in the Authorization header."),
                       ("invalid_token", "The bearer token is not valid (or has expired)."))}}}
NOT_FOUND = {"model": schemas.ErrorAnswer, "description": "no such journey in the caller's LA (another LA's journey answers the same)",
             "content": {"application/json": {"examples": E(("journey_not_found", "There is no such journey."))}}}
MALFORMED = {"model": schemas.ValidationAnswer, "description": "the request is of the wrong shape (pydantic's detail)"}
REUSED = (command_id_reused().code, command_id_reused().message)
# Every v1 route may answer it (api/app.py adds it to each).
UNAVAILABLE = {
    "model": schemas.ErrorAnswer,
    "description": "Temporal or the database cannot be reached (or did not answer in time). Send the same request "
                   "again after `Retry-After` seconds. For a command (with the same command_id), its outcome is not "
                   "known until then: a command is never recorded twice, and one answered 2xx is in the log.",
    "headers": {"Retry-After": {"description": "seconds to wait before sending it again", "schema": {"type": "integer"}}},
    "content": {"application/json": {"examples": E(TEMPORAL_UNAVAILABLE, DATABASE_UNAVAILABLE)}},
}


def refused(*cases: tuple[str, str]) -> dict:
    return {"model": schemas.ErrorAnswer,
            "description": "the journey's rules (or the caller's role) refused the command, or its command_id was used "
                           "for a different request (`command_id_reused`); nothing was written",
            "content": {"application/json": {"examples": E(*cases, REUSED)}}}


def answered(status_description: str, example: dict, links: dict | None = None) -> dict:
    return {"description": status_description, "content": {"application/json": {"examples": {"answer": {"value": example}}}},
            **({"links": links} if links else {})}


def links(parameter: str, where: str, **operations: str) -> dict:
    """OpenAPI links: what a client (or a fuzzer) can do next with the id an answer or request
    carries, e.g. start a journey, send it a command, read it. Named by operationId (FastAPI's,
    from the route's function and path)."""
    return {name: {"operationId": operation, "parameters": {parameter: where}} for name, operation in operations.items()}


# The reports' answers (api/routes/reports.py, api/routes/census.py).
REPORT_UNAUTHENTICATED = {"model": schemas.ErrorAnswer, "description": "no bearer token, or one that is not valid"}
REPORT_REFUSED = {"model": schemas.ErrorAnswer, "description": "not_allowed_for_role: only managers and auditors export reports"}
REPORT_MALFORMED = {"model": schemas.ValidationAnswer,
                    "description": "a date that is not YYYY-MM-DD, a period that ends before it starts, an unknown format"}
