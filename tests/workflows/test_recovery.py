"""The journey's clock after an outage: a case system back-filling journeys sends its steps
in a burst, and a deadline the next step meets must not be recorded (and notified) missed
in between, also when the burst was cut short by the worker dying or the database locking.

Both run on the real Temporal dev server, in real time (the time-skipping server has no
real-time sticky queue timeouts): a journey is back-filled up to a strategy discussion whose
initial conference fell due days ago; the clock waits a quiet period (5 s) after each command
before it judges, and the conference that meets the deadline comes from the client...

- after the worker was killed in that quiet period and another started: the timer fell due
  while no worker ran, and the client's next command comes once the new worker has handled
  it (as a case system retries once the service answers again);
- while the database is locked, the clock having found the deadline missed and waiting to
  append: the client's command, sent meanwhile, queues behind the clock.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
import uuid
from dataclasses import replace
from datetime import timedelta

import pytest
from temporalio.api.enums.v1 import EventType

from bench.cluster import Cluster
from settings import Settings
from store.engine import make_engine, migrate
from store.events import EventStore
from support import command, start_request
from worker import build_worker
from workflows.client import JourneyClient
from workflows.local_time import london_date

pytestmark = pytest.mark.slow

QUIET = 5.0  # the journey's settle_seconds (JourneyInput's default, as JourneyClient starts them)


async def back_filled_to_strategy_discussion(journeys: JourneyClient, today) -> tuple[str, str, dict]:
    """A journey whose strategy discussion (30 days ago) opened a s.47 enquiry: its initial
    conference fell due about a week ago. Returns its workflow id, journey id and the
    conference that met the deadline, for the client to send."""
    child_id = f"R{uuid.uuid4().hex[:12].upper()}"
    started = await asyncio.wait_for(journeys.start(start_request(
        child_id, today.replace(year=today.year - 15), today - timedelta(days=40))), timeout=60)
    strategy_on = today - timedelta(days=30)
    await journeys.send(started["workflow_id"], command(
        "record_strategy_discussion", occurred_on=strategy_on, outcome="s47_cp"))
    conference = command("record_initial_conference", occurred_on=strategy_on + timedelta(days=10),
                         decision="plan", categories=["neglect"])
    return started["workflow_id"], started["journey_id"], conference


def conference_missed(store: EventStore, journey_id: str) -> bool:
    """Whether the initial conference's deadline was recorded missed (the plan's first core
    group, due 10 working days after the conference, is missed by now: the back-fill stops)."""
    return any(e.type == "DeadlineMissed" and e.data["kind"] == "initial_conference"
               for e in store.read_stream(journey_id))


async def handled_its_last_timer(handle) -> bool:
    """Whether a workflow task completed after the run's last fired timer."""
    events = (await handle.fetch_history()).events
    fired = [i for i, e in enumerate(events) if e.event_type == EventType.EVENT_TYPE_TIMER_FIRED]
    return bool(fired) and any(e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
                               for e in events[fired[-1]:])


async def until(check, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.2)


async def test_commands_retried_after_a_worker_restart_are_taken_before_the_clock_judges(
        dev_server_env, settings, store, tmp_path):
    own = replace(settings, task_queue=f"recovery-{uuid.uuid4().hex[:8]}")
    journeys = JourneyClient(dev_server_env.client, own)
    cluster = Cluster(tmp_path, {**own.env(),
                                 "PATHWAYS_TEMPORAL_ADDRESS": dev_server_env.client.service_client.config.target_host})
    try:
        await cluster.ready(cluster.start_worker())
        today = london_date(await dev_server_env.get_current_time())
        filled = [await back_filled_to_strategy_discussion(journeys, today) for _ in range(3)]
        # Killed within the quiet period that followed the strategy discussions; down for longer.
        cluster.processes[-1].kill()
        await asyncio.sleep(QUIET + 3)
        await cluster.ready(cluster.start_worker())
        handles = [dev_server_env.client.get_workflow_handle(wf) for wf, _, _ in filled]
        for handle in handles:  # the new worker has handled each timer that fell due meanwhile
            await until(lambda: handled_its_last_timer(handle), timeout=60)

        for wf, _, conference in filled:  # the client sends what it could not send before
            await journeys.send(wf, conference)
        await asyncio.sleep(QUIET + 2)  # the clock has had its look

        for wf, journey_id, _ in filled:
            assert not conference_missed(store, journey_id), wf
            deadline = next(d for d in store.deadlines(journey_id) if d.kind == "initial_conference")
            assert deadline.status == "met"
    except BaseException:
        for process in cluster.processes:
            print(f"--- {process.name}\n{process.log.read_text(errors='replace')[-4000:]}")
        raise
    finally:
        cluster.stop_all()


def hold_write_lock(path, seconds: float) -> threading.Thread:
    """Another process's writer: SQLite's write lock held for `seconds`, in a thread."""
    locked = threading.Event()

    def hold() -> None:
        connection = sqlite3.connect(path, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            locked.set()
            time.sleep(seconds)
            connection.execute("ROLLBACK")
        finally:
            connection.close()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert locked.wait(10)
    return thread


async def test_a_command_sent_while_the_database_holds_the_clocks_append_goes_first(
        dev_server_env, settings, tmp_path):
    path = tmp_path / "pathways.db"
    url = f"sqlite:///{path}"
    migrate(url)
    store = EventStore(make_engine(url))
    own: Settings = replace(settings, database_url=url, task_queue=f"locked-{uuid.uuid4().hex[:8]}")
    journeys = JourneyClient(dev_server_env.client, own)
    async with build_worker(dev_server_env.client, own, store):
        today = london_date(await dev_server_env.get_current_time())
        wf, journey_id, conference = await back_filled_to_strategy_discussion(journeys, today)
        answered_at = time.monotonic()
        await asyncio.sleep(1)
        # Locked a few seconds (well within the 30 s any append waits), across the moment the
        # quiet period ends and the clock finds the initial conference missed.
        lock = hold_write_lock(path, seconds=QUIET + 4)
        handle = dev_server_env.client.get_workflow_handle(wf)

        async def timer_fired() -> bool:  # the quiet period after the strategy discussion is over
            events = (await handle.fetch_history()).events
            return any(e.event_type == EventType.EVENT_TYPE_TIMER_FIRED for e in events)

        await until(timer_fired, timeout=QUIET + 5)
        await asyncio.sleep(0.5)
        assert lock.is_alive(), "the database was unlocked before the command was sent"
        answer = await asyncio.wait_for(journeys.send(wf, conference), timeout=60)
        assert time.monotonic() - answered_at > QUIET + 4  # it waited for the database
        await asyncio.sleep(QUIET + 2)  # the clock has had its look
        assert not conference_missed(store, journey_id)
        assert answer["events"][0]["type"] == "InitialConferenceHeld"
        deadline = next(d for d in store.deadlines(journey_id) if d.kind == "initial_conference")
        assert deadline.status == "met"
