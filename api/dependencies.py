"""FastAPI dependencies: the app's wiring (services/wiring.py) as a route receives it, and
what routes of several modules take from it (the LA's today and its working-day calendar)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from fastapi import Depends, Request

from domain.calendar import WorkingDayCalendar
from services.clock import Clock, la_today as clock_today
from services.wiring import Services

__all__ = ["Services", "calendar", "clock", "la_today", "services"]


async def services(request: Request) -> Services:
    # Async, though it awaits nothing: FastAPI runs a plain function dependency in its thread
    # pool, a hop per request for an attribute read.
    return request.app.state.services


def clock(request: Request) -> Clock | None:
    """The app's clock, when one is set (`app.state.clock`, a callable returning an aware
    datetime: tests set one); None for the wall clock."""
    return getattr(request.app.state, "clock", None)


def la_today(request: Request) -> date:
    """The LA's today (London), by the app's clock."""
    return clock_today(clock(request))


@lru_cache(maxsize=8)
def _calendar_for(closure_days: tuple[date, ...]) -> WorkingDayCalendar:
    return WorkingDayCalendar(closure_days=closure_days)


def calendar(svc: Services = Depends(services)) -> WorkingDayCalendar:
    return _calendar_for(tuple(svc.settings.closure_days))
