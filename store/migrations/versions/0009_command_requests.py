"""Command requests: which request each command id of an LA answered (idempotency keys).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

``command_requests``: one row per command a client sent through the API and the service
recorded, written in the append's transaction (R7, store/port.py): the caller's LA, the
command id, the stream whose events answer it and the canonical hash of the request
(api/idempotency.py). The same command id sent again with another request is refused
(409 `command_id_reused`) by comparing with it. No personal data: ids and a hash.

On PostgreSQL ``pathways_app`` may read and insert them, as events: a row records what was
answered, and is never changed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

APP_ROLE = "pathways_app"
TABLE = "command_requests"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("local_authority", sa.String(3), nullable=False),
        sa.Column("command_id", sa.String(64), nullable=False),
        sa.Column("stream", sa.String(64), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("local_authority", "command_id", name="pk_command_requests"),
    )
    if op.get_bind().dialect.name == "postgresql":
        # Default privileges set up by a DBA could already have granted more on a new table.
        op.execute(f"REVOKE ALL ON {TABLE} FROM {APP_ROLE}")
        op.execute(f"GRANT SELECT, INSERT ON {TABLE} TO {APP_ROLE}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"REVOKE ALL ON {TABLE} FROM {APP_ROLE}")
    op.drop_table(TABLE)
