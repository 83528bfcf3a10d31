"""ROTH practice: the journey summary names its chair, linked contexts and plan findings;
each LA keeps a pool of independent ROTH chairs.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24

``linked_contexts`` and ``plan_findings`` are JSON arrays of strings kept as text on both
engines (store/schema.py JSONArray); rows written before this revision read as empty lists
until the journey's next append or a rebuild (``pathways rebuild``) fills them in.

On PostgreSQL, ``pathways_app`` may read, add and change chairs but not delete them: a chair
removed from the pool is marked inactive, so the journeys it chaired still name a known chair.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

APP_ROLE = "pathways_app"

_utc = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("journeys") as table:
        table.add_column(sa.Column("chair_id", sa.String(64), nullable=True))
        table.add_column(sa.Column("linked_contexts", sa.Text(), nullable=False, server_default="[]"))
        table.add_column(sa.Column("plan_findings", sa.Text(), nullable=False, server_default="[]"))
    op.create_index("ix_journeys_la_chair", "journeys", ["local_authority", "chair_id"])

    op.create_table(
        "roth_chairs",
        sa.Column("local_authority", sa.String(3), nullable=False),
        sa.Column("chair_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("added_at", _utc, nullable=False),
        sa.PrimaryKeyConstraint("local_authority", "chair_id", name="pk_roth_chairs"),
    )

    if op.get_bind().dialect.name == "postgresql":
        # Default privileges set up by a DBA could already have granted more on a new table.
        op.execute(f"REVOKE ALL ON roth_chairs FROM {APP_ROLE}")
        op.execute(f"GRANT SELECT, INSERT, UPDATE ON roth_chairs TO {APP_ROLE}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"REVOKE ALL ON roth_chairs FROM {APP_ROLE}")
    op.drop_table("roth_chairs")
    op.drop_index("ix_journeys_la_chair", table_name="journeys")
    with op.batch_alter_table("journeys") as table:
        table.drop_column("plan_findings")
        table.drop_column("linked_contexts")
        table.drop_column("chair_id")
