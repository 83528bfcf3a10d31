"""A worker killed with SIGKILL in the middle of a journey, and another started in its place.

Only worker processes this test starts serve the journey (it has a task queue of its own),
so killing one leaves whatever it held with the server: an update, or the workflow task that
accepted it and was appending its events (the append runs in that task, as a local activity).
The server hands it to the next worker once it times out, which runs the append again and
finds the events stored. The journey must then finish, and its event log must have no gap
and no duplicate.

This runs on the real Temporal dev server, not the Java time-skipping server, which has no
schedule-to-start timeout for sticky queues and strands a run whose task cancels a timer that
fired while the task was out (temporalio/sdk-java#2606, #3088). To keep it quick, the test
starts the journey's run itself with a 2 s workflow task timeout (update-with-start then joins
that run), so a task the dead worker held comes back after 2 s rather than 10 s.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import EventType

from support import assert_consistent, command, start_request
from workflows.client import JourneyClient
from workflows.journey import JourneyInput, JourneyWorkflow
from workflows.local_time import london_date

pytestmark = pytest.mark.slow

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TASK_TIMEOUT = timedelta(seconds=2)
# The append's start-to-close timeout (set in the workflow), and some margin.
ANSWER_TIMEOUT = 30 + 30


class Workers:
    """`python -m worker` processes for one task queue, one alive at a time."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.started: list[subprocess.Popen] = []

    @property
    def current(self) -> subprocess.Popen:
        return self.started[-1]

    def start(self) -> None:
        with open(self.log_dir / f"worker-{len(self.started)}.log", "wb") as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "worker"], cwd=PROJECT_ROOT, env=self.env,
                stdout=output, stderr=subprocess.STDOUT,
            )
        self.started.append(process)
        log.info("worker %s started", process.pid)

    def kill(self) -> None:
        process = self.current
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        log.info("worker %s killed", process.pid)

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def output(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}"
            for path in sorted(self.log_dir.glob("worker-*.log"))
        )


async def test_a_killed_worker_leaves_no_gap_or_duplicate_in_the_log(dev_server_env, settings, store, tmp_path):
    temporal_env = dev_server_env
    began = time.monotonic()
    crash_settings = replace(settings, task_queue=f"crash-{uuid.uuid4().hex[:8]}")
    journeys = JourneyClient(temporal_env.client, crash_settings)
    workers = Workers(
        {**os.environ, **crash_settings.env(),
         "PATHWAYS_TEMPORAL_ADDRESS": temporal_env.client.service_client.config.target_host},
        tmp_path,
    )
    t0 = london_date(await temporal_env.get_current_time())

    child_id = f"C{uuid.uuid4().hex[:12].upper()}"
    wf = journeys.workflow_id("873", child_id)
    handle = temporal_env.client.get_workflow_handle(wf)
    await temporal_env.client.start_workflow(
        JourneyWorkflow.run,
        JourneyInput(local_authority="873", max_updates_per_run=crash_settings.max_updates_per_run),
        id=wf, task_queue=crash_settings.task_queue, task_timeout=TASK_TIMEOUT,
    )
    answers: dict[str, dict] = {}
    crashes: list[dict] = []

    async def send(request: dict) -> dict:
        answers[request["command_id"]] = answer = await journeys.send(wf, request)
        return answer

    async def crash_while_sending(request: dict, moment: str) -> dict:
        """Send `request`, kill the worker at `moment`, start another; the answer still comes."""
        sent = asyncio.create_task(send(request))
        if moment == "at once":  # the update on its way to the worker, or being accepted
            await asyncio.sleep(0.005)
        elif moment == "once committed":  # the events are in the log; the task has not reported
            while not store.events_for_command(jid, request["command_id"]) and not sent.done():
                await asyncio.sleep(0.001)
        in_flight, committed = not sent.done(), bool(store.events_for_command(jid, request["command_id"]))
        workers.kill()
        killed_at = time.monotonic()
        workers.start()
        answer = await asyncio.wait_for(sent, timeout=ANSWER_TIMEOUT)
        crash = {"moment": moment, "command": request["type"], "in_flight": in_flight,
                 "committed_before_kill": committed, "answered_after_s": round(time.monotonic() - killed_at, 1)}
        log.info("crash: %s", crash)
        crashes.append(crash)
        return answer

    try:
        workers.start()
        start = start_request(child_id, t0.replace(year=t0.year - 15), t0 - timedelta(days=40))
        # The first command succeeding shows the worker is polling.
        answer = answers[start["command_id"]] = await asyncio.wait_for(journeys.start(start), timeout=60)
        jid = answer["journey_id"]
        await send(command("record_strategy_discussion", occurred_on=t0 - timedelta(days=39), outcome="s47_roth"))
        await send(command("allocate_case", social_worker="sw-0042", team_manager="tm-0007"))
        await send(command("assign_chair", chair_id="chair-0003", in_pool=True))
        conference = t0 - timedelta(days=30)
        await send(command("record_initial_conference", occurred_on=conference, decision="plan", categories=["physical"]))

        # (Once the append has reported, so has the update: they complete in one task.)
        moments = {3: "at once", 7: "once committed", 11: "once committed"}
        for day in range(1, 15):
            on = conference + timedelta(days=day)
            request = (command("record_core_group", occurred_on=on) if day % 5 == 0
                       else command("record_visit", occurred_on=on, seen_alone=day % 2 == 0))
            await (crash_while_sending(request, moments[day]) if day in moments else send(request))
        ending = command("record_review_conference", occurred_on=t0, decision="end_plan", step_down="none")
        answer = await crash_while_sending(ending, "at once")
        assert answer["state"]["closed"] and answer["state"]["closure_reason"] == "plan_ended"
        result = await asyncio.wait_for(handle.result(), timeout=30)
        assert result["closed"] is True and result["closure_reason"] == "plan_ended"

        stored = store.read_stream(jid)
        assert [e.version for e in stored] == list(range(1, len(stored) + 1))
        assert len({e.event_id for e in stored}) == len(stored)
        for command_id, answer in answers.items():  # each command's events logged once, as answered
            logged = [e.event_id for e in stored if e.command_id == command_id]
            assert logged == [e["event_id"] for e in answer["events"]] and logged, command_id
        assert {e.command_id for e in stored if not e.command_id.startswith("clock:")} == set(answers)
        verification = store.verify()
        assert verification.ok, verification.first_problem
        state = await assert_consistent(journeys, store, wf)
        assert state.closed and state.closure_reason == "plan_ended"
        assert store.journey(jid).closure_reason == "plan_ended"
        # The kills caught commands on their way through (one killed once committed may,
        # rarely, have been answered first: the task can report between the check and the kill).
        assert all(c["in_flight"] for c in crashes if c["moment"] != "once committed"), crashes
        assert any(c["in_flight"] for c in crashes if c["moment"] == "once committed"), crashes

        history = (await handle.fetch_history()).events
        log.info(
            "crash test took %.0f s: %d events logged; %d workflow tasks timed out; "
            "%d appends run again finding their events already stored",
            time.monotonic() - began, len(stored),
            sum(e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT for e in history),
            workers.output().count("append_retry_ignored"),
        )
    except BaseException:
        log.error("worker output:\n%s", workers.output())
        raise
    finally:
        workers.stop_all()
