"""Whether this process can do its work: the database answers with the schema this code needs,
and Temporal answers (observability/health.py says how each is asked)."""

from __future__ import annotations

from observability.health import readiness_problems
from services.wiring import Services


async def problems(svc: Services) -> dict[str, str]:
    """What keeps the service from its work, by dependency; empty when it is ready."""
    return await readiness_problems(svc.store.engine, svc.journeys.client)
