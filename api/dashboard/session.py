"""Dashboard sessions: a random session id in an HttpOnly, SameSite=Strict cookie.

The browser never keeps the bearer token: signing in swaps it for a session id, and the
token stays on the server, where it is resolved again on every request (a revoked token
ends its sessions at once). Sessions expire after an idle period and after an absolute
lifetime; signing out ends one immediately.

Sessions are kept in the event store's database (store/sessions.py: only the id's SHA-256
as the key, the token sealed under a key derived from the id), so every API process serving
that database honours a session another made, and a restart signs nobody out.

The sign-in form is guarded by a double-submit token that only the service can make: the
same value in a SameSite=Strict cookie and in the form, and that value signed (HMAC-SHA256
under a key derived from the service's key ring, which every API process shares) with when
it was issued, so that a caller cannot choose a cookie and form value of its own, nor use
one older than CSRF_LIFETIME.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

from fastapi import Request
from fastapi.responses import Response

from sealing.keys import KeyRing, UnknownKey
from services.wiring import dashboard_sessions
from store.sessions import DashboardSessions

COOKIE = "sp_dashboard_session"
CSRF_COOKIE = "sp_dashboard_csrf"
COOKIE_PATH = "/dashboard"
CSRF_LIFETIME = 3600  # seconds: the sign-in form's, and its cookie's
# The key ring's keys sign sign-in forms only under a key derived for this purpose.
_CSRF_PURPOSE, _CSRF_SCOPE = "dashboard-csrf", "sign-in"


def sessions(request: Request) -> DashboardSessions:
    """The dashboard's sessions, in the database of the app's event store."""
    return dashboard_sessions(request.app.state.services.store)


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int | None = None) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path=COOKIE_PATH, httponly=True, samesite="strict",
        secure=request.url.scheme == "https",
    )


def clear_cookie(response: Response, request: Request, name: str) -> None:
    response.delete_cookie(name, path=COOKIE_PATH, httponly=True, samesite="strict",
                           secure=request.url.scheme == "https")


def new_csrf(ring: KeyRing, now: float | None = None) -> str:
    """A sign-in form's token: the ring key it is signed under, when it was issued, a random
    nonce, and their MAC."""
    signed = f"{ring.current}.{int(time.time() if now is None else now)}.{secrets.token_urlsafe(18)}"
    return f"{signed}.{_mac(ring, ring.current, signed)}"


def csrf_matches(request: Request, submitted: str | None, ring: KeyRing, now: float | None = None) -> bool:
    """The sign-in form's check: the form's token is the cookie's (a cross-site form post
    carries no SameSite=Strict cookie, so nobody can sign a manager in as someone else), and
    one this service made within CSRF_LIFETIME (so a pair the caller chose is refused)."""
    expected = request.cookies.get(CSRF_COOKIE)
    if not (expected and submitted and secrets.compare_digest(expected, submitted)):
        return False
    signed, _, mac = submitted.rpartition(".")
    key_and_time, _, _nonce = signed.rpartition(".")
    key_id, _, issued = key_and_time.rpartition(".")
    try:
        age = (time.time() if now is None else now) - int(issued)
        return 0 <= age <= CSRF_LIFETIME and secrets.compare_digest(mac, _mac(ring, key_id, signed))
    except (ValueError, UnknownKey):
        return False


def _mac(ring: KeyRing, key_id: str, signed: str) -> str:
    key = ring.derived(_CSRF_PURPOSE, _CSRF_SCOPE, key_id)
    return base64.urlsafe_b64encode(hmac.new(key, signed.encode(), hashlib.sha256).digest()).decode().rstrip("=")

