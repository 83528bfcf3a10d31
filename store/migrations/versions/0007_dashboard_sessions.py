"""Dashboard sessions, shared by every API process that serves the same database.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

``dashboard_sessions``: one row per signed-in dashboard session (store/sessions.py). The
key is the SHA-256 (hex) of the session id the browser holds in its cookie, never the id
itself; ``sealed_token`` is the manager's or auditor's bearer token sealed with AES-256-GCM
under a key derived from the session id (HKDF-SHA256), so a copy of the table gives neither
a cookie nor a token. ``created_at`` bounds the session's lifetime and ``seen_at`` (the
last page view, kept to within a minute) its idle time; a session past either is no longer
honoured, and pruning deletes it, finding it through the index on each.

On PostgreSQL ``pathways_app`` may read, insert, update and delete them: a session is a
short-lived credential, not a record of what happened (sign-ins are in the request log).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

APP_ROLE = "pathways_app"
TABLE = "dashboard_sessions"
# Pruning deletes the rows idle too long or alive too long: one index for each condition.
INDEXES = {"ix_dashboard_sessions_seen_at": "seen_at", "ix_dashboard_sessions_created_at": "created_at"}

_utc = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("session_key", sa.String(64), nullable=False),
        sa.Column("sealed_token", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", _utc, nullable=False),
        sa.Column("seen_at", _utc, nullable=False),
        sa.PrimaryKeyConstraint("session_key", name="pk_dashboard_sessions"),
    )
    for name, column in INDEXES.items():
        op.create_index(name, TABLE, [column])

    if op.get_bind().dialect.name == "postgresql":
        # Default privileges set up by a DBA could already have granted more on a new table.
        op.execute(f"REVOKE ALL ON {TABLE} FROM {APP_ROLE}")
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {TABLE} TO {APP_ROLE}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"REVOKE ALL ON {TABLE} FROM {APP_ROLE}")
    for name in INDEXES:
        op.drop_index(name, table_name=TABLE)
    op.drop_table(TABLE)
