"""Alembic migrations for the store, usable without an ``alembic.ini`` on disk.

``store.engine.migrate`` is the normal entry point. For other Alembic commands
(history, downgrade, writing a new revision) build the configuration here::

    from alembic import command
    with make_engine(url).begin() as connection:
        command.downgrade(alembic_config(connection), "base")
"""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from sqlalchemy import Connection

SCRIPT_LOCATION = Path(__file__).resolve().parent
# Where a migration finds the key provider it was given.
SEALING_KEYS = "sealing_keys"


def alembic_config(connection: Connection | None = None, url: str | None = None, keys=None) -> Config:
    """Configuration for running Alembic against ``connection`` (or ``url`` if none).

    With a connection, Alembic runs inside the caller's transaction, so the caller
    decides when the schema change commits. ``keys`` (a sealing.keys.KeyProvider) is the
    service's key ring, for migrations that seal what was stored in plain (0008).
    """
    config = Config()
    # ConfigParser interpolation would otherwise treat '%' in a path as a directive.
    config.set_main_option("script_location", str(SCRIPT_LOCATION).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    if url is not None:
        config.attributes["url"] = url
    if keys is not None:
        config.attributes[SEALING_KEYS] = keys
    return config
