"""The little the dashboard reads besides the manager queries: who each listed journey is
about (the LA's child id and date of birth, for the age), always confined to one LA."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, select

from store.schema import journeys


def young_people(engine: Engine, local_authority: str, journey_ids: Iterable[str]) -> dict[str, dict]:
    """journey id -> {"id": LA child id, "date_of_birth": ISO date} for the LA's journeys."""
    ids = list(dict.fromkeys(journey_ids))
    if not ids:
        return {}
    with engine.connect() as connection:
        rows = connection.execute(
            select(journeys.c.journey_id, journeys.c.view).where(
                journeys.c.local_authority == local_authority, journeys.c.journey_id.in_(ids)
            )
        ).all()
    found = {}
    for journey_id, view in rows:
        person = (view or {}).get("young_person") or {}
        found[journey_id] = {"id": person.get("id"), "date_of_birth": person.get("date_of_birth")}
    return found
