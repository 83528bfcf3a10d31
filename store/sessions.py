"""Dashboard sessions, kept in the database so that every API process honours every session.

Signing in to the dashboard swaps a manager's or auditor's bearer token for a random session
id, which the browser keeps (api/dashboard/session.py); the token stays here, and nothing
stored here works without the id:
- a row's key is the id's SHA-256, never the id;
- the token is sealed with AES-256-GCM, with a fresh nonce, under a key derived from the id
  with HKDF-SHA256 (a different function of the id from the row's key).

A session is honoured until it has gone IDLE without being seen, until it is LIFETIME old, or
until it is ended (signing out). When it was last seen is written at most once every
SEEN_EVERY, so a page view is usually a single read, and a session may end up to SEEN_EVERY
sooner than IDLE after the last view. Expired rows stay unusable until they are ended or
pruned; creating a session prunes, so there is no background task. Times are wall-clock UTC
from the injected clock: the processes sharing the table share no monotonic clock.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone
from typing import Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import ColumnElement, Connection, Engine, delete, insert, or_, select, update

from store.engine import for_writing
from store.schema import dashboard_sessions as table

__all__ = ["IDLE", "LIFETIME", "SEEN_EVERY", "DashboardSessions"]

IDLE = timedelta(hours=2)  # without a page view
LIFETIME = timedelta(hours=10)  # a working day, at most
SEEN_EVERY = timedelta(minutes=1)

# Changing it makes every stored token unopenable, which signs everyone out.
_SEALING_INFO = b"safeguarding-pathways dashboard session token sealing v1"
_NONCE_BYTES = 12  # GCM's standard nonce


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class DashboardSessions:
    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utc_now) -> None:
        self._engine = engine
        self._clock = clock

    def create(self, token: str) -> str:
        """A new session for the bearer token; returns its id, which only the browser keeps."""
        session_id = secrets.token_urlsafe(32)
        now = self._clock()
        with for_writing(self._engine).begin() as connection:
            _prune(connection, now)
            connection.execute(insert(table).values(
                session_key=_key(session_id), sealed_token=_seal(session_id, token), created_at=now, seen_at=now,
            ))
        return session_id

    def token(self, session_id: str | None) -> str | None:
        """The session's bearer token, or None if there is no such live session."""
        if not session_id:
            return None
        key, now = _key(session_id), self._clock()
        with self._engine.connect() as connection:
            row = connection.execute(
                select(table.c.sealed_token, table.c.seen_at).where(table.c.session_key == key, ~_expired(now))
            ).first()
        if row is None:
            return None
        try:
            token = _open(session_id, row.sealed_token)
        except InvalidTag:  # altered in the database: not a session to honour
            self.end(session_id)
            return None
        if now - row.seen_at >= SEEN_EVERY:
            with for_writing(self._engine).begin() as connection:
                connection.execute(update(table).where(table.c.session_key == key).values(seen_at=now))
        return token

    def end(self, session_id: str | None) -> None:
        if session_id:
            with for_writing(self._engine).begin() as connection:
                connection.execute(delete(table).where(table.c.session_key == _key(session_id)))

    def prune(self) -> int:
        """Delete every expired session; returns how many there were."""
        with for_writing(self._engine).begin() as connection:
            return _prune(connection, self._clock())


def _prune(connection: Connection, now: datetime) -> int:
    return connection.execute(delete(table).where(_expired(now))).rowcount


def _expired(now: datetime) -> ColumnElement[bool]:
    return or_(table.c.seen_at < now - IDLE, table.c.created_at < now - LIFETIME)


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _sealing_key(session_id: str) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_SEALING_INFO).derive(session_id.encode())
    return AESGCM(key)


def _seal(session_id: str, token: str) -> bytes:
    nonce = secrets.token_bytes(_NONCE_BYTES)
    return nonce + _sealing_key(session_id).encrypt(nonce, token.encode(), None)


def _open(session_id: str, sealed: bytes) -> str:
    nonce, ciphertext = sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:]
    return _sealing_key(session_id).decrypt(nonce, ciphertext, None).decode()
