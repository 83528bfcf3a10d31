"""Temporal history against the log (workflows/replay.py, `pathways audit replay`).

The recorded histories in histories/ (written by record_histories.py: a ROTH journey to the
end of its plan, a CP->ROTH->CP transfer, an 18th birthday with a transition plan, a journey
that continued as new, a context case with a missed conference and a context case on the
decider skeleton that continued as new) are runs a deployed worker must go on replaying:
each replays with the current code, and the events read out of it are the ones its log held.
A deliberately non-deterministic variant of the workflow (nondeterministic_journey.py) fails
to replay them. On live journeys, `replay_journey` reports OK, and names the first
difference when the log has lost an event or holds one no run produced (a tampered copy of
the log, its append-only triggers dropped in the copy only).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer
from temporalio.workflow import NondeterminismError

from workflows.replay import compare_events, events_in_history, replay_journey, replayer
from cli.audit_replay import add_replay_parser, replay_main
from nondeterministic_journey import FaithfulJourneyWorkflow, NondeterministicJourneyWorkflow
from store.engine import make_engine
from store.events import EventStore
from support import command, start_request
from temporal_fixtures import chair_the_case
from workflows.client import ContextClient
from workflows.contexts import ContextWorkflow
from workflows.decider_workflow import event_id
from workflows.notifications import NotificationDelivery, NotificationSweeper

HISTORIES = Path(__file__).parent / "histories"
RECORDED = sorted(p.name.removesuffix(".events.json") for p in HISTORIES.glob("*.events.json"))


def recorded(name: str) -> tuple[dict, list[WorkflowHistory]]:
    manifest = json.loads((HISTORIES / f"{name}.events.json").read_text())
    return manifest, [WorkflowHistory.from_json(manifest["workflow_id"], (HISTORIES / f).read_text())
                      for f in manifest["histories"]]


def variant(journey_workflow) -> Replayer:
    return Replayer(workflows=[journey_workflow, ContextWorkflow, NotificationDelivery, NotificationSweeper])


# --- the recorded histories -------------------------------------------------------------------

def test_the_scenarios_are_recorded():
    assert set(RECORDED) >= {
        "roth_journey_to_the_end_of_its_plan", "cp_to_roth_and_back", "eighteenth_birthday_with_a_transition_plan",
        "journey_continued_as_new", "context_case_with_a_missed_conference", "context_case_continued_as_new",
    }
    manifest, histories = recorded("journey_continued_as_new")
    assert len(histories) >= 2  # several runs, each starting where the last continued as new
    for earlier, later in zip(histories, histories[1:]):
        started = later.events[0].workflow_execution_started_event_attributes
        assert started.continued_execution_run_id == earlier.run_id


@pytest.mark.parametrize("name", RECORDED)
async def test_a_recorded_history_replays_and_produced_the_logged_events(name):
    manifest, histories = recorded(name)
    produced = []
    for history in histories:
        await replayer().replay_workflow(history)
        produced += events_in_history(history)
    # Every event is attributed to the recorded stream, and they are the log's, in order.
    assert {e["stream"] for e in produced} == {manifest["stream"]}
    assert [(e["event_id"], e["type"], e["version"]) for e in produced] == [
        (e["event_id"], e["type"], e["version"]) for e in manifest["events"]]


def test_events_are_read_from_a_run_that_persisted_with_activity_tasks():
    history = WorkflowHistory.from_json(
        "journey-recorded-with-activity-tasks", (HISTORIES / "journey_persisted_by_activity_task.json").read_text())
    produced = events_in_history(history)
    assert [e["type"] for e in produced][:3] == ["JourneyStarted", "StrategyDiscussionHeld", "InitialConferenceHeld"]
    assert [e["version"] for e in produced] == list(range(1, len(produced) + 1))
    # The ids are the workflow's own derivation from stream, command and index.
    index = {}
    for e in produced:
        i = index[e["command_id"]] = index.get(e["command_id"], -1) + 1
        assert e["event_id"] == event_id(e["stream"], e["command_id"], i)


@pytest.mark.parametrize("name", [n for n in RECORDED if not n.startswith("context_")])
async def test_a_non_deterministic_change_fails_replay_of_the_recorded_histories(name):
    _, histories = recorded(name)
    for history in histories:
        # The control: the same subclassing without the change replays.
        await variant(FaithfulJourneyWorkflow).replay_workflow(history)
        result = await variant(NondeterministicJourneyWorkflow).replay_workflow(history, raise_on_replay_failure=False)
        assert isinstance(result.replay_failure, NondeterminismError), result.replay_failure
    # The old run persisted by activity tasks is caught too.
    old = WorkflowHistory.from_json("old", (HISTORIES / "journey_persisted_by_activity_task.json").read_text())
    with pytest.raises(NondeterminismError):
        await variant(NondeterministicJourneyWorkflow).replay_workflow(old)


def test_compare_names_the_first_difference():
    a, b, c = ({"event_id": i, "type": "T", "version": v} for v, i in enumerate("abc", 1))
    assert compare_events([a, b], [a, b]) is None
    missing = compare_events([a, b, c], [a, c])
    assert (missing.index, missing.in_history, missing.in_log) == (2, b, c)
    assert "the history produced b (T version 2), the log holds c (T version 3)" in missing.describe()
    extra = compare_events([a], [a, b])
    assert (extra.index, extra.in_history, extra.in_log) == (2, None, b) and "no run" in extra.describe()
    short = compare_events([a, b], [a])
    assert (short.index, short.in_log) == (2, None) and "the log is missing" in short.describe()
    assert compare_events([a], [{**a, "type": "Other"}]).index == 1


# --- live journeys ----------------------------------------------------------------------------

def child() -> str:
    return f"C{uuid.uuid4().hex[:12].upper()}"


async def chaired_journey(journeys, clock) -> tuple[str, str]:
    t0 = await clock.today()
    answer = await journeys.start(start_request(child(), t0.replace(year=t0.year - 15), t0 - timedelta(days=3)))
    wf = answer["workflow_id"]
    await journeys.send(wf, command("record_strategy_discussion", occurred_on=t0 - timedelta(days=2), outcome="s47_roth"))
    await chair_the_case(journeys, wf)
    return wf, answer["journey_id"]


def tampered_copy(database_url: str, tmp_path: Path, change) -> EventStore:
    """A copy of the log (SQLite's backup, a consistent snapshot) with its append-only
    triggers dropped, in the copy only, and `change(connection)` applied to it."""
    copy = tmp_path / f"tampered-{uuid.uuid4().hex[:6]}.db"
    source, target = sqlite3.connect(database_url.removeprefix("sqlite:///")), sqlite3.connect(copy)
    try:
        source.backup(target)
        target.row_factory = sqlite3.Row
        for (name,) in target.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            target.execute(f'DROP TRIGGER "{name}"')
        change(target)
        target.commit()
    finally:
        source.close()
        target.close()
    return EventStore(make_engine(f"sqlite:///{copy}"))


def without_version(stream: str, version: int):
    return lambda db: db.execute("DELETE FROM events WHERE stream = ? AND version = ?", (stream, version))


def with_extra_event(stream: str, new_id: str):
    def change(db):
        last = dict(db.execute("SELECT * FROM events WHERE stream = ? ORDER BY version DESC LIMIT 1", (stream,)).fetchone())
        last.update(event_id=new_id, version=last["version"] + 1,
                    position=db.execute("SELECT max(position) FROM events").fetchone()[0] + 1)
        db.execute(f"INSERT INTO events ({', '.join(last)}) VALUES ({', '.join('?' * len(last))})", list(last.values()))
    return change


async def test_a_live_journey_replays_and_its_events_are_the_logs(journeys, store, clock, temporal_env):
    wf, jid = await chaired_journey(journeys, clock)
    report = await replay_journey(temporal_env.client, store, jid)
    assert report.ok, report.describe()
    assert (report.workflow_id, report.journey_id) == (wf, jid)
    assert [e["event_id"] for e in report.produced] == [e.event_id for e in store.read_stream(jid)]
    assert len(report.produced) >= 4 and "OK: 1 run(s) replayed" in report.describe()
    # Given the workflow id instead, the journey is read from its history.
    by_workflow = await replay_journey(temporal_env.client, store, wf)
    assert by_workflow.ok and by_workflow.journey_id == jid


async def test_every_run_of_a_journey_that_continued_as_new_is_replayed(temporal_env, settings, store, clock, worker):
    from dataclasses import replace

    from workflows.client import JourneyClient

    journeys = JourneyClient(temporal_env.client, replace(settings, max_updates_per_run=3))
    wf, jid = await chaired_journey(journeys, clock)
    t0 = await clock.today()
    for days_ago in (2, 1):
        await journeys.send(wf, command("record_visit", occurred_on=t0 - timedelta(days=days_ago), seen_alone=True))
    report = await replay_journey(temporal_env.client, store, jid)
    assert report.ok, report.describe()
    assert len(report.runs) >= 2 and sum(run.produced for run in report.runs) == len(store.read_stream(jid))


async def test_a_context_case_replays_against_its_log(temporal_env, settings, store, clock, worker):
    contexts = ContextClient(temporal_env.client, settings)
    referred = await contexts.refer({
        "command_id": str(uuid.uuid4()), "actor": {"id": "sw-0042", "role": "practitioner"}, "local_authority": "873",
        "context_id": f"market-square-{uuid.uuid4().hex[:6]}", "kind": "public_place", "name": "Market square",
        "referred_on": (await clock.today()).isoformat()})
    report = await replay_journey(temporal_env.client, store, referred["case_id"])
    assert report.ok, report.describe()
    assert report.workflow_id == referred["workflow_id"] and [e["type"] for e in report.produced] == ["ContextReferred"]


async def test_a_log_missing_an_event_is_reported_at_the_first_difference(
        journeys, store, clock, temporal_env, database_url, tmp_path):
    wf, jid = await chaired_journey(journeys, clock)
    logged = store.read_stream(jid)
    tampered = tampered_copy(database_url, tmp_path, without_version(jid, 3))
    report = await replay_journey(temporal_env.client, tampered, jid)
    assert not report.ok and report.replayed  # the history replays; the log is what differs
    assert report.difference.index == 3
    assert report.difference.in_history["event_id"] == logged[2].event_id
    assert report.difference.in_log["event_id"] == logged[3].event_id
    assert f"DIFFERENT from the log at event 3: the history produced {logged[2].event_id}" in report.describe()


async def test_a_log_with_an_event_no_run_produced_is_reported(journeys, store, clock, temporal_env, database_url, tmp_path):
    wf, jid = await chaired_journey(journeys, clock)
    count = len(store.read_stream(jid))
    forged = str(uuid.uuid4())
    report = await replay_journey(temporal_env.client, tampered_copy(database_url, tmp_path, with_extra_event(jid, forged)), jid)
    assert not report.ok
    assert (report.difference.index, report.difference.in_history, report.difference.in_log["event_id"]) == (
        count + 1, None, forged)
    assert "which no run of the workflow produced" in report.describe()


# --- the command ------------------------------------------------------------------------------

def audit_args(*argv: str) -> argparse.Namespace:
    """Parsed as the `audit` group will parse them (cli/main.py registers the group)."""
    top = argparse.ArgumentParser(prog="pathways audit")
    add_replay_parser(top.add_subparsers(dest="audit_command", required=True))
    return top.parse_args(list(argv))


async def test_pathways_audit_replay(journeys, store, clock, temporal_env, settings, database_url, tmp_path,
                                     monkeypatch, capsys, keep_logging):
    wf, jid = await chaired_journey(journeys, clock)
    # The command finds the service through the PATHWAYS_* settings, as in production: here
    # the test server's address and the tests' log.
    address = temporal_env.client.service_client.config.target_host
    environment = {**os.environ, **settings.env(), "PATHWAYS_TEMPORAL_ADDRESS": address}
    monkeypatch.setattr("os.environ", environment)
    # The command runs its own event loop: off this test's.
    assert await asyncio.to_thread(replay_main, audit_args("replay", jid)) == 0
    out = capsys.readouterr().out
    assert f"Journey {jid}, workflow {wf}" in out and "OK:" in out

    tampered = tampered_copy(database_url, tmp_path, without_version(jid, 2))
    monkeypatch.setattr("os.environ", {**environment, "PATHWAYS_DATABASE_URL": str(tampered.engine.url)})
    assert await asyncio.to_thread(replay_main, audit_args("replay", jid)) == 1
    assert "DIFFERENT from the log at event 2" in capsys.readouterr().out

    assert await asyncio.to_thread(replay_main, audit_args("replay", str(uuid.uuid4()))) == 2
    assert "No journey or context case" in capsys.readouterr().out
