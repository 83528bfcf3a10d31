"""Record the scenario journeys' workflow histories for tests/workflows/test_history_replay.py.

    .venv/bin/python tests/workflows/record_histories.py [--force] [NAME ...]

Runs each scenario on Temporal's time-skipping test server with a real worker and a
throwaway SQLite event log (the fixtures' building blocks), then writes into
tests/workflows/histories/:

- ``NAME.json`` (or ``NAME.runN.json``, one per run, for a journey that continued as new):
  the workflow's history, one history event per line;
- ``NAME.events.json``: the workflow id, the stream (journey or context case id), the
  history files in run order and the log's events for the stream (version, id, type).

The recorded histories are what a deployed worker must go on replaying, so an existing
scenario is not recorded again unless ``--force`` is given: record new behaviour as a new
scenario and keep the old files. Every detail in them is fictional; the workers' identities
(which name the machine) are replaced by a fixed one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import uuid
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT, TESTS = HERE.parents[1], HERE.parent
# The project's own packages first: tests/workflows must not shadow the `workflows` package.
for path in (str(TESTS), str(ROOT)):
    if path in sys.path:
        sys.path.remove(path)
    sys.path.insert(0, path)
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

from temporalio.api.enums.v1 import EventType  # noqa: E402
from temporalio.testing import WorkflowEnvironment  # noqa: E402

from workflows.replay import events_in_history, workflow_runs  # noqa: E402
from domain.calendar import WorkingDayCalendar, birthday  # noqa: E402
from sealing.keys import KeyRing  # noqa: E402
from observability.logs import configure_logging  # noqa: E402
from settings import Settings  # noqa: E402
from store.engine import make_engine, migrate  # noqa: E402
from store.events import EventStore  # noqa: E402
from support import command, start_request  # noqa: E402
from temporal_fixtures import TEST_SERVER, Clock, chair_the_case  # noqa: E402
from worker import build_worker  # noqa: E402
from workflows.client import ContextClient, JourneyClient  # noqa: E402

HISTORIES = HERE / "histories"
TASK_QUEUE = "history-fixture"
IDENTITY = "history-recorder"
CAL = WorkingDayCalendar()
PRACTITIONER = {"id": "sw-0042", "role": "practitioner"}
# A history whose last event is one of these is mid-task: wait for the task to finish.
BUSY = {
    EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED,
}


@dataclass
class Service:
    env: WorkflowEnvironment
    settings: Settings
    store: EventStore
    journeys: JourneyClient
    contexts: ContextClient
    clock: Clock


def child(n: int) -> str:
    return f"CFICTION{n:04d}"


def weighed(on, home: int, park: int, at: str = "assessment") -> dict:
    return command("record_context_weighting", occurred_on=on, at=at, contexts=[
        {"context_id": "home", "kind": "home_family", "name": "Home", "harm": False, "safety": True, "weight": home, "affects": []},
        {"context_id": "riverside-park", "kind": "public_place", "name": "Riverside park", "harm": True, "safety": False,
         "weight": park, "affects": ["home"]},
    ])


# --- the scenarios: each returns (workflow id, stream id) ------------------------------------

async def roth_journey_to_the_end_of_its_plan(s: Service):
    """A ROTH journey: allocated and chaired, weighted twice (the family becomes the most
    influential context: the transfer prompt), its initial conference, weighting, plan and
    the young person's and a parent's participation, a core group and a visit, a missed
    visit recorded by the clock, a review, and the plan ended at the next one."""
    t0 = await s.clock.today()
    answer = await s.journeys.start(start_request(child(1), t0.replace(year=t0.year - 15), t0 - timedelta(days=20)))
    wf, jid = answer["workflow_id"], answer["journey_id"]
    await s.journeys.send(wf, command("record_strategy_discussion", occurred_on=t0 - timedelta(days=19), outcome="s47_roth"))
    await chair_the_case(s.journeys, wf)
    await s.journeys.send(wf, weighed(t0 - timedelta(days=15), home=3, park=9))
    shifted = await s.journeys.send(wf, weighed(t0 - timedelta(days=10), home=9, park=4))
    assert shifted["state"]["transfer_prompt"] == "cp"
    await s.journeys.send(wf, command("record_initial_conference", occurred_on=t0, decision="plan", categories=["physical"]))
    await s.journeys.send(wf, weighed(t0, home=2, park=8, at="initial_conference"))
    await s.journeys.send(wf, command("update_plan", occurred_on=t0, made_at="initial_conference", needs=["education_access"], goals=[
        {"goal_id": "g1", "heading": "needs", "description": "Back in full-time education", "need": "education_access",
         "outcome": "Attendance above 90%", "actions": [
             {"description": "Reduced timetable with a mentor", "owner": "Northgate Academy",
              "due_on": (t0 + timedelta(days=30)).isoformat(), "targets": ["young_person"]}]},
        {"goal_id": "g2", "heading": "guardianship", "description": "Safe adults in the park", "need": None,
         "outcome": "No incidents reported", "actions": [
             {"description": "Detached youth work", "owner": "Youth service",
              "due_on": (t0 + timedelta(days=14)).isoformat(), "targets": ["riverside-park", "family"]}]},
    ]))
    await s.journeys.send(wf, command("record_participation", occurred_on=t0, meeting="initial_conference",
                                      participant="young_person", invited=True, attended=True, views="Feels unsafe after dark"))
    await s.journeys.send(wf, command("record_participation", occurred_on=t0, meeting="initial_conference",
                                      participant="parent_carer", invited=True, attended=False, views="Sent by email"))
    core_day = CAL.add_working_days(t0, 5)
    await s.clock.skip_to(core_day)
    await s.journeys.send(wf, command("record_core_group", occurred_on=core_day))
    await s.journeys.send(wf, command("record_visit", occurred_on=core_day, seen_alone=True))
    # An early review (the plan is ending), so the history stays short.
    review_day = CAL.add_weeks(t0, 4)
    await s.clock.skip_to(review_day)
    await s.journeys.send(wf, command("record_review_conference", occurred_on=review_day, decision="continue"))
    ended = await s.journeys.send(wf, command("record_review_conference", occurred_on=review_day, decision="end_plan",
                                              step_down="child_in_need"))
    assert ended["state"]["closure_reason"] == "plan_ended"
    await s.journeys.client.get_workflow_handle(wf).result()
    return wf, jid


async def cp_to_roth_and_back(s: Service):
    """A CP plan transferred to ROTH at a review, chaired, and transferred back to CP."""
    t0 = await s.clock.today()
    answer = await s.journeys.start(start_request(child(2), t0.replace(year=t0.year - 14), t0))
    wf, jid = answer["workflow_id"], answer["journey_id"]
    await s.journeys.send(wf, command("record_strategy_discussion", occurred_on=t0, outcome="s47_cp"))
    await s.journeys.send(wf, command("record_initial_conference", occurred_on=t0, decision="plan", categories=["neglect"]))
    review = CAL.add_weeks(t0, 4)
    await s.clock.skip_to(review)
    await s.journeys.send(wf, command("record_review_conference", occurred_on=review, decision="transfer_to_roth", categories=["physical"]))
    await chair_the_case(s.journeys, wf)
    back = await s.journeys.send(wf, command("record_review_conference", occurred_on=review, decision="transfer_to_cp"))
    assert (back["state"]["pathway"], back["state"]["transfers"]) == ("cp", 2)
    return wf, jid


async def eighteenth_birthday_with_a_transition_plan(s: Service):
    """A seventeen-year-old's journey: a transition plan recorded, then closed at 18."""
    t0 = await s.clock.today()
    eighteen_on = t0 + timedelta(days=40)
    dob = eighteen_on.replace(year=eighteen_on.year - 18, day=min(eighteen_on.day, 28))
    answer = await s.journeys.start(start_request(child(3), dob, t0))
    wf, jid = answer["workflow_id"], answer["journey_id"]
    await s.journeys.send(wf, command("record_strategy_discussion", occurred_on=t0, outcome="s47_roth"))
    await s.journeys.send(wf, command("record_transition_plan", occurred_on=t0, note="Referred to adult social care"))
    await s.clock.skip_to(birthday(dob, 18))
    result = await s.journeys.client.get_workflow_handle(wf).result()
    assert result["closure_reason"] == "eighteenth_birthday"
    return wf, jid


async def journey_continued_as_new(s: Service):
    """A journey whose runs continue as new every 3 updates (several runs), with a retry of
    a command from its first run answered by its last."""
    journeys = JourneyClient(s.journeys.client, replace(s.settings, max_updates_per_run=3))
    t0 = await s.clock.today()
    answer = await journeys.start(start_request(child(4), t0.replace(year=t0.year - 13), t0 - timedelta(days=40)))
    wf, jid = answer["workflow_id"], answer["journey_id"]
    early = command("record_strategy_discussion", occurred_on=t0 - timedelta(days=30), outcome="s47_roth")
    await journeys.send(wf, early)
    await chair_the_case(journeys, wf)
    await journeys.send(wf, command("record_initial_conference", occurred_on=t0 - timedelta(days=20), decision="plan", categories=["emotional"]))
    for days_ago in (15, 10, 5, 1):
        await journeys.send(wf, command("record_visit", occurred_on=t0 - timedelta(days=days_ago), seen_alone=False))
    await journeys.send(wf, early)
    return wf, jid


async def context_case_with_a_missed_conference(s: Service):
    """A park referred as a context case: its first conference reminded, then missed, then
    held; an action recorded; the case closed."""
    t0 = await s.clock.today()
    place = "fictional-riverside-park"
    referred = await s.contexts.refer({"command_id": str(uuid.uuid4()), "actor": PRACTITIONER, "local_authority": "873",
                                       "context_id": place, "kind": "public_place", "name": "Riverside park",
                                       "referred_on": t0.isoformat()})
    due = CAL.add_working_days(t0, 15)
    await s.clock.skip_to(due + timedelta(days=1))
    held_on = due + timedelta(days=1)
    for request in (
        {"type": "record_context_conference", "occurred_on": held_on.isoformat(), "decision": "continue"},
        {"type": "record_context_action", "action_id": "lighting", "kind": "environmental",
         "description": "Better lighting on the east entrance", "owner": "Highways",
         "due_on": (held_on + timedelta(days=30)).isoformat()},
        {"type": "close_context", "occurred_on": held_on.isoformat(), "reason": "safety_improved"},
    ):
        await s.contexts.send("873", place, {"command_id": str(uuid.uuid4()), "actor": PRACTITIONER, **request})
    await s.contexts.client.get_workflow_handle(referred["workflow_id"]).result()
    return referred["workflow_id"], referred["case_id"]


async def context_case_continued_as_new(s: Service):
    """A school referred as a context case on the decider skeleton (runs started after the
    context-wakes-at-update-cap patch): its runs continue as new every 2 updates, carrying
    their answers, and a retry of its first action is answered by a later run."""
    contexts = ContextClient(s.contexts.client, replace(s.settings, max_updates_per_run=2))
    t0 = await s.clock.today()
    place = "fictional-northgate-academy"
    referred = await contexts.refer({"command_id": str(uuid.uuid4()), "actor": PRACTITIONER, "local_authority": "873",
                                     "context_id": place, "kind": "school_college", "name": "Northgate Academy",
                                     "referred_on": t0.isoformat()})
    actions = [{"type": "record_context_action", "command_id": str(uuid.uuid4()), "actor": PRACTITIONER,
                "action_id": f"action-{i}", "kind": "environmental", "description": "Staff on the school gate",
                "owner": "Northgate Academy", "due_on": (t0 + timedelta(days=30)).isoformat()} for i in range(3)]
    first = [await contexts.send("873", place, action) for action in actions][0]
    again = await contexts.send("873", place, actions[0])
    assert again["events"] == first["events"] and "duplicate" not in again
    return referred["workflow_id"], referred["case_id"]


async def back_filled_journey_with_a_miss(s: Service):
    """A journey back-filled by its case system under the clock that gives way (runs started
    after RECOVERY_PATCH): started with a referral weeks old and its strategy discussion sent
    straight after (the clock waits for the quiet period after each), the initial conference
    recorded missed once the quiet period passed, then held late."""
    t0 = await s.clock.today()
    answer = await s.journeys.start(start_request(child(5), t0.replace(year=t0.year - 15), t0 - timedelta(days=40)))
    wf, jid = answer["workflow_id"], answer["journey_id"]
    await s.journeys.send(wf, command("record_strategy_discussion", occurred_on=t0 - timedelta(days=30), outcome="s47_cp"))
    await s.env.sleep(timedelta(minutes=1))
    while not any(e.type == "DeadlineMissed" for e in s.store.read_stream(jid)):
        await asyncio.sleep(0.2)
    await s.journeys.send(wf, command("record_initial_conference", occurred_on=t0 - timedelta(days=2), decision="plan",
                                      categories=["neglect"]))
    return wf, jid


SCENARIOS = {
    "roth_journey_to_the_end_of_its_plan": roth_journey_to_the_end_of_its_plan,
    "cp_to_roth_and_back": cp_to_roth_and_back,
    "eighteenth_birthday_with_a_transition_plan": eighteenth_birthday_with_a_transition_plan,
    "journey_continued_as_new": journey_continued_as_new,
    "context_case_with_a_missed_conference": context_case_with_a_missed_conference,
    "back_filled_journey_with_a_miss": back_filled_journey_with_a_miss,
    "context_case_continued_as_new": context_case_continued_as_new,
}


# --- recording --------------------------------------------------------------------------------

async def settled_runs(s: Service, workflow_id: str):
    """The workflow's runs once it is quiet: past its 5 s of settling (the clock has looked at
    the day) and with no task under way."""
    await s.env.sleep(timedelta(minutes=1))
    previous = None
    while True:
        runs = await workflow_runs(s.env.client, workflow_id)
        sizes = [len(h.events) for h in runs]
        if sizes == previous and runs[-1].events[-1].event_type not in BUSY:
            return runs
        previous = sizes
        await asyncio.sleep(1.0)


def scrubbed(value):
    """The history with every worker identity (process id and host name) replaced."""
    if isinstance(value, dict):
        return {k: IDENTITY if k == "identity" else scrubbed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrubbed(v) for v in value]
    return value


def history_text(history) -> str:
    events = scrubbed(history.to_json_dict())["events"]
    return '{"events": [\n' + ",\n".join(json.dumps(e, separators=(",", ":")) for e in events) + "\n]}\n"


async def record(s: Service, name: str) -> None:
    workflow_id, stream = await SCENARIOS[name](s)
    runs = await settled_runs(s, workflow_id)
    produced = [e for h in runs for e in events_in_history(h) if e["stream"] == stream]
    logged = s.store.read_stream(stream)
    assert [e["event_id"] for e in produced] == [e.event_id for e in logged], f"{name}: the history is not the log"
    files = [f"{name}.json"] if len(runs) == 1 else [f"{name}.run{i}.json" for i in range(1, len(runs) + 1)]
    for filename, history in zip(files, runs):
        (HISTORIES / filename).write_text(history_text(history))
    manifest = {
        "scenario": " ".join(SCENARIOS[name].__doc__.split()),
        "workflow_id": workflow_id,
        "stream": stream,
        "histories": files,
        "events": [{"version": e.version, "event_id": e.event_id, "type": e.type} for e in logged],
    }
    (HISTORIES / f"{name}.events.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"{name}: {len(runs)} run(s), {sum(len(h.events) for h in runs)} history events, {len(logged)} log events")


async def main(names: list[str], force: bool) -> int:
    wanted = [n for n in names if force or not (HISTORIES / f"{n}.events.json").exists()]
    for skipped in sorted(set(names) - set(wanted)):
        print(f"{skipped}: already recorded (--force to record it again)")
    if not wanted:
        return 0
    with tempfile.TemporaryDirectory(prefix="pathways-histories-") as scratch:
        url = f"sqlite:///{Path(scratch) / 'pathways.db'}"
        migrate(url)
        store = EventStore(make_engine(url))
        settings = Settings(database_url=url, task_queue=TASK_QUEUE, id_key=b"test-key",
                            sealing_keys=KeyRing.new().to_json())
        env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=str(TEST_SERVER))
        try:
            async with build_worker(env.client, settings, store):
                s = Service(env, settings, store, JourneyClient(env.client, settings),
                            ContextClient(env.client, settings), Clock(env))
                for name in wanted:
                    await record(s, name)
        finally:
            await env.shutdown()
            store.engine.dispose()
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"scenarios to record (default all): {', '.join(SCENARIOS)}")
    parser.add_argument("--force", action="store_true", help="record scenarios that are already recorded again")
    args = parser.parse_args()
    if unknown := [n for n in args.names if n not in SCENARIOS]:
        parser.error(f"no such scenario: {', '.join(unknown)}")
    configure_logging("warning")
    sys.exit(asyncio.run(main(args.names or list(SCENARIOS), args.force)))
