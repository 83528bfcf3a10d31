"""Tamper evidence and access records: signed checkpoints over the log, and the access log.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08

``checkpoints``: one row per signed checkpoint (audit/checkpoints.py). ``tree_size`` is
the number of events covered (log positions 1..tree_size), ``root_hash`` the hex RFC 6962
Merkle root over their hashes, ``signature`` the base64 Ed25519 signature over the
canonical statement, made with a key kept outside the database (``key_id`` names it).

``access_log``: who looked at or exported what, and through which channel.

Both are records of what happened and are never rewritten. Guards, on both engines:
triggers refuse UPDATE and DELETE (and, on PostgreSQL, TRUNCATE), as for ``events``
(0001). On PostgreSQL ``pathways_app`` may only read and append them (plus USAGE on the
sequence behind ``access_log.id``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

APP_ROLE = "pathways_app"
# table -> the message its guard raises
APPEND_ONLY = {
    "checkpoints": "checkpoints are append-only",
    "access_log": "the access log is append-only",
}

_utc = sa.DateTime(timezone=True)
# SQLite only numbers a row by itself for an INTEGER PRIMARY KEY (a rowid alias).
_bigserial = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "checkpoints",
        sa.Column("tree_size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.String(64), nullable=False),
        sa.Column("signed_at", _utc, nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("created_at", _utc, nullable=False),
        sa.PrimaryKeyConstraint("tree_size", name="pk_checkpoints"),
    )

    op.create_table(
        "access_log",
        sa.Column("id", _bigserial, autoincrement=True, nullable=False),
        sa.Column("accessed_at", _utc, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("actor_role", sa.String(32), nullable=False),
        sa.Column("local_authority", sa.String(3), nullable=True),
        sa.Column("journey_id", sa.String(64), nullable=True),
        sa.Column("what", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("detail", sa.String(200), nullable=True),
        sa.Column("request_id", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_access_log"),
    )
    op.create_index("ix_access_log_journey_id_id", "access_log", ["journey_id", "id"])
    op.create_index("ix_access_log_actor_id", "access_log", ["actor", "id"])

    if op.get_bind().dialect.name == "postgresql":
        _postgresql_guards()
        _postgresql_grants()
    else:
        _sqlite_guards()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"REVOKE ALL ON {', '.join(APPEND_ONLY)} FROM {APP_ROLE}")
        op.execute(
            f"""
            DO $$
            BEGIN
                EXECUTE 'REVOKE ALL ON SEQUENCE '
                        || pg_get_serial_sequence('access_log', 'id') || ' FROM {APP_ROLE}';
            END
            $$
            """
        )
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update_or_delete ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
    else:
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    op.drop_index("ix_access_log_actor_id", table_name="access_log")
    op.drop_index("ix_access_log_journey_id_id", table_name="access_log")
    op.drop_table("access_log")
    op.drop_table("checkpoints")


def _sqlite_guards() -> None:
    for table, message in APPEND_ONLY.items():
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )


def _postgresql_guards() -> None:
    for table, message in APPEND_ONLY.items():
        op.execute(
            f"""
            CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{message}' USING ERRCODE = 'raise_exception';
            END
            $$
            """
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_update_or_delete BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
        )
        # Row triggers do not fire for TRUNCATE.
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()"
        )


def _postgresql_grants() -> None:
    # pathways_app was created by 0001. Default privileges set up by a DBA could already
    # have granted more on a new table, hence the REVOKE first.
    op.execute(f"REVOKE ALL ON {', '.join(APPEND_ONLY)} FROM {APP_ROLE}")
    op.execute(f"GRANT SELECT, INSERT ON {', '.join(APPEND_ONLY)} TO {APP_ROLE}")
    # No '%' here either: offline mode (alembic upgrade --sql) would double it.
    op.execute(
        f"""
        DO $$
        BEGIN
            EXECUTE 'GRANT USAGE ON SEQUENCE '
                    || pg_get_serial_sequence('access_log', 'id') || ' TO {APP_ROLE}';
        END
        $$
        """
    )
