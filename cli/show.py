"""`pathways journey ID` and `pathways verify`: reading the record, no service needed.

A journey is shown the way an auditor would rebuild it: its stored events folded with the
domain's own `evolve`, deadlines derived from that state, and the chronology as logged. The
record's codes are printed as they are stored (an auditor matches them against the API and
the export); what is put into words is worded by domain/vocabulary.py.

Showing a journey is a read of its data like any other: it is recorded in the access log
(store/access_log.py) before anything is printed, with channel "cli", the operating system
user as the actor, role "operator" and the journey's LA. If it cannot be recorded, nothing
is shown. A context case's record is about a place or group, not a young person, and is not
recorded.
"""

from __future__ import annotations

import getpass
import os
import sys
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from cli.service import settings_for
from domain import contexts as ctx
from domain import vocabulary
from domain.calendar import WorkingDayCalendar
from domain.decider import fold
from domain.events import decode
from domain.history import as_of
from domain.views import journey_view
from observability.logs import configure_logging
from services import access, integrity
from services.integrity import PAGE_SIZE
from services.access import Reader
from services.identity import Principal
from services.wiring import open_store
from store.access_log import CLI, JOURNEY_RECORD
from store.events import EventStore
from store.history import journey_history
from workflows.local_time import LONDON


def show_journey(data_dir: Path, journey_id: str, today: date | None = None,
                 as_recorded_at: datetime | None = None, as_occurred_by: date | None = None) -> int:
    """With `as_recorded_at` and/or `as_occurred_by`, the journey as it stood (domain/history.py);
    the chronology printed is always the whole record."""
    settings = settings_for(data_dir)
    store = open_store(settings)
    logged = store.read_stream(journey_id)
    if not logged:
        print(f"No journey {journey_id} in the event log.")
        return 1
    calendar, today = WorkingDayCalendar(settings.closure_days), today or date.today()
    if logged[0].type in ctx.CONTEXT_EVENT_TYPES:
        _show_context_case(logged, calendar, today)
        _show_chronology(logged)
        return 0
    as_of_asked = as_recorded_at is not None or as_occurred_by is not None
    if as_of_asked:
        state = as_of(journey_history(store, journey_id), as_recorded_at, as_occurred_by)
        if state.journey_id is None:
            print(f"Journey {journey_id} had nothing recorded by then.")
            return 1
        today = as_occurred_by or as_recorded_at.astimezone(LONDON).date()
    else:
        state = fold(decode(e.type, e.occurred_on, e.data) for e in logged)
    view = journey_view(state, calendar, today)
    if not record_cli_read(store, journey_id, view["local_authority"]):
        return 1
    if as_of_asked:
        print(f"As it stood{f' on {as_occurred_by}' if as_occurred_by else ''}"
              f"{f', as recorded by {as_recorded_at.isoformat()}' if as_recorded_at else ''}:")
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


OPERATOR_ROLE = "operator"


def operator() -> str:
    """Who is running the command: the operating system's user name (or the user id, where
    the system has no name for it)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return f"uid-{os.getuid()}"


def operator_reader(local_authority: str) -> Reader:
    """The operator as the access log records a command line read in an LA."""
    return Reader(Principal(operator(), OPERATOR_ROLE, local_authority), CLI)


def record_cli_read(store: EventStore, journey_id: str, local_authority: str, what: str = JOURNEY_RECORD) -> bool:
    """Record a command line read of a journey's data; False (and say so) if it cannot be
    recorded: then nothing of the journey is handed over."""
    try:
        access.record(store, operator_reader(local_authority), what, [journey_id])
    except (SQLAlchemyError, ValueError) as err:
        print(f"Could not record this read in the access log ({type(err).__name__}), so the journey is not shown.",
              file=sys.stderr)
        return False
    return True


def _show_practice(view: dict) -> None:
    if view["chair"]:
        print(f"  chair: {view['chair']}")
    if view["transfer_prompt"]:
        print(f"  {vocabulary.in_a_sentence(vocabulary.transfer_prompt(view['transfer_prompt']))} at the next conference "
              "(the most influential context has moved)")
    if view["context_weightings"]:
        latest = view["context_weightings"][-1]
        named = ", ".join(f"{c['context_id']} {c['weight']}" for c in latest["contexts"])
        print(f"  latest context weighting ({latest['at']}, {latest['occurred_on']}): {named}")
    if view["care_plan"]:
        care = view["care_plan"]
        made_at = vocabulary.in_a_sentence(vocabulary.meeting(care["made_at"]))
        print(f"  plan version {care['version']}, made at the {made_at} on {care['made_on']}")
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
        print(f"  next {vocabulary.in_a_sentence(vocabulary.context_conference(due['kind']))} due {due['due_on']} "
              f"[{due['status']}]")
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
    result = integrity.verify(open_store(settings), page_size, workers)
    if result.ok:
        print(f"OK: {result.events_checked} events in {result.streams} journeys; every hash chain is intact.")
        return 0
    problem = result.first_problem
    print(f"BROKEN at position {problem.position} (journey {problem.stream}, version {problem.version}, "
          f"event {problem.event_id}): {problem.reason}")
    return 1


def journey_main(args) -> int:
    configure_logging("warning")
    return show_journey(Path(args.data_dir), args.journey_id,
                        as_recorded_at=args.as_recorded_at, as_occurred_by=args.as_occurred_by)


def add_as_of_options(parser) -> None:
    """`pathways journey ID --as-occurred-by DAY --as-recorded-at MOMENT`."""
    parser.add_argument("--as-occurred-by", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD",
                        help="the journey as it stood on this day, by what is known now")
    parser.add_argument("--as-recorded-at", type=_moment, default=None, metavar="ISO-TIME",
                        help="the journey as the record showed it at this moment (London time unless a zone is given)")


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=LONDON)


def verify_main(args) -> int:
    configure_logging("warning")
    return verify(Path(args.data_dir), args.page_size, args.workers)
