"""Dashboard sessions' store (store/sessions.py) on both engines: a session gives back its
token until it is ended, idle too long or too old; seen_at is written at most once a minute;
pruning removes only what has expired; and the table holds neither a usable cookie nor a
token, however it is read."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Engine, select, text, update

from store.engine import make_engine
from store.schema import dashboard_sessions
from store.sessions import IDLE, LIFETIME, SEEN_EVERY, DashboardSessions

postgresql_only = pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
TOKEN = "sp_manager_873_not-a-real-token"
SECOND = timedelta(seconds=1)
HOUR = timedelta(hours=1)
NONCE = 12  # bytes: GCM's nonce, stored ahead of the ciphertext


class HandClock:
    """Wall-clock UTC time that stands still until the test moves it."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 24, 8, 30, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by


@pytest.fixture
def wall_clock() -> HandClock:
    return HandClock()


@pytest.fixture
def sessions(store_engine: Engine, wall_clock: HandClock) -> DashboardSessions:
    return DashboardSessions(store_engine, clock=wall_clock)


def rows(engine: Engine) -> dict[str, dict]:
    """session key -> the row as the driver gives it, bypassing the schema's types."""
    with engine.connect() as connection:
        result = connection.execute(text("SELECT * FROM dashboard_sessions"))
        return {row.session_key: dict(row._mapping) for row in result}


def seen_at(engine: Engine, session_id: str) -> datetime:
    with engine.connect() as connection:
        return connection.execute(
            select(dashboard_sessions.c.seen_at).where(dashboard_sessions.c.session_key == key(session_id))
        ).scalar_one()


def key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def test_a_session_gives_back_its_token_until_it_is_ended(sessions: DashboardSessions) -> None:
    first, second = sessions.create(TOKEN), sessions.create("sp_auditor_873")
    assert first != second
    assert sessions.token(first) == TOKEN and sessions.token(second) == "sp_auditor_873"
    assert sessions.token("not-a-session") is None and sessions.token(None) is None and sessions.token("") is None

    sessions.end(first)
    sessions.end(None)
    assert sessions.token(first) is None
    assert sessions.token(second) == "sp_auditor_873"


def test_another_store_on_the_same_database_honours_and_ends_the_session(
    store_url: str, sessions: DashboardSessions, wall_clock: HandClock
) -> None:
    other_process = make_engine(store_url)
    try:
        replica = DashboardSessions(other_process, clock=wall_clock)
        session_id = sessions.create(TOKEN)
        assert replica.token(session_id) == TOKEN
        replica.end(session_id)
        assert sessions.token(session_id) is None
    finally:
        other_process.dispose()


def test_the_policy_is_two_idle_hours_a_working_day_at_most_and_a_minute_between_writes() -> None:
    assert (IDLE, LIFETIME, SEEN_EVERY) == (2 * HOUR, 10 * HOUR, timedelta(minutes=1))


def test_a_session_ends_after_two_idle_hours(sessions: DashboardSessions, wall_clock: HandClock) -> None:
    session_id = sessions.create(TOKEN)
    wall_clock.advance(2 * HOUR)
    assert sessions.token(session_id) == TOKEN  # seen: the idle time starts again
    wall_clock.advance(2 * HOUR)
    assert sessions.token(session_id) == TOKEN
    wall_clock.advance(2 * HOUR + SECOND)
    assert sessions.token(session_id) is None


def test_a_busy_session_ends_after_ten_hours(sessions: DashboardSessions, wall_clock: HandClock) -> None:
    session_id = sessions.create(TOKEN)
    for _ in range(10):
        wall_clock.advance(HOUR)
        assert sessions.token(session_id) == TOKEN
    wall_clock.advance(SECOND)
    assert sessions.token(session_id) is None  # busy all day, but not for ever


def test_seen_at_is_written_at_most_once_a_minute(
    store_engine: Engine, sessions: DashboardSessions, wall_clock: HandClock
) -> None:
    created = wall_clock.now
    session_id = sessions.create(TOKEN)
    for _ in range(3):
        wall_clock.advance(SEEN_EVERY / 4)
        assert sessions.token(session_id) == TOKEN
    assert seen_at(store_engine, session_id) == created

    wall_clock.advance(SEEN_EVERY / 4)
    assert sessions.token(session_id) == TOKEN
    assert seen_at(store_engine, session_id) == created + SEEN_EVERY

    # So the idle time runs from the last recorded view, up to a minute before the last view.
    wall_clock.advance(SEEN_EVERY / 2)
    sessions.token(session_id)
    wall_clock.advance(2 * HOUR - SEEN_EVERY / 2 + SECOND)
    assert sessions.token(session_id) is None


def test_pruning_deletes_only_expired_sessions_and_signing_in_prunes(
    store_engine: Engine, sessions: DashboardSessions, wall_clock: HandClock
) -> None:
    old = sessions.create(TOKEN)
    for _ in range(9):
        wall_clock.advance(HOUR)
        assert sessions.token(old) == TOKEN
    idle, recent = sessions.create(TOKEN), sessions.create(TOKEN)
    wall_clock.advance(HOUR)
    assert sessions.token(old) == TOKEN and sessions.token(recent) == TOKEN
    wall_clock.advance(HOUR + SECOND)

    assert sessions.prune() == 2  # idle for two hours; ten hours old, though seen within the hour
    assert set(rows(store_engine)) == {key(recent)}
    assert sessions.token(idle) is None and sessions.token(old) is None

    wall_clock.advance(2 * HOUR)
    signed_in = sessions.create(TOKEN)
    assert set(rows(store_engine)) == {key(signed_in)}
    assert sessions.prune() == 0


def test_the_table_holds_neither_a_usable_cookie_nor_the_token(
    store_engine: Engine, sessions: DashboardSessions
) -> None:
    session_ids = [sessions.create(TOKEN), sessions.create(TOKEN)]
    dump = rows(store_engine)

    raw = b"".join(value if isinstance(value, bytes) else str(value).encode() for row in dump.values() for value in row.values())
    for secret in (TOKEN, *session_ids):
        assert secret.encode() not in raw
    assert set(dump) == {key(s) for s in session_ids}  # the ids' digests, never the ids
    nonces = {row["sealed_token"][:NONCE] for row in dump.values()}
    assert len(nonces) == 2  # the same token, sealed with a nonce of its own each time
    # The row's key is not the sealing key: it takes the session id itself to open the token.
    for row_key, row in dump.items():
        with pytest.raises(InvalidTag):
            AESGCM(bytes.fromhex(row_key)).decrypt(row["sealed_token"][:NONCE], row["sealed_token"][NONCE:], None)


def test_an_altered_sealed_token_is_not_honoured(store_engine: Engine, sessions: DashboardSessions) -> None:
    session_id = sessions.create(TOKEN)
    with store_engine.begin() as connection:
        sealed = connection.execute(select(dashboard_sessions.c.sealed_token)).scalar_one()
        altered = sealed[:-1] + bytes([sealed[-1] ^ 1])
        connection.execute(update(dashboard_sessions).values(sealed_token=altered))

    assert sessions.token(session_id) is None
    assert rows(store_engine) == {}


@postgresql_only
def test_the_app_role_may_keep_sessions(app_engine: Engine, wall_clock: HandClock) -> None:
    sessions = DashboardSessions(app_engine, clock=wall_clock)
    with app_engine.connect() as connection:
        assert connection.execute(text("SELECT current_user")).scalar_one() == "pathways_app"

    ended, kept = sessions.create(TOKEN), sessions.create(TOKEN)
    wall_clock.advance(SEEN_EVERY)
    assert sessions.token(kept) == TOKEN  # and records that it was seen
    sessions.end(ended)
    wall_clock.advance(2 * HOUR + SECOND)
    assert sessions.prune() == 1
    assert sessions.token(kept) is None and sessions.token(ended) is None
