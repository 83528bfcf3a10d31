"""Which journeys name which contexts: the link between young people and context cases.

A context case (domain/contexts.py) does not list the young people it concerns; each journey's
latest context weighting names the contexts outside the home, which its summary keeps in
`journeys.linked_contexts`. These reads open that JSON array on either engine
(store.sql.array_elements), confined to one LA and filtered on (local_authority, closed),
the leading columns of ix_journeys_la_closed_due.
"""

from __future__ import annotations

from sqlalchemy import Engine, false, select, text

from store import sql
from store.schema import journeys

__all__ = ["contexts_linked_to_open_journeys", "journeys_linked_to"]


def contexts_linked_to_open_journeys(engine: Engine, local_authority: str, minimum: int = 2) -> list[dict]:
    """Contexts that at least `minimum` of the LA's open journeys name: [{"context_id",
    "open_journeys"}], most linked first, then by context id. A context several young people
    share is what a context conference is for."""
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT element.value AS context_id, count(DISTINCT j.journey_id) AS open_journeys "
                f"FROM journeys AS j, {sql.array_elements(connection, 'j.linked_contexts')} "
                "WHERE j.local_authority = :la AND j.closed = :closed "
                "GROUP BY element.value HAVING count(DISTINCT j.journey_id) >= :minimum"
            ),
            {"la": local_authority, "closed": False, "minimum": minimum},
        ).all()
    # Ordered here, so both engines agree whatever PostgreSQL's collation.
    return sorted(({"context_id": r.context_id, "open_journeys": r.open_journeys} for r in rows),
                  key=lambda r: (-r["open_journeys"], r["context_id"]))


def journeys_linked_to(
    engine: Engine, local_authority: str, context_id: str, include_closed: bool = False
) -> list[dict]:
    """The LA's journeys (open ones only, unless `include_closed`) whose latest weighting names
    the context: [{"journey_id", "child_id", "pathway", "stage", "closed", "next_deadline_kind",
    "next_due_on", "plan_findings"}] by journey id. `child_id` is the LA's own id for the
    young person, from the journey's view."""
    with engine.connect() as connection:
        names_it = text(
            f"EXISTS (SELECT 1 FROM {sql.array_elements(connection, 'journeys.linked_contexts')} "
            "WHERE element.value = :context_id)"
        ).bindparams(context_id=context_id)
        query = select(
            journeys.c.journey_id, journeys.c.view[("young_person", "id")].as_string().label("child_id"),
            journeys.c.pathway, journeys.c.stage, journeys.c.closed, journeys.c.next_deadline_kind,
            journeys.c.next_due_on, journeys.c.plan_findings,
        ).where(journeys.c.local_authority == local_authority, names_it)
        if not include_closed:
            query = query.where(journeys.c.closed == false())
        rows = connection.execute(query).all()
    return sorted((dict(row._mapping) for row in rows), key=lambda r: r["journey_id"])
