"""The release gate (`pathways release check`): the open journeys on the task queue replay with
the code about to be deployed, and a release that would break them is stopped, naming them."""

from __future__ import annotations

import asyncio
import os
import uuid
from dataclasses import replace
from datetime import date, timedelta

import pytest
from temporalio.worker import Replayer

from workflows.release_gate import check_release
from nondeterministic_journey import NondeterministicJourneyWorkflow
from support import command, start_request
from workflows.client import JourneyClient
from workflows.contexts import ContextWorkflow
from workflows.notifications import NotificationDelivery, NotificationSweeper
from worker import build_worker

pytestmark = pytest.mark.slow


async def test_open_journeys_replay_and_a_breaking_release_is_stopped(dev_server_env, settings, store, monkeypatch,
                                                                       capsys, keep_logging):
    settings = replace(settings, task_queue=f"release-{uuid.uuid4().hex[:8]}")
    client = dev_server_env.client
    today = date.today()
    async with build_worker(client, settings, store):
        journeys = JourneyClient(client, settings)
        workflow_ids = []
        for _ in range(2):
            answer = await journeys.start(start_request(f"R{uuid.uuid4().hex[:10]}", today - timedelta(days=14 * 365),
                                                        today - timedelta(days=5)))
            await journeys.send(answer["workflow_id"], command(
                "record_strategy_discussion", occurred_on=today - timedelta(days=4), outcome="s47_cp"))
            workflow_ids.append(answer["workflow_id"])

    # Visibility catches up with the starts within a moment on the dev server.
    for _ in range(50):
        report = await check_release(client, settings.task_queue)
        if report.replayed >= 2:
            break
    assert report.ok and report.replayed == 2 and report.runs >= 2, report.describe()
    assert "OK: the release may be rolled out." in report.describe()

    breaking = Replayer(workflows=[NondeterministicJourneyWorkflow, ContextWorkflow, NotificationDelivery,
                                   NotificationSweeper])
    stopped = await check_release(client, settings.task_queue, replay_with=breaking)
    assert not stopped.ok
    assert sorted(w for w, _ in stopped.failures) == sorted(workflow_ids)
    assert all(why.startswith("NondeterminismError") for _, why in stopped.failures), stopped.failures
    assert "do not roll this release out" in stopped.describe()

    # The command an operator runs with the new image, against the live cluster.
    from cli.main import main as pathways

    monkeypatch.setattr("os.environ", {**os.environ, **settings.env(),
                                       "PATHWAYS_TEMPORAL_ADDRESS": client.service_client.config.target_host})
    assert await asyncio.to_thread(pathways, ["release", "check"]) == 0
    assert "Replayed 2 run(s) of 2 open workflow(s)" in capsys.readouterr().out
