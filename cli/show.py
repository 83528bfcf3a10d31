"""`pathways journey ID` and `pathways verify`: reading the record, no service needed.

A journey is shown the way an auditor would rebuild it: its stored events folded with the
domain's own `evolve`, deadlines derived from that state, and the chronology as logged.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from cli.service import settings_for
from domain.calendar import WorkingDayCalendar
from domain.decider import fold
from domain.events import decode
from domain.views import journey_view
from settings import configure_logging
from store.engine import make_engine
from store.events import EventStore
from store.verify import PAGE_SIZE, verify_log


def show_journey(data_dir: Path, journey_id: str, today: date | None = None) -> int:
    settings = settings_for(data_dir)
    store = EventStore(make_engine(settings.database_url))
    logged = store.read_stream(journey_id)
    if not logged:
        print(f"No journey {journey_id} in the event log.")
        return 1
    state = fold(decode(e.type, e.occurred_on, e.data) for e in logged)
    view = journey_view(state, WorkingDayCalendar(settings.closure_days), today or date.today())
    plan = view["plan"]
    print(f"Journey {view['journey_id']} (LA {view['local_authority']}), policy {view['policy']}")
    print(f"  young person: {view['young_person']['id']}, born {view['young_person']['date_of_birth']}")
    print(f"  pathway: {view['pathway'] or '-'}   stage: {view['stage']}"
          + (f"   closed on {view['closed_on']}: {view['closure_reason']}" if view["closed"] else ""))
    if plan:
        where = "outside the home" if plan["outside_home"] else "within the family"
        print(f"  plan since {plan['started_on']}: {', '.join(plan['categories'])} ({where})")
    print("Deadlines:")
    for d in view["deadlines"]:
        extra = f", met on {d['met_on']}" if d["met_on"] else ""
        extra += f", originally due {d['original_due_on']}" if d["original_due_on"] != d["due_on"] else ""
        print(f"  {d['kind']:<22} due {d['due_on']}  {d['status']}{extra}")
    print("Chronology:")
    for e in logged:
        print(f"  {e.version:>3}  {str(e.occurred_on or '-'):<10}  {e.type:<26} by {e.actor} ({e.actor_role}), "
              f"recorded {e.recorded_at:%Y-%m-%d %H:%M:%S}, hash {e.hash[:12]}")
    return 0


def verify(data_dir: Path, page_size: int = PAGE_SIZE, workers: int = 1) -> int:
    settings = settings_for(data_dir)
    result = verify_log(make_engine(settings.database_url), page_size, workers)
    if result.ok:
        print(f"OK: {result.events_checked} events in {result.streams} journeys; every hash chain is intact.")
        return 0
    problem = result.first_problem
    print(f"BROKEN at position {problem.position} (journey {problem.stream}, version {problem.version}, "
          f"event {problem.event_id}): {problem.reason}")
    return 1


def journey_main(args) -> int:
    configure_logging("warning")
    return show_journey(Path(args.data_dir), args.journey_id)


def verify_main(args) -> int:
    configure_logging("warning")
    return verify(Path(args.data_dir), args.page_size, args.workers)
