"""The caller, from the Authorization header, and what each role may send.

Every role reads everything in its own LA and nothing outside it. What each may write:

| role           | start a journey | ordinary commands | extend_deadline | change_policy | context cases | chairs' pool |
| -------------- | --------------- | ----------------- | --------------- | ------------- | ------------- | ------------ |
| `system`       | yes             | yes               | no              | yes           | yes           | no           |
| `practitioner` | yes             | yes               | no              | no            | yes           | no           |
| `manager`      | yes             | yes               | yes             | yes           | yes           | yes          |
| `auditor`      | no              | no                | no              | no            | no            | no           |
| `admin`        | no              | no                | no              | yes           | no            | yes          |

Ordinary commands are the casework: the steps of the journey, and the ROTH practice
commands (allocate_case, assign_chair, record_context_weighting, update_plan,
record_participation, record_consent, record_transition_plan) and the census commands
(record_census_details, record_assessment). Context cases are referring a
context and recording its conferences, actions and closure.

The journey's rules (domain/decider.py) already refuse an auditor anything, anyone but a
manager an extension and a practitioner a policy change, with the code `not_allowed_for_role`;
this module adds only what is the HTTP service's own policy, with the same code: an admin
looks after the service, not after children, so it records no casework, on a journey or a
context case (the actor on a chronology is always someone accountable for the case or the
LA's case system). Keeping the LA's pool of ROTH chairs is configuration, not casework: a
manager's or an admin's (the case system's own token may not choose who may chair).
"""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.errors import ApiError
from api.identity import Principal
from api.services import Services, services

bearer = HTTPBearer(
    auto_error=False,
    description="A bearer token for one role in one LA: from `pathways token create` (embedded) or the LA's "
                "OIDC provider (production).",
)

START = "start_journey"
REFER = "refer_context"
# Who may send what, where the HTTP service is stricter than the rules (see above).
ADMIN_MAY_SEND = frozenset({"change_policy"})
READ_ONLY = frozenset({"auditor"})
MAY_KEEP_CHAIRS = frozenset({"manager", "admin"})


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


def check_may_send(who: Principal, command_type: str) -> None:
    """Refuse (409 not_allowed_for_role) what this role may never send, before any journey
    sees it. Called after the journey is found, so another LA's journey is still a 404."""
    if who.role in READ_ONLY:
        raise ApiError(409, "not_allowed_for_role", f"An {who.role} can read journeys but not record anything.")
    if who.role == "admin" and command_type not in ADMIN_MAY_SEND:
        raise ApiError(
            409, "not_allowed_for_role",
            "An admin can read journeys and change their timescale policy, but casework is recorded by "
            "practitioners, managers or the LA's case system.",
        )


def check_may_keep_chairs(who: Principal) -> None:
    """Refuse (409 not_allowed_for_role) a change to the LA's pool of chairs by anyone but
    a manager or an admin."""
    if who.role not in MAY_KEEP_CHAIRS:
        raise ApiError(409, "not_allowed_for_role", "Only a manager or an admin can change the LA's pool of ROTH chairs.")


def actor(who: Principal) -> dict:
    return {"id": who.subject, "role": who.role}


def writer(who: Principal = Depends(principal)) -> Principal:
    """For routes that write but are not journey commands: refuses read-only roles.
    (Journey commands use `check_may_send` after the journey is found, so that another
    LA's journey stays a 404.)"""
    if who.role in READ_ONLY:
        raise ApiError(409, "not_allowed_for_role", f"An {who.role} can read journeys but not record anything.")
    return who
