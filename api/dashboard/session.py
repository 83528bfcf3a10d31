"""Dashboard sessions: a random session id in an HttpOnly, SameSite=Strict cookie.

The browser never keeps the bearer token: signing in swaps it for a session id, and the
token stays on the server, where it is resolved again on every request (a revoked token
ends its sessions at once). Only the session id's SHA-256 is kept as the key, so a memory
dump of this table gives no usable cookie. Sessions expire after an idle period and after
an absolute lifetime; signing out ends one immediately.

Sessions live in this process's memory: a restart signs everyone out (they sign in again),
and a deployment that runs several HTTP processes needs sticky sessions or a shared store.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response

COOKIE = "sp_dashboard_session"
CSRF_COOKIE = "sp_dashboard_csrf"
COOKIE_PATH = "/dashboard"
IDLE_SECONDS = 2 * 60 * 60  # two hours without a page view
LIFETIME_SECONDS = 10 * 60 * 60  # a working day, at most
MAX_SESSIONS = 10_000


@dataclass
class _Session:
    token: str
    created: float
    seen: float


class SessionStore:
    def __init__(self, clock=time.monotonic) -> None:
        self._sessions: dict[str, _Session] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def create(self, token: str) -> str:
        session_id = secrets.token_urlsafe(32)
        now = self._clock()
        with self._lock:
            self._prune(now)
            if len(self._sessions) >= MAX_SESSIONS:
                oldest = min(self._sessions, key=lambda k: self._sessions[k].seen)
                del self._sessions[oldest]
            self._sessions[_key(session_id)] = _Session(token, now, now)
        return session_id

    def token(self, session_id: str | None) -> str | None:
        """The session's bearer token, or None if there is no such live session."""
        if not session_id:
            return None
        now = self._clock()
        with self._lock:
            session = self._sessions.get(_key(session_id))
            if session is None:
                return None
            if now - session.seen > IDLE_SECONDS or now - session.created > LIFETIME_SECONDS:
                del self._sessions[_key(session_id)]
                return None
            session.seen = now
            return session.token

    def end(self, session_id: str | None) -> None:
        if session_id:
            with self._lock:
                self._sessions.pop(_key(session_id), None)

    def _prune(self, now: float) -> None:
        stale = [k for k, s in self._sessions.items()
                 if now - s.seen > IDLE_SECONDS or now - s.created > LIFETIME_SECONDS]
        for k in stale:
            del self._sessions[k]


def sessions(request: Request) -> SessionStore:
    """The app's session table (one per app, made on first use)."""
    state = request.app.state
    store = getattr(state, "dashboard_sessions", None)
    if store is None:
        store = state.dashboard_sessions = SessionStore()
    return store


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


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()
