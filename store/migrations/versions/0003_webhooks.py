"""Webhook subscriptions per LA, the deliveries each notification is owed, and every attempt.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

On PostgreSQL, ``pathways_app`` may change subscriptions and delivery states, but may only
read and append the attempt log (``webhook_delivery_log``): like the event log, it is a
record of what happened and is never rewritten.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

APP_ROLE = "pathways_app"
CHANGEABLE = ("webhook_subscriptions", "webhook_deliveries")
APPEND_ONLY = "webhook_delivery_log"

_json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_utc = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "webhook_subscriptions",
        sa.Column("subscription_id", sa.String(36), nullable=False),
        sa.Column("local_authority", sa.String(3), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("secret", sa.String(128), nullable=False),
        sa.Column("all_types", sa.Boolean(), nullable=False),
        sa.Column("event_types", _json, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", _utc, nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("disabled_at", _utc, nullable=True),
        sa.Column("disabled_by", sa.String(128), nullable=True),
        sa.PrimaryKeyConstraint("subscription_id", name="pk_webhook_subscriptions"),
    )
    op.create_index(
        "ix_webhook_subscriptions_la_active", "webhook_subscriptions", ["local_authority", "active"]
    )

    op.create_table(
        "webhook_deliveries",
        sa.Column("notification_id", sa.String(64), nullable=False),
        sa.Column("subscription_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("created_at", _utc, nullable=False),
        sa.Column("updated_at", _utc, nullable=False),
        sa.Column("delivered_at", _utc, nullable=True),
        sa.PrimaryKeyConstraint("notification_id", "subscription_id", name="pk_webhook_deliveries"),
        sa.CheckConstraint(
            "status IN ('pending', 'delivered', 'failed', 'abandoned', 'cancelled')",
            name="ck_webhook_deliveries_status",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"], ["webhook_subscriptions.subscription_id"],
            name="fk_webhook_deliveries_subscription",
        ),
    )
    op.create_index(
        "ix_webhook_deliveries_status", "webhook_deliveries", ["status", "notification_id"]
    )
    op.create_index(
        "ix_webhook_deliveries_subscription", "webhook_deliveries", ["subscription_id", "created_at"]
    )

    op.create_table(
        "webhook_delivery_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("notification_id", sa.String(64), nullable=False),
        sa.Column("subscription_id", sa.String(36), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("attempted_at", _utc, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(500), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_delivery_log"),
        sa.CheckConstraint(
            "outcome IN ('delivered', 'retry', 'failed')", name="ck_webhook_delivery_log_outcome"
        ),
        sa.UniqueConstraint(
            "notification_id", "subscription_id", "attempt", name="uq_webhook_delivery_log_attempt"
        ),
        sa.ForeignKeyConstraint(
            ["notification_id", "subscription_id"],
            ["webhook_deliveries.notification_id", "webhook_deliveries.subscription_id"],
            name="fk_webhook_delivery_log_delivery",
        ),
    )

    if op.get_bind().dialect.name == "postgresql":
        _postgresql_grants()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"REVOKE ALL ON {', '.join(CHANGEABLE)}, {APPEND_ONLY} FROM {APP_ROLE}")
    op.drop_table("webhook_delivery_log")
    op.drop_index("ix_webhook_deliveries_subscription", table_name="webhook_deliveries")
    op.drop_index("ix_webhook_deliveries_status", table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_index("ix_webhook_subscriptions_la_active", table_name="webhook_subscriptions")
    op.drop_table("webhook_subscriptions")


def _postgresql_grants() -> None:
    # pathways_app was created by 0001. Default privileges set up by a DBA could already
    # have granted more on a new table, hence the REVOKEs first.
    op.execute(f"REVOKE ALL ON {', '.join(CHANGEABLE)}, {APPEND_ONLY} FROM {APP_ROLE}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(CHANGEABLE)} TO {APP_ROLE}")
    op.execute(f"GRANT SELECT, INSERT ON {APPEND_ONLY} TO {APP_ROLE}")
    # No '%' here either: offline mode (alembic upgrade --sql) would double it.
    op.execute(
        f"""
        DO $$
        BEGIN
            EXECUTE 'GRANT USAGE ON SEQUENCE '
                    || pg_get_serial_sequence('{APPEND_ONLY}', 'id') || ' TO {APP_ROLE}';
        END
        $$
        """
    )
