"""The caller, from the Authorization header, and what each role may do."""

from __future__ import annotations

from fastapi import Depends, Request

from api.errors import ApiError
from api.identity import Principal
from api.services import Services, services

# Who may send commands at all; the journey's rules refine this (only a manager extends a
# deadline; an auditor records nothing), with the same refusal code.
WRITERS = ("system", "practitioner", "manager", "admin")


def principal(request: Request, svc: Services = Depends(services)) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "not_authenticated", "Send a bearer token in the Authorization header.")
    who = svc.identity.resolve(token.strip())
    if who is None:
        raise ApiError(401, "invalid_token", "The bearer token is not valid.")
    # Noted for the request log: who asked, never about whom.
    request.state.principal = who
    return who


def writer(who: Principal = Depends(principal)) -> Principal:
    if who.role not in WRITERS:
        raise ApiError(409, "not_allowed_for_role", f"A {who.role} can read journeys but not record anything.")
    return who


def actor(who: Principal) -> dict:
    return {"id": who.subject, "role": who.role}
