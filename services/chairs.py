"""The LA's pool of ROTH chairs: who may chair a ROTH conference, and how many cases each holds.

Every role of the LA reads the pool with each chair's load; a manager or an admin keeps it
(domain/roles.py). Whether a chair is in the pool is what the service tells a journey's
`assign_chair` (services/journeys.py), never the caller's to say.
"""

from __future__ import annotations

from services.errors import chair_not_found
from services.identity import Principal
from services.permissions import check_may_keep_chairs
from store.chairs import chairs_with_load, put_chair, remove_chair
from store.events import EventStore


def pool(store: EventStore, local_authority: str) -> list[dict]:
    """The LA's chairs, each with the open journeys they chair (and how many are ROTH)."""
    return chairs_with_load(store.engine, local_authority)


def put(store: EventStore, who: Principal, chair_id: str, name: str) -> dict:
    """Add a chair to the caller's LA's pool, or rename one there: the chair as the pool now has them."""
    check_may_keep_chairs(who)
    put_chair(store.engine, who.local_authority, chair_id, name)
    return next((c for c in pool(store, who.local_authority) if c["chair_id"] == chair_id), None) or {
        "chair_id": chair_id, "name": name, "active": True, "open_journeys": 0, "roth_open_journeys": 0}


def remove(store: EventStore, who: Principal, chair_id: str) -> None:
    """Take a chair out of the caller's LA's pool; NotFound if they are not in it."""
    check_may_keep_chairs(who)
    if not remove_chair(store.engine, who.local_authority, chair_id):
        raise chair_not_found()
