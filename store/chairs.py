"""Each LA's pool of independent ROTH chairs, and how many open journeys each one chairs.

A chair removed from the pool keeps its row, marked inactive: the journeys it chaired still
name it, and managers still see its load until they are reassigned. Every function is
confined to one LA; another LA's chairs and journeys never count.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Engine, and_, case, false, func, select, true, update

from store import sql
from store.engine import for_writing
from store.schema import journeys, roth_chairs
from store.validation import check_columns

__all__ = ["chair_in_pool", "chairs_with_load", "put_chair", "remove_chair"]


def put_chair(engine: Engine, local_authority: str, chair_id: str, name: str) -> None:
    """Add the chair to the LA's pool, or update its name and put it back if it was removed.
    Idempotent; `added_at` is when the chair (last) joined the pool."""
    values = {"local_authority": local_authority, "chair_id": chair_id, "name": name, "active": True,
              "added_at": datetime.now(timezone.utc)}
    # SQLite ignores VARCHAR lengths: refuse here what PostgreSQL would.
    check_columns(roth_chairs, values)
    with for_writing(engine).begin() as connection:
        statement = sql.insert(connection, roth_chairs).values(values)
        connection.execute(statement.on_conflict_do_update(
            index_elements=[roth_chairs.c.local_authority, roth_chairs.c.chair_id],
            set_={
                "name": statement.excluded.name,
                "added_at": case((roth_chairs.c.active, roth_chairs.c.added_at), else_=statement.excluded.added_at),
                "active": true(),
            },
        ))


def remove_chair(engine: Engine, local_authority: str, chair_id: str) -> bool:
    """Take the chair out of the pool (marked inactive); False if it was not in the pool."""
    with for_writing(engine).begin() as connection:
        result = connection.execute(
            update(roth_chairs)
            .where(_this(local_authority, chair_id), roth_chairs.c.active == true())
            .values(active=False)
        )
    return result.rowcount > 0


def chair_in_pool(engine: Engine, local_authority: str, chair_id: str) -> bool:
    """Whether the chair is an active member of the LA's pool."""
    with engine.connect() as connection:
        found = connection.execute(
            select(roth_chairs.c.chair_id).where(_this(local_authority, chair_id), roth_chairs.c.active == true())
        ).first()
    return found is not None


def chairs_with_load(engine: Engine, local_authority: str) -> list[dict]:
    """Every chair of the LA, active or not: [{"chair_id", "name", "active", "open_journeys",
    "roth_open_journeys"}], by chair id. The loads count the LA's open journeys whose summary
    names the chair (ix_journeys_la_chair), all pathways and ROTH only."""
    held = and_(
        journeys.c.local_authority == roth_chairs.c.local_authority,
        journeys.c.chair_id == roth_chairs.c.chair_id,
        journeys.c.closed == false(),
    )
    query = (
        select(
            roth_chairs.c.chair_id, roth_chairs.c.name, roth_chairs.c.active,
            func.count(journeys.c.journey_id).label("open_journeys"),
            func.count(case((journeys.c.pathway == "roth", journeys.c.journey_id))).label("roth_open_journeys"),
        )
        .select_from(roth_chairs.outerjoin(journeys, held))
        .where(roth_chairs.c.local_authority == local_authority)
        .group_by(roth_chairs.c.chair_id, roth_chairs.c.name, roth_chairs.c.active)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    # Sorted here rather than in SQL, so both engines answer in the same (code point) order
    # whatever PostgreSQL's collation.
    return sorted((dict(row._mapping) for row in rows), key=lambda r: r["chair_id"])


def _this(local_authority: str, chair_id: str):
    return and_(roth_chairs.c.local_authority == local_authority, roth_chairs.c.chair_id == chair_id)
