"""`pathways journey ID` and `pathways verify`: reading the record, no service needed.

A journey is shown the way an auditor would rebuild it: its stored events folded with the
domain's own `evolve`, deadlines derived from that state, and the chronology as logged.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from cli.service import settings_for
from domain import contexts as ctx
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
    calendar, today = WorkingDayCalendar(settings.closure_days), today or date.today()
    if logged[0].type in ctx.CONTEXT_EVENT_TYPES:
        _show_context_case(logged, calendar, today)
        _show_chronology(logged)
        return 0
    state = fold(decode(e.type, e.occurred_on, e.data) for e in logged)
    view = journey_view(state, calendar, today)
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
    _show_practice(view)
    _show_chronology(logged)
    return 0


def _show_practice(view: dict) -> None:
    if view["chair"]:
        print(f"  chair: {view['chair']}")
    if view["transfer_prompt"]:
        print(f"  consider transfer to {view['transfer_prompt'].upper()} at the next conference "
              "(the most influential context has moved)")
    if view["context_weightings"]:
        latest = view["context_weightings"][-1]
        named = ", ".join(f"{c['context_id']} {c['weight']}" for c in latest["contexts"])
        print(f"  latest context weighting ({latest['at']}, {latest['occurred_on']}): {named}")
    if view["care_plan"]:
        care = view["care_plan"]
        print(f"  plan version {care['version']}, made at the {care['made_at'].replace('_', ' ')} on {care['made_on']}")
        for finding in view["plan_findings"]:
            print(f"    plan check: {finding['message']}")
    if view["transition_plan_due"]:
        print("  transition plan due: the young person is 17")


def _show_context_case(logged, calendar: WorkingDayCalendar, today: date) -> None:
    case = ctx.fold(ctx.decode(e.type, e.occurred_on, e.data) for e in logged)
    view = ctx.context_view(case, calendar, today)
    print(f"Context case {view['case_id']} (LA {view['local_authority']}): {view['name']} [{view['context_id']}, {view['kind']}]")
    print(f"  referred {view['referred_on']}, {view['conferences_held']} context conference(s) held"
          + (f", closed on {view['closed_on']}: {view['closure_reason']}" if view["closed"] else ""))
    if view["next_conference"]:
        due = view["next_conference"]
        print(f"  next {due['kind'].replace('_', ' ')} due {due['due_on']} [{due['status']}]")
    for action in view["actions"]:
        done = f", done {action['done_on']}" if action["done_on"] else ""
        print(f"  action {action['action_id']} ({action['kind']}): {action['owner']} by {action['due_on']}{done}")


def _show_chronology(logged) -> None:
    print("Chronology:")
    for e in logged:
        print(f"  {e.version:>3}  {str(e.occurred_on or '-'):<10}  {e.type:<26} by {e.actor} ({e.actor_role}), "
              f"recorded {e.recorded_at:%Y-%m-%d %H:%M:%S}, hash {e.hash[:12]}")


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
