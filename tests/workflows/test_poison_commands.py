"""No input and no fault wedges a journey or a context case (issue 15), on the time-skipping
server with a real worker and the real SQLite log: each poison command found on main is
refused with its code and nothing appended, a batch the log refuses fails the command
cleanly, and in every case the very next ordinary command is answered promptly.

On main each of these hung: the command was accepted, then its append (or the workflow task
after it) failed and was retried for ever, and every later command on that journey waited.
So every command here is given PROMPTLY to be answered, and a hang fails the test.
"""

from __future__ import annotations

import asyncio
import uuid
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import text
from temporalio.api.enums.v1 import EventType
from temporalio.worker import Replayer

from domain.calendar import WorkingDayCalendar
from domain.deadlines import working_days_before
from support import MANAGER_ACTOR, assert_consistent, command, refer_request, start_request
from temporal_fixtures import eventually
from workflows.client import CommandRefused
from workflows.contexts import ContextWorkflow
from workflows.journey import JourneyWorkflow

CAL = WorkingDayCalendar()
# A command is answered in well under a second; one that is not has wedged its workflow.
PROMPTLY = 20.0


async def promptly(call):
    return await asyncio.wait_for(call, PROMPTLY)


async def refusal(call) -> CommandRefused:
    with pytest.raises(CommandRefused) as refused:
        await promptly(call)
    return refused.value


async def replays(client, workflow_id: str) -> None:
    """The run, refusals and all, replays deterministically with the current code."""
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    await Replayer(workflows=[JourneyWorkflow, ContextWorkflow],
                   data_converter=client.data_converter).replay_workflow(history)


def child() -> str:
    return f"C{uuid.uuid4().hex[:12].upper()}"


def types(store, stream: str) -> list[str]:
    return [e.type for e in store.read_stream(stream)]


async def test_poison_commands_to_a_journey_are_refused_and_the_next_one_taken(journeys, store, clock):
    t0 = await clock.today()
    young_person = child()
    # Born 1970 and referred in 1987: a journey whose deadlines fall in years the calendar
    # has not loaded (on main: its workflow task failed for ever).
    old = start_request(young_person, date(1970, 1, 1), date(1987, 6, 1))
    assert (await refusal(journeys.start(old))).code == "date_out_of_range"
    answer = await promptly(journeys.start(start_request(young_person, t0.replace(year=t0.year - 15), t0)))
    wf, jid = answer["workflow_id"], answer["journey_id"]
    await promptly(journeys.send(wf, command("record_strategy_discussion", occurred_on=t0, outcome="s47_cp")))
    await promptly(journeys.send(wf, command("record_initial_conference", occurred_on=t0, decision="plan",
                                             categories=["neglect"])))
    logged = types(store, jid)

    def views(text) -> dict:
        return command("record_participation", occurred_on=t0, meeting="initial_conference",
                       participant="young_person", invited=True, attended=True, views=text)

    for poison, code in [
        (views("park\u0000name"), "invalid_text"),  # NUL: PostgreSQL cannot store it
        (views("half a pair \udfff"), "invalid_text"),  # a lone surrogate: not UTF-8
        (views("looks\u200bfine"), "invalid_text"),  # zero-width
        (views("\u202eloohcs"), "invalid_text"),  # right-to-left override
        (views(5), "invalid_value"),  # a number where the rules expect text (AttributeError on main)
        (command("extend_deadline", actor=MANAGER_ACTOR, deadline="first_core_group",
                 new_due_on=date(2199, 5, 6), reason="Chair away"), "date_out_of_range"),
        (command("record_visit", occurred_on=date(1989, 6, 1), seen_alone=True), "date_out_of_range"),
    ]:
        assert (await refusal(journeys.send(wf, poison))).code == code, poison
        assert types(store, jid) == logged  # nothing appended

    answer = await promptly(journeys.send(wf, views("Wants to go back to school.\nLikes art.")))
    assert answer["events"][0]["type"] == "ParticipationRecorded"
    due = CAL.add_working_days(t0, 10)
    answer = await promptly(journeys.send(wf, command(
        "extend_deadline", actor=MANAGER_ACTOR, deadline="first_core_group", new_due_on=due + timedelta(days=7),
        reason="Chair away")))
    assert answer["events"][0]["type"] == "DeadlineExtended"
    await assert_consistent(journeys, store, wf)
    await replays(journeys.client, wf)


async def test_poison_commands_to_a_context_are_refused_and_the_next_one_taken(contexts, store, clock):
    t0 = await clock.today()
    place = f"riverside-park-{uuid.uuid4().hex[:6]}"
    for poison, code in [
        ({"name": "Riverside\u0000park"}, "invalid_text"),
        ({"name": "\u202ekrap edisreviR"}, "invalid_text"),
        ({"name": "Riverside\udfffpark"}, "invalid_text"),
        ({"referred_on": "1989-06-01"}, "date_out_of_range"),  # on main: appended, then broken for good
        ({"referred_on": "0299-08-03"}, "date_out_of_range"),
    ]:
        assert (await refusal(contexts.refer({**refer_request(place, t0), **poison}))).code == code, poison
    referred = await promptly(contexts.refer(refer_request(place, t0)))
    case_id = referred["case_id"]
    assert types(store, case_id) == ["ContextReferred"]

    def action(action_id: str) -> dict:
        return {"type": "record_context_action", "command_id": str(uuid.uuid4()),
                "actor": {"id": "sw-0042", "role": "practitioner"}, "action_id": action_id, "kind": "environmental",
                "description": "Light the east gate", "owner": "Highways", "due_on": (t0 + timedelta(days=30)).isoformat()}

    assert (await refusal(contexts.send("873", place, action("lighting\u0000")))).code == "invalid_text"
    assert types(store, case_id) == ["ContextReferred"]
    answer = await promptly(contexts.send("873", place, action("lighting")))
    assert answer["state"]["actions"][0]["action_id"] == "lighting"
    await replays(contexts.client, referred["workflow_id"])


@contextmanager
def refused_by_the_database(store, stream: str, event_type: str):
    """A real constraint in the log's database: inserting `event_type` into `stream` fails
    (SQLite's RAISE(ABORT) is an integrity error), as a value the database refuses would."""
    name = f"refuse_{uuid.uuid4().hex[:8]}"
    with store.engine.begin() as connection:
        connection.execute(text(
            f"CREATE TRIGGER {name} BEFORE INSERT ON events "
            f"WHEN NEW.stream = '{stream}' AND NEW.type = '{event_type}' "
            "BEGIN SELECT RAISE(ABORT, 'refused by a test constraint'); END"))
    try:
        yield
    finally:
        with store.engine.begin() as connection:
            connection.execute(text(f"DROP TRIGGER {name}"))


async def on_plan(journeys, t0):
    answer = await promptly(journeys.start(start_request(child(), t0.replace(year=t0.year - 14), t0)))
    wf = answer["workflow_id"]
    await promptly(journeys.send(wf, command("record_strategy_discussion", occurred_on=t0, outcome="s47_cp")))
    await promptly(journeys.send(wf, command("record_initial_conference", occurred_on=t0, decision="plan",
                                             categories=["physical"])))
    return wf, answer["journey_id"]


async def test_a_batch_the_log_refuses_fails_the_command_cleanly(journeys, store, clock):
    t0 = await clock.today()
    wf, jid = await on_plan(journeys, t0)
    logged = types(store, jid)
    # The store refuses an actor id longer than its column (PostgreSQL would too)...
    too_long = command("record_core_group", actor={"id": "a" * 129, "role": "practitioner"}, occurred_on=t0)
    assert (await refusal(journeys.send(wf, too_long))).code == "not_recordable"
    # ...and the database a constraint.
    with refused_by_the_database(store, jid, "CoreGroupHeld"):
        refused = await refusal(journeys.send(wf, command("record_core_group", occurred_on=t0)))
        assert refused.code == "not_recordable" and refused.journey_id == jid
        assert types(store, jid) == logged
        # The journey answers while the constraint stands, and records what it can.
        answer = await promptly(journeys.send(wf, command("record_visit", occurred_on=t0, seen_alone=True)))
        assert answer["events"][0]["type"] == "VisitRecorded"
    answer = await promptly(journeys.send(wf, command("record_core_group", occurred_on=t0)))
    assert answer["events"][0]["type"] == "CoreGroupHeld"
    await assert_consistent(journeys, store, wf)
    await replays(journeys.client, wf)


async def test_a_reminder_the_log_refuses_leaves_the_journey_taking_commands(journeys, store, clock):
    t0 = await clock.today()
    answer = await promptly(journeys.start(start_request(child(), t0.replace(year=t0.year - 14), t0)))
    wf, jid = answer["workflow_id"], answer["journey_id"]
    await promptly(journeys.send(wf, command("record_strategy_discussion", occurred_on=t0, outcome="s47_cp")))
    due = CAL.add_working_days(t0, 15)
    reminder = working_days_before(CAL, due, 3)
    handle = journeys.client.get_workflow_handle(wf)
    with refused_by_the_database(store, jid, "DeadlineApproaching"):
        await clock.skip_to(reminder)
        answer = await promptly(journeys.send(wf, command("record_visit", occurred_on=reminder, seen_alone=True)))
        assert answer["events"][0]["type"] == "VisitRecorded"
        # The clock tries again tomorrow, not every second.
        before = len((await handle.fetch_history()).events)
        await asyncio.sleep(3)
        markers = [e for e in (await handle.fetch_history()).events[before:]
                   if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED]
        assert len(markers) <= 1
        assert "DeadlineApproaching" not in types(store, jid)
    await clock.skip_to(reminder + timedelta(days=1))
    approaching = await eventually(lambda: [e for e in store.read_stream(jid) if e.type == "DeadlineApproaching"])
    assert approaching[0].data["due_on"] == due.isoformat()
    await assert_consistent(journeys, store, wf)
    await replays(journeys.client, wf)
