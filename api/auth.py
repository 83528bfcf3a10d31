"""The caller, from the Authorization header.

What each role may do is domain/roles.py's table, and the checks made before a request
reaches the rules are services/permissions.py's; this module only resolves the bearer token
to a principal and names the actor a command carries.
"""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.errors import ApiError
from services.identity import Principal
from api.dependencies import Services, services
from services.permissions import check_may_read_reports

bearer = HTTPBearer(
    auto_error=False,
    description="A bearer token for one role in one LA: from `pathways token create` (embedded) or the LA's "
                "OIDC provider (production).",
)


def principal(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
    svc: Services = Depends(services),
) -> Principal:
    if credentials is None or not credentials.credentials.strip():
        raise ApiError(401, "not_authenticated", "Send a bearer token in the Authorization header.")
    who = svc.identity.resolve(credentials.credentials.strip())
    if who is None:
        raise ApiError(401, "invalid_token", "The bearer token is not valid (or has expired).")
    # Noted for the request log: who asked, never about whom.
    request.state.principal = who
    return who


def actor(who: Principal) -> dict:
    return {"id": who.subject, "role": who.role}


def reader(who: Principal = Depends(principal)) -> Principal:
    """For the reports' routes: the caller, if their role may read the LA's reports."""
    check_may_read_reports(who)
    return who
