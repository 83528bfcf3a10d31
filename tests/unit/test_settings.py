"""Operator knobs read from the environment reach the worker's connection pool."""

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
