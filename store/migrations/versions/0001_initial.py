"""The event log, its read models, the outbox, and the guards on the log.

Revision ID: 0001
Revises:
Create Date: 2026-03-02

Guards, on both engines: triggers refuse UPDATE and DELETE on ``events`` (and, on
PostgreSQL, TRUNCATE), so even the schema owner cannot rewrite history by accident.

PostgreSQL also gets the NOLOGIN role ``pathways_app``: SELECT and INSERT on
``events`` (never UPDATE, DELETE or TRUNCATE), SELECT/INSERT/UPDATE/DELETE on the read
models and the outbox, and USAGE on their sequences. Production connects as a LOGIN role
that is a member of ``pathways_app`` and owns nothing, so that a bug or an intruder in
the application cannot change recorded events even with the triggers disabled; only the
migration role (the owner) can. Roles belong to the whole cluster, so the downgrade
revokes this database's grants but leaves the role itself in place.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APP_ROLE = "pathways_app"
GUARDED = "events are append-only"
READ_MODELS = ("journeys", "deadlines", "outbox")

_json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_utc = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("position", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("stream", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=True),
        sa.Column("recorded_at", _utc, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("actor_role", sa.String(32), nullable=False),
        sa.Column("command_id", sa.String(64), nullable=True),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("data", _json, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("position", name="pk_events"),
        sa.UniqueConstraint("event_id", name="uq_events_event_id"),
        sa.UniqueConstraint("stream", "version", name="uq_events_stream_version"),
    )
    op.create_index("ix_events_stream_command_id", "events", ["stream", "command_id"])

    op.create_table(
        "journeys",
        sa.Column("journey_id", sa.String(64), nullable=False),
        sa.Column("workflow_id", sa.String(128), nullable=False),
        sa.Column("local_authority", sa.String(3), nullable=False),
        sa.Column("pathway", sa.String(8), nullable=True),
        sa.Column("stage", sa.String(64), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("closure_reason", sa.String(64), nullable=True),
        sa.Column("next_deadline_kind", sa.String(64), nullable=True),
        sa.Column("next_due_on", sa.Date(), nullable=True),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", _utc, nullable=False),
        sa.PrimaryKeyConstraint("journey_id", name="pk_journeys"),
        sa.CheckConstraint("pathway IN ('roth', 'cp')", name="ck_journeys_pathway"),
    )
    op.create_index(
        "ix_journeys_la_closed_due", "journeys", ["local_authority", "closed", "next_due_on"]
    )
    op.create_index(
        "ix_journeys_la_pathway_stage", "journeys", ["local_authority", "pathway", "stage"]
    )
    op.create_index("ix_journeys_la_overdue", "journeys", ["local_authority", "overdue"])

    op.create_table(
        "deadlines",
        sa.Column("journey_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("original_due_on", sa.Date(), nullable=False),
        sa.Column("reminder_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("met_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("journey_id", "seq", name="pk_deadlines"),
        sa.CheckConstraint(
            "status IN ('open', 'met', 'missed', 'extended')", name="ck_deadlines_status"
        ),
    )
    op.create_index("ix_deadlines_kind_status_due", "deadlines", ["kind", "status", "due_on"])

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("notification_id", sa.String(64), nullable=False),
        sa.Column("journey_id", sa.String(64), nullable=False),
        sa.Column("local_authority", sa.String(3), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("payload", _json, nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("created_at", _utc, nullable=False),
        sa.Column("delivered_at", _utc, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("notification_id", name="uq_outbox_notification_id"),
    )
    op.create_index(
        "ix_outbox_pending",
        "outbox",
        ["id"],
        postgresql_where=sa.text("delivered_at IS NULL"),
        sqlite_where=sa.text("delivered_at IS NULL"),
    )

    if op.get_bind().dialect.name == "postgresql":
        _postgresql_guards()
        _postgresql_grants()
    else:
        _sqlite_guards()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _drop_postgresql_grants()
        op.execute("DROP TRIGGER IF EXISTS events_no_truncate ON events")
        op.execute("DROP TRIGGER IF EXISTS events_no_update_or_delete ON events")
        op.execute("DROP FUNCTION IF EXISTS events_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS events_no_update")
        op.execute("DROP TRIGGER IF EXISTS events_no_delete")
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.drop_table("outbox")
    op.drop_index("ix_deadlines_kind_status_due", table_name="deadlines")
    op.drop_table("deadlines")
    op.drop_index("ix_journeys_la_overdue", table_name="journeys")
    op.drop_index("ix_journeys_la_pathway_stage", table_name="journeys")
    op.drop_index("ix_journeys_la_closed_due", table_name="journeys")
    op.drop_table("journeys")
    op.drop_index("ix_events_stream_command_id", table_name="events")
    op.drop_table("events")


def _sqlite_guards() -> None:
    for operation in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER events_no_{operation.lower()} BEFORE {operation} ON events "
            f"BEGIN SELECT RAISE(ABORT, '{GUARDED}'); END"
        )


def _postgresql_guards() -> None:
    op.execute(
        f"""
        CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '{GUARDED}' USING ERRCODE = 'raise_exception';
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER events_no_update_or_delete BEFORE UPDATE OR DELETE ON events "
        "FOR EACH ROW EXECUTE FUNCTION events_append_only()"
    )
    # Row triggers do not fire for TRUNCATE.
    op.execute(
        "CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events "
        "FOR EACH STATEMENT EXECUTE FUNCTION events_append_only()"
    )


def _postgresql_grants() -> None:
    # No '%' in these statements: offline mode (alembic upgrade --sql) would double it.
    # CREATE ROLE has no IF NOT EXISTS, and the role may already exist because another
    # database on the same cluster created it.
    op.execute(
        f"""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                CREATE ROLE {APP_ROLE} NOLOGIN;
            END IF;
        END
        $$
        """
    )
    # Default privileges set up by a DBA could already have granted more on a new table.
    op.execute(f"REVOKE ALL ON events FROM {APP_ROLE}")
    op.execute(f"GRANT SELECT, INSERT ON events TO {APP_ROLE}")
    op.execute(
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(READ_MODELS)} TO {APP_ROLE}"
    )
    op.execute(
        f"""
        DO $$
        BEGIN
            EXECUTE 'GRANT USAGE ON SEQUENCE '
                    || pg_get_serial_sequence('outbox', 'id') || ' TO {APP_ROLE}';
        END
        $$
        """
    )


def _drop_postgresql_grants() -> None:
    op.execute(f"REVOKE ALL ON events, {', '.join(READ_MODELS)} FROM {APP_ROLE}")
    op.execute(
        f"""
        DO $$
        BEGIN
            EXECUTE 'REVOKE ALL ON SEQUENCE '
                    || pg_get_serial_sequence('outbox', 'id') || ' FROM {APP_ROLE}';
        END
        $$
        """
    )
