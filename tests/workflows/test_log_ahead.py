"""A log ahead of its workflow: Temporal restarted after a workflow task appended a command's
events but before the task's completion was stored, so the run's history never took the
command in. (The Temporal drill in tests/e2e/test_fault_drills.py found it: every later
command's append met a stale version and was retried for ever.)

Here the lost task is made by hand, on the time-skipping server with a real worker and the
real SQLite log: a command's events are appended to the log as that task would have appended
them, then another command is sent. The journey must take the log's events in, answer the
new command on top of them, answer a retry of the lost command without recording it twice,
and replay; and where no command comes after the lost one, the clock's next look takes the
log's events in.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from temporalio.worker import Replayer

from domain.calendar import WorkingDayCalendar
from domain.codec import from_data
from domain.commands import parse_command
from domain.decider import decide, evolve
from domain.model import Actor, JourneyState
from domain.views import read_model_rows
from store.records import DeadlineRow, JourneySummary, NewEvent
from support import assert_consistent, command, start_request
from workflows.contexts import ContextWorkflow
from workflows.decider_workflow import event_rows
from workflows.journey import JourneyWorkflow
from workflows.local_time import iso_dates

CAL = WorkingDayCalendar()
PROMPTLY = 20.0


def append_as_a_lost_task_would(store, workflow_id: str, state: JourneyState, request: dict, today) -> list[str]:
    """What the workflow would have appended for `request` (the events and the read models),
    in the database and nowhere else."""
    decided = parse_command(request)
    events = decide(state, decided, today, CAL)
    rows = event_rows(state.journey_id, decided.command_id, Actor(**request["actor"]), events)
    after = state
    for event in events:
        after = evolve(after, event)
    summary, deadlines = read_model_rows(after, workflow_id, CAL, today)
    store.append(state.journey_id, state.version, [from_data(NewEvent, row) for row in rows],
                 summary=from_data(JourneySummary, iso_dates(summary)),
                 deadlines=[from_data(DeadlineRow, iso_dates(row)) for row in deadlines])
    return [row["type"] for row in rows]


async def test_a_journey_takes_in_what_the_log_holds_beyond_its_history(journeys, store, clock):
    t0 = await clock.today()
    answer = await journeys.start(start_request(f"C{uuid.uuid4().hex[:12].upper()}", t0.replace(year=t0.year - 15), t0))
    wf, jid = answer["workflow_id"], answer["journey_id"]
    await journeys.send(wf, command("record_strategy_discussion", occurred_on=t0, outcome="s47_cp"))
    await journeys.send(wf, command("record_initial_conference", occurred_on=t0, decision="plan", categories=["neglect"]))

    lost = command("record_visit", occurred_on=t0, seen_alone=True)
    state = from_data(JourneyState, await journeys.raw_state(wf))
    lost_types = append_as_a_lost_task_would(store, wf, state, lost, t0)
    version_with_lost = store.stream_version(jid)
    assert version_with_lost == state.version + len(lost_types)

    # The next command is answered (before, its append met a stale version for ever) and
    # appended after the log's events. (One that needs the lost command is refused by the
    # validator, which decides on the run's state and cannot read the log: the lost command
    # is then sent again first, as a case system that was told nothing does.)
    core_group = command("record_core_group", occurred_on=t0)
    answered = await asyncio.wait_for(journeys.send(wf, core_group), PROMPTLY)
    assert answered["events"][0]["version"] == version_with_lost + 1

    # A retry of the lost command records nothing more.
    before = store.stream_version(jid)
    await asyncio.wait_for(journeys.send(wf, lost), PROMPTLY)
    assert store.stream_version(jid) == before
    logged = [e.type for e in store.read_stream(jid)]
    assert logged.count("VisitRecorded") == 1 and logged.count("CoreGroupHeld") == 1

    await assert_consistent(journeys, store, wf)
    history = await journeys.client.get_workflow_handle(wf).fetch_history()
    await Replayer(workflows=[JourneyWorkflow, ContextWorkflow],
                   data_converter=journeys.client.data_converter).replay_workflow(history)


async def test_the_clock_takes_in_what_the_log_holds_when_no_command_comes(journeys, store, clock):
    """The lost command was the last the case system sent: no later append meets the log, so
    the clock's next look reads it (the quiet period after a command, or the next wake)."""
    t0 = await clock.today()
    answer = await journeys.start(start_request(f"C{uuid.uuid4().hex[:12].upper()}", t0.replace(year=t0.year - 15), t0))
    wf, jid = answer["workflow_id"], answer["journey_id"]
    await journeys.send(wf, command("record_strategy_discussion", occurred_on=t0, outcome="s47_cp"))
    state = from_data(JourneyState, await journeys.raw_state(wf))
    append_as_a_lost_task_would(store, wf, state, command(
        "record_initial_conference", occurred_on=t0, decision="plan", categories=["neglect"]), t0)

    await clock.skip_to(t0 + timedelta(days=1))
    for _ in range(100):
        if from_data(JourneyState, await journeys.raw_state(wf)).version == store.stream_version(jid):
            break
        await asyncio.sleep(0.1)
    await assert_consistent(journeys, store, wf)
    assert (await journeys.state(wf))["stage"] == "plan"
