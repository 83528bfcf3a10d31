"""`pathways demo`: a handful of fictional journeys, backdated, through the running service.

A newcomer sees, in a minute: deadlines met, one missed (with the notification the LA's
system would receive), ROTH practice (an independent chair, context weighting, a plan under
three headings with its quality check, the young person's and parents' views), a ROTH -> CP
transfer prompted by a shift in the weighting, a park linked from two journeys, and a closure. Every young person here is
invented; their ids start with DEMO so they are never mistaken for real ones.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import date, timedelta
from pathlib import Path


from cli.service import settings_for
from domain.calendar import WorkingDayCalendar
from observability.logs import configure_logging
from services import chairs, contexts as context_cases
from services.identity import Principal
from services.wiring import open_store
from store.events import EventStore
from workflows.client import CommandRefused, ContextClient, JourneyClient
from workflows.connection import connect

DEMO_ACTOR = {"id": "demo-practitioner", "role": "practitioner"}
DEMO_SYSTEM = {"id": "demo-case-system", "role": "system"}
DEMO_CHAIR = "demo-chair-1"
# Keeping the pool of chairs is a manager's (domain/roles.py): the demo puts its chair there as one.
DEMO_POOL_KEEPER = Principal("demo-manager", "manager", "873")
PARK = "demo-riverside-park"


def _weighting(on: date, at: str, home: int, park: int) -> dict:
    return _cmd("record_context_weighting", occurred_on=on, at=at, contexts=[
        {"context_id": "home", "kind": "home_family", "name": "Home", "harm": False, "safety": True,
         "weight": home, "affects": []},
        {"context_id": PARK, "kind": "public_place", "name": "Riverside park", "harm": True, "safety": False,
         "weight": park, "affects": ["home"]},
    ])


def _chaired() -> list[dict]:
    # The demo's chair is put in the pool by run_demo, so the service would answer in_pool too.
    return [_cmd("allocate_case", social_worker="demo-practitioner", team_manager="demo-manager"),
            _cmd("assign_chair", chair_id=DEMO_CHAIR, in_pool=True)]


def _plan(on: date, due: date) -> dict:
    return _cmd("update_plan", occurred_on=on, made_at="initial_conference", needs=["education_access"], goals=[
        {"goal_id": "g1", "heading": "needs", "description": "Back in full-time education", "need": "education_access",
         "outcome": "Attendance above 90% for a half term", "actions": [
             {"description": "Reduced timetable with a mentor", "owner": "School", "due_on": due.isoformat(),
              "targets": ["young_person"]}]},
        {"goal_id": "g2", "heading": "guardianship", "description": "Safe adults in the park after school",
         "outcome": None, "need": None, "actions": [
             {"description": "Detached youth work on weekday evenings", "owner": "Youth service",
              "due_on": due.isoformat(), "targets": [PARK]}]},
    ])


def _young_person(run: str, n: int, age: int, today: date, sex: str, ethnicity: str) -> dict:
    return {"id": f"DEMO{run}{n}", "date_of_birth": today.replace(year=today.year - age, day=1).isoformat(),
            "sex": sex, "ethnicity": ethnicity}


def _cmd(type_: str, **fields) -> dict:
    return {"type": type_, "command_id": str(uuid.uuid4()), "actor": DEMO_ACTOR,
            **{k: v.isoformat() if isinstance(v, date) else v for k, v in fields.items()}}


def scripts(today: date, calendar: WorkingDayCalendar, run: str) -> list[tuple[str, dict, dict, list[dict]]]:
    """(title, young person, start, commands) for each demo journey, dated back from today."""
    wd = calendar.add_working_days
    # Recent enough that every deadline so far fell after the step that met it.
    last_working_day = calendar.previous_working_day(today - timedelta(days=1))
    met_sd = calendar.previous_working_day(today - timedelta(days=14))
    met_icpc = calendar.previous_working_day(today - timedelta(days=4))
    missed_sd = today - timedelta(days=35)
    moved_sd = today - timedelta(days=150)
    moved_icpc = wd(moved_sd, 14)
    closed_sd = today - timedelta(days=20)
    return [
        ("ROTH plan, every deadline met so far", _young_person(run, 1, 15, today, "M", "BCRB"),
         {"referral_date": met_sd - timedelta(days=2)},
         [_cmd("record_strategy_discussion", occurred_on=met_sd, outcome="s47_roth"),
          *_chaired(),
          _weighting(met_sd, "assessment", home=3, park=8),
          _cmd("record_initial_conference", occurred_on=met_icpc, decision="plan", categories=["physical"]),
          _plan(met_icpc, today + timedelta(days=30)),
          _cmd("record_participation", occurred_on=met_icpc, meeting="initial_conference", participant="young_person",
               invited=True, attended=True, views="Wants to go back to school; the park feels unsafe after dark"),
          _cmd("record_core_group", occurred_on=last_working_day),
          _cmd("record_visit", occurred_on=last_working_day, seen_alone=True)]),
        ("CP enquiry whose initial conference is overdue", _young_person(run, 2, 13, today, "F", "WBRI"),
         {"referral_date": missed_sd},
         [_cmd("record_strategy_discussion", occurred_on=missed_sd, outcome="s47_cp")]),
        ("ROTH plan transferred to CP at review", _young_person(run, 3, 16, today, "M", "MWBC"),
         {"referral_date": moved_sd},
         [_cmd("record_strategy_discussion", occurred_on=moved_sd, outcome="s47_roth"),
          *_chaired(),
          _cmd("record_initial_conference", occurred_on=moved_icpc, decision="plan", categories=["physical", "emotional"]),
          _weighting(moved_icpc, "initial_conference", home=4, park=9),
          _cmd("record_core_group", occurred_on=wd(moved_icpc, 9)),
          # The family becomes the most influential context: the review is prompted to consider CP.
          _weighting(wd(moved_icpc, 9), "core_group", home=8, park=5),
          _cmd("record_review_conference", occurred_on=calendar.add_months(moved_icpc, 3) - timedelta(days=3),
               decision="transfer_to_cp", categories=["emotional"]),
          _cmd("record_visit", occurred_on=today - timedelta(days=2), seen_alone=False)]),
        ("Enquiry closed at the initial conference, stepped down to early help", _young_person(run, 4, 14, today, "U", "AOTH"),
         {"referral_date": closed_sd},
         [_cmd("record_strategy_discussion", occurred_on=closed_sd, outcome="s47_cp"),
          _cmd("record_initial_conference", occurred_on=wd(closed_sd, 9), decision="no_plan", step_down="early_help")]),
    ]


async def run_demo(data_dir: Path) -> int:
    settings = settings_for(data_dir)
    client = await connect(settings)
    journeys = JourneyClient(client, settings)
    store = open_store(settings)
    calendar = WorkingDayCalendar(settings.closure_days)
    today = date.today()
    run = uuid.uuid4().hex[:6].upper()
    chairs.put(store, DEMO_POOL_KEEPER, DEMO_CHAIR, "Demo ROTH chair")
    started = []
    for title, person, start, commands in scripts(today, calendar, run):
        answer = await journeys.start({"command_id": str(uuid.uuid4()), "actor": DEMO_SYSTEM,
                                       "local_authority": "873", "young_person": person, **start})
        workflow_id = answer["workflow_id"]
        for command in commands:
            answer = await journeys.send(workflow_id, command)
        started.append((title, answer["journey_id"]))
    # The journey's clock runs right after each command; give it a moment to record misses.
    _wait_for(lambda: any(e.type == "DeadlineMissed" for e in store.read_stream(started[1][1])), 20)
    for title, journey_id in started:
        summary = store.journey(journey_id)
        logged = store.read_stream(journey_id)
        print(f"\n{title}\n  journey {journey_id}\n  pathway {summary.pathway or '-'}, stage {summary.stage}"
              + (f", closed ({summary.closure_reason})" if summary.closed else "")
              + (", OVERDUE" if summary.overdue else ""))
        for row in store.deadlines(journey_id):
            met = f" met on {row.met_on}" if row.met_on else ""
            print(f"  - {row.kind.replace('_', ' ')}: due {row.due_on} [{row.status}]{met}")
        for code in summary.plan_findings:
            print(f"  plan check: {code.replace('_', ' ')}")
        print(f"  {len(logged)} events: " + ", ".join(e.type for e in logged))
    await _refer_the_park(ContextClient(client, settings), store, today)
    notes = [n for _, journey_id in started for n in store.notifications_for(journey_id)]
    print(f"\n{len(notes)} notifications for the LA's systems (sent to its webhook subscriptions, if it has any):")
    for note in notes:
        print(f"  {note.type}: {note.payload.get('kind') or note.payload.get('reason')} (journey {note.journey_id})")
    print("\nSee one in full with: pathways journey JOURNEY_ID")
    return 0


async def _refer_the_park(contexts: ContextClient, store: EventStore, today: date) -> None:
    """The park two demo journeys name becomes a context case with its own conference cadence."""
    several = context_cases.named_by_open_journeys(store, "873", 2)
    print("\nContexts named by several open journeys (a context conference may be warranted):")
    for row in several:
        print(f"  {row['context_id']}: {row['open_journeys']} young people")
    try:
        answer = await contexts.refer({"command_id": str(uuid.uuid4()), "actor": DEMO_ACTOR, "local_authority": "873",
                                       "context_id": PARK, "kind": "public_place", "name": "Riverside park",
                                       "referred_on": today.isoformat()})
    except CommandRefused as refused:
        if refused.code != "context_already_open":  # a second demo run finds it referred
            raise
        return
    due = answer["state"]["next_conference"]
    print(f"  referred {PARK} as context case {answer['case_id']}; first context conference due {due['due_on']}")


def _wait_for(check, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not check() and time.monotonic() < deadline:
        time.sleep(0.2)


def main(args) -> int:
    configure_logging("warning")
    return asyncio.run(run_demo(Path(args.data_dir)))
