"""Population baselines: the counts an LA supplies for the cohort report's disproportionality.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-15

``population_baselines``: one row each time an LA records its population for a dimension
of the cohort ("ethnicity", "sex", "age_band"): the count of each group (JSON, group ->
count), the age bands of the cohort the population covers (a JSON array; null for every
age), where the figures come from, who recorded them and when. The latest row of an LA and
dimension is the one in force; earlier rows are kept, so a report published last year can
still be explained by the baseline it used.

On PostgreSQL ``pathways_app`` may only read and append them (plus USAGE on the sequence
behind ``id``): a new baseline is a new row, never an edit of the old one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

APP_ROLE = "pathways_app"
TABLE = "population_baselines"

_json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_utc = sa.DateTime(timezone=True)
# SQLite only numbers a row by itself for an INTEGER PRIMARY KEY (a rowid alias).
_bigserial = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", _bigserial, autoincrement=True, nullable=False),
        sa.Column("local_authority", sa.String(3), nullable=False),
        sa.Column("dimension", sa.String(32), nullable=False),
        sa.Column("counts", _json, nullable=False),
        sa.Column("age_bands", sa.Text(), nullable=True),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", _utc, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_population_baselines"),
    )
    op.create_index("ix_population_baselines_la_dimension_id", TABLE, ["local_authority", "dimension", "id"])

    if op.get_bind().dialect.name == "postgresql":
        # Default privileges set up by a DBA could already have granted more on a new table.
        op.execute(f"REVOKE ALL ON {TABLE} FROM {APP_ROLE}")
        op.execute(f"GRANT SELECT, INSERT ON {TABLE} TO {APP_ROLE}")
        # No '%' here: offline mode (alembic upgrade --sql) would double it.
        op.execute(
            f"""
            DO $$
            BEGIN
                EXECUTE 'GRANT USAGE ON SEQUENCE '
                        || pg_get_serial_sequence('{TABLE}', 'id') || ' TO {APP_ROLE}';
            END
            $$
            """
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"REVOKE ALL ON {TABLE} FROM {APP_ROLE}")
        op.execute(
            f"""
            DO $$
            BEGIN
                EXECUTE 'REVOKE ALL ON SEQUENCE '
                        || pg_get_serial_sequence('{TABLE}', 'id') || ' FROM {APP_ROLE}';
            END
            $$
            """
        )
    op.drop_index("ix_population_baselines_la_dimension_id", table_name=TABLE)
    op.drop_table(TABLE)
