"""Webhook secrets sealed at rest.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

``webhook_subscriptions.secret`` (the HMAC key in plain text, so a copy of the database let
anyone forge the LA's notifications) gives way to ``sealed_secret``, the secret sealed with
AES-256-GCM (sealing/webhook_secrets.py), and ``secret_key_id``, the ring key it was sealed
under. Existing secrets are sealed here, in the migration's own transaction: once it commits,
no plain secret is left in any row.

Sealing needs the service's key ring, which is never in the database: `store.engine.migrate`
hands on the provider its caller got the way the service does (`provider_for(settings)`:
`PATHWAYS_SEALING_KEYS[_FILE]`, or the ring file in the data folder), as `pathways migrate`,
the worker's migration on start and `pathways up` all do. The ring is asked for only when
there are secrets to seal; without one then, the migration stops with the reason and changes
nothing. Downgrading opens the secrets again with the same ring.

SQLite cannot make a column NOT NULL in place, and rebuilding the table the usual way (copy,
drop, rename) trips the foreign key from ``webhook_deliveries``; so there the table is dropped
and made anew with its rows put back, with the foreign keys checked at commit
(``defer_foreign_keys``) and the freed pages zeroed (``secure_delete``) so that the old plain
secrets do not linger in the file. On PostgreSQL the old row versions linger until VACUUM:
run ``VACUUM FULL webhook_subscriptions`` after upgrading to rewrite the table without them.
"""

from __future__ import annotations

import functools
from typing import Callable

import sqlalchemy as sa
from alembic import context, op

from sealing.keys import KeyRing
from sealing.webhook_secrets import SealedSecret, open_secret, seal_secret
from store.migrations import SEALING_KEYS

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TABLE = "webhook_subscriptions"
INDEX = "ix_webhook_subscriptions_la_active"

# The secret columns before and after, with what empties each.
_PLAIN = {"secret": (sa.String(128), "")}
_SEALED = {"secret_key_id": (sa.String(64), ""), "sealed_secret": (sa.LargeBinary(), b"")}


def upgrade() -> None:
    ring = _caller_ring()

    def sealed(row: dict) -> dict:
        secret = seal_secret(ring(), row.pop("secret"), subscription_id=row["subscription_id"],
                             local_authority=row["local_authority"])
        return {**row, "secret_key_id": secret.key_id, "sealed_secret": secret.sealed}

    _change_secret_columns(_PLAIN, _SEALED, sealed)


def downgrade() -> None:
    ring = _caller_ring()

    def opened(row: dict) -> dict:
        secret = SealedSecret(row.pop("secret_key_id"), row.pop("sealed_secret"))
        plain = open_secret(ring(), secret, subscription_id=row["subscription_id"], local_authority=row["local_authority"])
        return {**row, "secret": plain}

    _change_secret_columns(_SEALED, _PLAIN, opened)


def _caller_ring() -> Callable[[], KeyRing]:
    """The caller's ring, asked for once, and only if there is a secret to seal or open."""
    @functools.cache
    def ring() -> KeyRing:
        provider = op.get_context().config.attributes.get(SEALING_KEYS)
        if provider is None:
            raise RuntimeError(
                "migration 0008 seals the webhook subscriptions' secrets and needs the service's key ring: "
                "run `pathways migrate` with the service's settings (or pass keys= to store.engine.migrate)")
        return provider.key_ring()
    return ring


def _change_secret_columns(old: dict, new: dict, convert: Callable[[dict], dict]) -> None:
    if context.is_offline_mode():
        raise RuntimeError("migration 0008 seals or opens secrets with the key ring, which SQL alone cannot do: "
                           "run it online (`pathways migrate`)")
    bind = op.get_bind()
    existing = sa.Table(TABLE, sa.MetaData(), autoload_with=bind)
    # Untyped columns: each value comes back as the driver stored it, and goes back the same.
    rows = [convert(dict(r._mapping))
            for r in bind.execute(sa.select(*map(sa.column, existing.columns.keys())).select_from(sa.table(TABLE)))]
    if bind.dialect.name == "sqlite":
        _rebuild_on_sqlite(existing, old, new, rows)
        return
    for name, (type_, _) in new.items():
        op.add_column(TABLE, sa.Column(name, type_, nullable=True))
    table = sa.table(TABLE, *map(sa.column, ["subscription_id", *old, *new]))
    for row in rows:
        # The old values emptied too: PostgreSQL drops a column by hiding it, not by rewriting rows.
        bind.execute(table.update().where(table.c.subscription_id == row["subscription_id"]).values(
            **{name: empty for name, (_, empty) in old.items()}, **{name: row[name] for name in new}))
    for name in new:
        op.alter_column(TABLE, name, nullable=False)
    for name in old:
        op.drop_column(TABLE, name)


def _rebuild_on_sqlite(existing: sa.Table, old: dict, new: dict, rows: list[dict]) -> None:
    """The table made anew as it was, with the `new` secret columns after `url` instead of the `old`."""
    columns = []
    for column in existing.columns:
        if column.name not in old:
            columns.append(sa.Column(column.name, column.type, nullable=column.nullable))
        if column.name == "url":
            columns.extend(sa.Column(name, type_, nullable=False) for name, (type_, _) in new.items())
    op.execute("PRAGMA defer_foreign_keys = ON")
    op.execute("PRAGMA secure_delete = ON")
    op.drop_index(INDEX, table_name=TABLE)
    op.drop_table(TABLE)
    op.create_table(TABLE, *columns, sa.PrimaryKeyConstraint("subscription_id", name="pk_webhook_subscriptions"))
    op.create_index(INDEX, TABLE, ["local_authority", "active"])
    if rows:
        op.bulk_insert(sa.table(TABLE, *map(sa.column, rows[0])), rows)
