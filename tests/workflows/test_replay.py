"""Journeys replay deterministically, whichever way their events were persisted.

A journey's workflow runs for as long as the journey is open, so a worker must replay runs
recorded by earlier versions of the workflow. The fixture history was recorded when every
append was an activity task of its own (start, strategy discussion, initial conference and a
visit, with fictional details); runs started since append in the workflow task itself, as a
local activity (see LOCAL_PERSIST_PATCH in workflows/journey.py).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from support import command, start_request
from workflows.journey import JourneyWorkflow
from workflows.notifications import NotificationDelivery, NotificationSweeper

HISTORIES = Path(__file__).parent / "histories"


def replayer(data_converter=None) -> Replayer:
    """The workflows, opening sealed payloads with `data_converter` where the history has them."""
    return Replayer(workflows=[JourneyWorkflow, NotificationDelivery, NotificationSweeper],
                    **({"data_converter": data_converter} if data_converter else {}))


async def test_a_run_recorded_with_persist_activity_tasks_replays():
    history = WorkflowHistory.from_json(
        "journey-recorded-with-activity-tasks", (HISTORIES / "journey_persisted_by_activity_task.json").read_text()
    )
    assert any(e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED for e in history.events)
    await replayer().replay_workflow(history)


async def test_a_new_run_appends_within_its_workflow_tasks_and_replays(journeys, temporal_env, clock):
    t0 = await clock.today()
    answer = await journeys.start(start_request(f"C{uuid.uuid4().hex[:12].upper()}", t0.replace(year=t0.year - 15), t0 - timedelta(days=3)))
    wf = answer["workflow_id"]
    await journeys.send(wf, command("record_strategy_discussion", occurred_on=t0 - timedelta(days=2), outcome="s47_cp"))
    history = await temporal_env.client.get_workflow_handle(wf).fetch_history()
    kinds = [e.event_type for e in history.events]
    # No activity task per command: the appends are markers in the tasks that accepted them.
    assert EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED not in kinds
    assert kinds.count(EventType.EVENT_TYPE_MARKER_RECORDED) >= 2
    await replayer(temporal_env.client.data_converter).replay_workflow(history)
