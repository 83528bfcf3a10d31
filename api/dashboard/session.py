"""Dashboard sessions: a random session id in an HttpOnly, SameSite=Strict cookie.

The browser never keeps the bearer token: signing in swaps it for a session id, and the
token stays on the server, where it is resolved again on every request (a revoked token
ends its sessions at once). Sessions expire after an idle period and after an absolute
lifetime; signing out ends one immediately.

Sessions are kept in the event store's database (store/sessions.py: only the id's SHA-256
as the key, the token sealed under a key derived from the id), so every API process serving
that database honours a session another made, and a restart signs nobody out.
"""

from __future__ import annotations

import secrets

from fastapi import Request
from fastapi.responses import Response

from store.sessions import DashboardSessions

COOKIE = "sp_dashboard_session"
CSRF_COOKIE = "sp_dashboard_csrf"
COOKIE_PATH = "/dashboard"


def sessions(request: Request) -> DashboardSessions:
    """The dashboard's sessions, in the database of the app's event store."""
    return DashboardSessions(request.app.state.services.store.engine)


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int | None = None) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path=COOKIE_PATH, httponly=True, samesite="strict",
        secure=request.url.scheme == "https",
    )


def clear_cookie(response: Response, request: Request, name: str) -> None:
    response.delete_cookie(name, path=COOKIE_PATH, httponly=True, samesite="strict",
                           secure=request.url.scheme == "https")


def new_csrf() -> str:
    return secrets.token_urlsafe(24)


def csrf_matches(request: Request, submitted: str | None) -> bool:
    """The sign-in form's double-submit check: a cross-site form post carries no
    SameSite=Strict cookie, so nobody can sign a manager in as someone else."""
    expected = request.cookies.get(CSRF_COOKIE)
    return bool(expected and submitted) and secrets.compare_digest(expected, submitted)

