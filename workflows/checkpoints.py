"""Signed checkpoints of the event log on a Temporal Schedule (audit/checkpoints.py).

`CheckpointWorkflow` runs one activity that signs and stores a checkpoint over every event
committed so far (or returns the latest one, if nothing was appended since). The worker
process (`python -m worker`, `pathways up`) makes sure a Schedule starts it every
`checkpoint_interval_seconds` (PATHWAYS_CHECKPOINT_INTERVAL_SECONDS, hourly by default): one
Schedule per task queue, created if missing and its interval brought up to date otherwise,
so restarts and several workers leave exactly one. Overlapping runs are skipped. On demand,
`pathways audit checkpoint` writes one directly, with no service needed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.names import WRITE_CHECKPOINT

if TYPE_CHECKING:
    from temporalio.client import Client

    from settings import Settings

CHECKPOINT_WORKFLOW = "CheckpointWorkflow"


@workflow.defn(name=CHECKPOINT_WORKFLOW)
class CheckpointWorkflow:
    @workflow.run
    async def run(self) -> dict | None:
        return await workflow.execute_activity(
            WRITE_CHECKPOINT,
            # Reading every event's hash: seconds for 100,000 events, minutes for millions.
            start_to_close_timeout=timedelta(minutes=30),
            retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=1), maximum_attempts=10),
            result_type=dict,
        )


def schedule_id(task_queue: str) -> str:
    return f"checkpoints-{task_queue}"


async def ensure_checkpoint_schedule(client: "Client", settings: "Settings") -> str:
    """Create the task queue's checkpoint Schedule, or bring its interval up to date; returns its id."""
    from temporalio.client import (
        Schedule, ScheduleActionStartWorkflow, ScheduleAlreadyRunningError, ScheduleIntervalSpec,
        ScheduleOverlapPolicy, SchedulePolicy, ScheduleSpec, ScheduleUpdate, ScheduleUpdateInput,
    )

    every = timedelta(seconds=settings.checkpoint_interval_seconds)
    spec = ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every)])
    sid = schedule_id(settings.task_queue)
    try:
        await client.create_schedule(
            sid,
            Schedule(
                action=ScheduleActionStartWorkflow(
                    CHECKPOINT_WORKFLOW, id=f"checkpoint-{settings.task_queue}", task_queue=settings.task_queue,
                ),
                spec=spec,
                policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
            ),
        )
    except ScheduleAlreadyRunningError:
        handle = client.get_schedule_handle(sid)

        def updated(input: ScheduleUpdateInput) -> ScheduleUpdate | None:
            current = input.description.schedule
            if [i.every for i in current.spec.intervals] == [every]:
                return None
            current.spec = spec
            return ScheduleUpdate(schedule=current)

        await handle.update(updated)
    return sid
