"""The journey summary keeps the contract's state shape, so reads need no workflow query.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("journeys") as table:
        table.add_column(sa.Column("view", _json, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("journeys") as table:
        table.drop_column("view")
