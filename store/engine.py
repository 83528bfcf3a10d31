"""Connecting to the store's database, and bringing its schema up to date.

SQLite (development, single-node deployments) and PostgreSQL (production) are both
first-class; everything engine-specific about *connecting* lives here.
"""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url

# Long enough to ride out another writer's transaction, short enough to surface a stuck one.
SQLITE_BUSY_TIMEOUT_MS = 30_000
# A PostgreSQL server that does not answer is reported after this long, rather than after the
# operating system's TCP timeout (minutes); a URL's own connect_timeout wins.
POSTGRES_CONNECT_TIMEOUT_S = 5

# Connections carrying this execution option are about to write.
_WRITE = "pathways_write"

# Serialises concurrent `migrate` calls on PostgreSQL (e.g. a worker and the API starting
# together); the value only has to differ from the other advisory lock keys in store/.
_MIGRATION_LOCK_KEY = 0x5041_5448_0001


def normalise_url(url: str | URL) -> URL:
    """A plain ``postgresql://`` URL (as libpq tools print it) selects psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(
    url: str | URL, pool_size: int | None = None, max_overflow: int | None = None,
    lock_wait_seconds: float | None = None,
) -> Engine:
    """An engine for ``url``; `pool_size` and `max_overflow` size its connection pool
    (None keeps SQLAlchemy's defaults, 5 and 10). An in-memory SQLite database has a pool of
    its own kind that takes neither, so they are ignored there. `lock_wait_seconds`: how long
    a statement waits for another transaction's lock before failing (SQLite's busy timeout,
    30 s unless given; PostgreSQL's lock_timeout, the server's unless given)."""
    parsed = normalise_url(url)
    pool = {}
    if not (parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")):
        pool = {k: v for k, v in (("pool_size", pool_size), ("max_overflow", max_overflow)) if v is not None}
    connect_args = {}
    if parsed.get_backend_name() == "postgresql":
        if "connect_timeout" not in parsed.query:
            connect_args["connect_timeout"] = POSTGRES_CONNECT_TIMEOUT_S
        if lock_wait_seconds is not None:
            connect_args["options"] = f"-c lock_timeout={int(lock_wait_seconds * 1000)}"
    # Bound parameters carry event data about children; keep them out of error messages,
    # which end up in logs.
    engine = create_engine(parsed, hide_parameters=True, connect_args=connect_args, **pool)
    if engine.dialect.name == "sqlite":
        busy_ms = SQLITE_BUSY_TIMEOUT_MS if lock_wait_seconds is None else int(lock_wait_seconds * 1000)
        _configure_sqlite(engine, busy_ms)
    return engine


def for_writing(engine: Engine) -> Engine:
    """The same engine (and pool), with transactions set up for appending.

    SQLite: ``BEGIN IMMEDIATE`` takes the write lock up front, so two writers queue on
    the busy timeout instead of one failing when it upgrades from a read lock.
    PostgreSQL: READ COMMITTED, so that a statement issued after waiting for a lock
    sees everything committed before the lock was granted (under REPEATABLE READ the
    snapshot would predate the wait).
    """
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="READ COMMITTED")
    return engine.execution_options(**{_WRITE: True})


def _configure_sqlite(engine: Engine, busy_ms: int) -> None:
    # The sqlite3 driver's own transaction handling defers BEGIN and never issues
    # BEGIN IMMEDIATE, so SQLAlchemy takes over, as its SQLite documentation describes
    # ("Enabling Non-Legacy SQLite Transactional Modes").
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            # WAL lets readers carry on while a writer holds the lock.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
            # Off by default in SQLite; on, so later foreign keys hold as on PostgreSQL.
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        if connection.get_execution_options().get(_WRITE):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


def execute_autocommit(url: str | URL, statement: str) -> None:
    """One statement outside any transaction (CREATE and DROP DATABASE refuse to run in one)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT")
            connection.execute(text(statement))
    finally:
        engine.dispose()


def migrate(url: str | URL, keys=None) -> None:
    """Upgrade the database at ``url`` to the newest schema; a no-op when it is there.

    ``keys``: the service's key provider (`sealing.keys.provider_for(settings)`), asked for
    its ring only by a migration that has something to seal (0008: webhook secrets)."""
    from alembic import command

    from store.migrations import alembic_config

    engine = make_engine(url)
    try:
        with for_writing(engine).begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
                )
            command.upgrade(alembic_config(connection, keys=keys), "head")
            if connection.dialect.name == "postgresql":
                # So that a worker or API replica connected as the application role can tell
                # whether the schema is the one its code needs (schema_problem, /readyz).
                connection.execute(text("GRANT SELECT ON alembic_version TO pathways_app"))
    finally:
        engine.dispose()


def schema_problem(engine: Engine) -> str | None:
    """Why this code cannot use the database's schema (None when it is the newest): a
    deployment migrates once, as the schema's owner, before workers and API replicas start."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from store.migrations import alembic_config

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    if current == head:
        return None
    return (f"the database schema is at {current or 'nothing'} and this release needs {head}: "
            "run `pathways migrate` first")
