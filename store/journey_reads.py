"""Reads of the journeys read model for pages that list journeys (services/dashboard.py): who
each listed journey is about (the LA's child id and date of birth, for the age), journeys'
views for the context pages, and the names journeys give the contexts they weigh; always
confined to one LA."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, select

from store.contexts import journeys_linked_to
from store.schema import journeys


def young_people(engine: Engine, local_authority: str, journey_ids: Iterable[str]) -> dict[str, dict]:
    """journey id -> {"id": LA child id, "date_of_birth": ISO date} for the LA's journeys."""
    found = {}
    for journey_id, view in journey_views(engine, local_authority, journey_ids).items():
        person = view.get("young_person") or {}
        found[journey_id] = {"id": person.get("id"), "date_of_birth": person.get("date_of_birth")}
    return found


def journey_views(engine: Engine, local_authority: str, journey_ids: Iterable[str]) -> dict[str, dict]:
    """journey id -> the journey's view (the contract's state shape) for the LA's journeys."""
    ids = list(dict.fromkeys(journey_ids))
    if not ids:
        return {}
    with engine.connect() as connection:
        rows = connection.execute(
            select(journeys.c.journey_id, journeys.c.view).where(
                journeys.c.local_authority == local_authority, journeys.c.journey_id.in_(ids)
            )
        ).all()
    return {journey_id: view or {} for journey_id, view in rows}


def context_names(engine: Engine, local_authority: str, context_ids: Iterable[str]) -> dict[str, dict]:
    """context id -> {"name", "kind"} as the latest weighting of one of the LA's open
    journeys that names it has them (for contexts that were never referred, and so have no
    case of their own to name them)."""
    wanted = list(dict.fromkeys(context_ids))
    first = {}
    for context_id in wanted:
        linked = journeys_linked_to(engine, local_authority, context_id)
        if linked:
            first[context_id] = [j["journey_id"] for j in linked[:3]]  # any one of them names it
    views = journey_views(engine, local_authority, [i for ids in first.values() for i in ids])
    names = {}
    for context_id, ids in first.items():
        for journey_id in ids:
            weightings = (views.get(journey_id) or {}).get("context_weightings") or []
            latest = weightings[-1].get("contexts", []) if weightings else []
            found = next((c for c in latest if c.get("context_id") == context_id), None)
            if found:
                names[context_id] = {"name": found.get("name"), "kind": found.get("kind")}
                break
    return names
