"""Operator knobs read from the environment reach the worker's connection pool and its webhooks."""

from __future__ import annotations

from settings import Settings
from store.engine import make_engine


def test_pool_knobs_round_trip_through_the_environment():
    settings = Settings.from_env({"PATHWAYS_DB_POOL_SIZE": "20", "PATHWAYS_DB_MAX_OVERFLOW": "0"})
    assert (settings.db_pool_size, settings.db_max_overflow) == (20, 0)
    assert Settings.from_env(settings.env()).db_pool_size == 20
    # Unset (or empty, as env() writes an unset knob) keeps SQLAlchemy's own defaults.
    assert Settings.from_env({}).db_pool_size is None
    assert Settings.from_env(Settings().env()).db_max_overflow is None


def test_make_engine_sizes_the_pool(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'pool.db'}", pool_size=7, max_overflow=3)
    try:
        assert (engine.pool.size(), engine.pool._max_overflow) == (7, 3)
    finally:
        engine.dispose()
    make_engine("sqlite://", pool_size=7, max_overflow=3).dispose()  # in memory: ignored, not an error


def test_secrets_come_from_files_as_docker_and_kubernetes_mount_them(tmp_path):
    (tmp_path / "id_key").write_text("ab" * 32 + "\n")
    (tmp_path / "password").write_text("s3cret/with:odd@chars\n")
    settings = Settings.from_env({
        "PATHWAYS_ID_KEY_FILE": str(tmp_path / "id_key"),
        "PATHWAYS_DATABASE_URL": "postgresql://pathways_service@postgres:5432/pathways",
        "PATHWAYS_DATABASE_PASSWORD_FILE": str(tmp_path / "password"),
    })
    assert settings.id_key == bytes.fromhex("ab" * 32)
    from sqlalchemy.engine import make_url

    url = make_url(settings.database_url)
    assert (url.username, url.password, url.host, url.database) == (
        "pathways_service", "s3cret/with:odd@chars", "postgres", "pathways")
    # A value given directly wins over its file; children get the resolved values.
    assert Settings.from_env({"PATHWAYS_ID_KEY": "cd" * 32, "PATHWAYS_ID_KEY_FILE": str(tmp_path / "id_key")}).id_key \
        == bytes.fromhex("cd" * 32)
    assert Settings.from_env(settings.env()) == settings


def test_a_secret_file_that_cannot_be_read_stops_the_process_with_its_name(tmp_path):
    import pytest

    with pytest.raises(SystemExit, match="PATHWAYS_ID_KEY_FILE names .*missing"):
        Settings.from_env({"PATHWAYS_ID_KEY_FILE": str(tmp_path / "missing")})


def test_deployment_knobs_round_trip_through_the_environment():
    settings = Settings.from_env({
        "PATHWAYS_MIGRATE_ON_START": "0", "PATHWAYS_WORKER_HEALTH_PORT": "8081",
        "PATHWAYS_SHUTDOWN_GRACE_SECONDS": "12.5", "PATHWAYS_TEMPORAL_TLS": "1",
    })
    assert (settings.migrate_on_start, settings.worker_health_port, settings.shutdown_grace_seconds) == (False, 8081, 12.5)
    assert settings.temporal_uses_tls
    assert Settings.from_env(settings.env()) == settings
    assert Settings().migrate_on_start and Settings().worker_health_port is None


def test_the_webhook_allow_list_round_trips_and_only_the_embedded_default_allows_this_machine(tmp_path):
    import pytest

    settings = Settings.from_env({"PATHWAYS_WEBHOOK_ALLOWED_HOSTS": " 127.0.0.1, ::1,10.20.0.0/16 ,hooks.la.internal,"})
    assert settings.webhook_allowed_hosts == ("127.0.0.1", "::1", "10.20.0.0/16", "hooks.la.internal")
    assert Settings.from_env(settings.env()) == settings
    assert Settings.from_env({}).webhook_allowed_hosts == Settings().webhook_allowed_hosts == ()
    embedded = Settings.embedded(tmp_path)
    assert embedded.webhook_allowed_hosts == ("127.0.0.0/8", "::1")
    # A deployment configured from the environment allows only what it names, data folder or not.
    assert Settings.from_env({"PATHWAYS_DATA_DIR": str(tmp_path)}).webhook_allowed_hosts == ()
    with pytest.raises(SystemExit, match="PATHWAYS_WEBHOOK_ALLOWED_HOSTS: '10.0.0.0/33' is neither"):
        Settings.from_env({"PATHWAYS_WEBHOOK_ALLOWED_HOSTS": "10.0.0.0/33"})


def test_pathways_up_takes_the_operators_settings_that_make_sense_on_one_machine(tmp_path, monkeypatch):
    from pathlib import Path

    from cli.service import settings_for
    from settings import EMBEDDED_FROM_ENV

    env = {
        "PATHWAYS_CIN_VALIDATOR_PYTHON": "/opt/cin-validator/bin/python",
        "PATHWAYS_WEBHOOK_ALLOWED_HOSTS": "hooks.la.internal,10.20.0.0/16",
        "PATHWAYS_TIMESCALE_POLICY": "roth-cadence",
        "PATHWAYS_CLOSURE_DAYS": "2026-12-24",
        "PATHWAYS_MAX_CACHED_WORKFLOWS": "123",
        # Not taken: the embedded default runs its own Temporal and database, and keeps its keys.
        "PATHWAYS_DATABASE_URL": "postgresql://elsewhere/pathways",
        "PATHWAYS_TEMPORAL_ADDRESS": "temporal.elsewhere:7233",
        "PATHWAYS_ID_KEY": "ab" * 32,
        "PATHWAYS_MIGRATE_ON_START": "0",
    }
    settings = Settings.embedded_with_env(tmp_path, 7300, env)
    assert settings.cin_validator_python == Path("/opt/cin-validator/bin/python")
    # Named hosts are allowed beside this machine, which the embedded default allows.
    assert settings.webhook_allowed_hosts == ("127.0.0.0/8", "::1", "hooks.la.internal", "10.20.0.0/16")
    assert (settings.timescale_policy, settings.max_cached_workflows) == ("roth-cadence", 123)
    assert [d.isoformat() for d in settings.closure_days] == ["2026-12-24"]
    embedded = Settings.embedded(tmp_path, 7300)
    assert (settings.database_url, settings.temporal_address, settings.id_key, settings.migrate_on_start) == (
        embedded.database_url, embedded.temporal_address, embedded.id_key, embedded.migrate_on_start)
    assert Settings.embedded_with_env(tmp_path, 7300, {}) == embedded
    assert "database_url" not in EMBEDDED_FROM_ENV and "temporal_address" not in EMBEDDED_FROM_ENV
    # The CLI on the embedded default's folder reads the same (`pathways report` runs the validator).
    for name, value in env.items():
        if name != "PATHWAYS_DATABASE_URL":
            monkeypatch.setenv(name, value)
    monkeypatch.delenv("PATHWAYS_DATABASE_URL", raising=False)
    assert settings_for(tmp_path).cin_validator_python == Path("/opt/cin-validator/bin/python")
