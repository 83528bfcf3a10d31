"""Delivering the outbox's notifications to the LAs' webhooks.

One `NotificationDelivery` workflow per notification, with workflow id
``notify-<notification_id>``: Temporal refuses a second one with the same id, so the journey's
hook and the sweeper can both try to start it and only one delivery ever runs. It plans the
delivery (the subscriptions that are owed the notification, fixed once in the store), runs one
`deliver_webhook` activity per subscription in parallel with exponential backoff, then settles:
pairs whose retry window ran out are recorded as abandoned, and the outbox row is marked
delivered when everyone has it.

Delivery is at least once: a receiver can see a notification again if the worker dies after
the receiver answered 2xx but before the answer was recorded; receivers dedupe on
`notification_id`. Once a 2xx is recorded for a (notification, subscription), nothing is
sent to that subscription for it again.

Started two ways:
- `start_deliveries`, the journey workflow's hook after a persist that enqueued notifications:
  one short activity that starts the delivery workflows through the client. They are not the
  journey's children: nothing about them (an outage, a failure, their completion) reaches the
  journey's history, and a journey that closes cannot cancel them. (Child workflows with
  parent close policy ABANDON would give the same guarantees, but a child that completes
  after its parent has closed wedges the Java time-skipping test server's clock, and every
  child's completion would wake the journey.) If starting fails, the hook gives up after a
  few attempts and the sweeper starts them instead;
- `NotificationSweeper`, a long-running workflow (one per task queue, started by the worker
  process) that periodically starts delivery for notifications no workflow looks after:
  never planned (the worker died between the commit and the start) or left pending by a
  delivery workflow that was terminated.

The retry settings come from the worker's `Settings`, through the plan activity's result, so
they are recorded in history and replay deterministically.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from temporalio import workflow
from temporalio.common import RetryPolicy, WorkflowIDConflictPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.names import (
        DELIVER_WEBHOOK, NOTIFICATION_DELIVERY_WORKFLOW, PLAN_WEBHOOK_DELIVERIES,
        SETTLE_WEBHOOK_DELIVERIES, START_NOTIFICATION_DELIVERIES, START_STRANDED_DELIVERIES,
    )

if TYPE_CHECKING:
    from temporalio.client import Client

    from settings import Settings

# Marks journey histories that start deliveries, so journeys recorded before the hook existed
# replay without it.
DELIVERY_PATCH = "notification-delivery"
SWEEPER_WORKFLOW = "NotificationSweeper"
# Short store operations: retried until the database answers.
STORE_TIMEOUT = timedelta(seconds=30)
STORE_RETRY = RetryPolicy(maximum_interval=timedelta(seconds=30))


@dataclass
class DeliveryInput:
    notification_id: str


@workflow.defn(name=NOTIFICATION_DELIVERY_WORKFLOW)
class NotificationDelivery:
    @workflow.run
    async def run(self, input: DeliveryInput) -> dict:
        plan = await workflow.execute_activity(
            PLAN_WEBHOOK_DELIVERIES, input.notification_id,
            start_to_close_timeout=STORE_TIMEOUT, retry_policy=STORE_RETRY, result_type=dict,
        )
        owed: list[str] = plan["subscriptions"]
        if not owed:
            return {"notification_id": input.notification_id, "outcomes": {}}
        outcomes = await asyncio.gather(*(self._deliver(input.notification_id, sid, plan["retry"]) for sid in owed))
        abandoned = [sid for sid, outcome in zip(owed, outcomes) if outcome == "abandoned"]
        await workflow.execute_activity(
            SETTLE_WEBHOOK_DELIVERIES, {"notification_id": input.notification_id, "abandoned": abandoned},
            start_to_close_timeout=STORE_TIMEOUT, retry_policy=STORE_RETRY,
        )
        return {"notification_id": input.notification_id, "outcomes": dict(zip(owed, outcomes))}

    async def _deliver(self, notification_id: str, subscription_id: str, retry: dict) -> str:
        """The pair's outcome: delivered, failed (refused for good), cancelled or abandoned."""
        try:
            result = await workflow.execute_activity(
                DELIVER_WEBHOOK, {"notification_id": notification_id, "subscription_id": subscription_id},
                # One attempt: the HTTP timeout plus time to record it.
                start_to_close_timeout=timedelta(seconds=retry["timeout_seconds"] + 30),
                # Every attempt: the whole retry window.
                schedule_to_close_timeout=timedelta(seconds=retry["give_up_after_seconds"]),
                retry_policy=RetryPolicy(
                    initial_interval=timedelta(seconds=retry["initial_seconds"]),
                    backoff_coefficient=2.0,
                    maximum_interval=timedelta(seconds=retry["maximum_seconds"]),
                    maximum_attempts=0,
                ),
                result_type=dict,
            )
        except ActivityError:
            # The retry window ran out (or the pair vanished): recorded by the settle step.
            return "abandoned"
        return result["outcome"]


async def start_deliveries(notification_ids: list[str]) -> None:
    """The journey workflow's hook: start delivering what a persist just enqueued.

    Awaits only the start of the delivery workflows, never their result; a delivery that
    already exists (the sweeper got there first) is left to itself. Never raises: should
    Temporal refuse the starts a few times running, the sweeper starts them a minute later.
    """
    if not notification_ids or not workflow.patched(DELIVERY_PATCH):
        return
    try:
        await workflow.execute_activity(
            START_NOTIFICATION_DELIVERIES, notification_ids,
            start_to_close_timeout=timedelta(seconds=10),
            retry_policy=RetryPolicy(maximum_attempts=3, maximum_interval=timedelta(seconds=5)),
        )
    except ActivityError:
        workflow.logger.warning("notification delivery not started; the sweeper will start it")


# --- the sweeper ---------------------------------------------------------------------------


@dataclass
class SweeperInput:
    interval_seconds: float = 60.0
    min_age_seconds: float = 60.0
    batch: int = 100
    # Continue-as-new after this many sweeps, to keep the history short.
    sweeps_per_run: int = 500


@workflow.defn(name=SWEEPER_WORKFLOW)
class NotificationSweeper:
    @workflow.run
    async def run(self, input: SweeperInput) -> None:
        for _ in range(input.sweeps_per_run):
            await workflow.execute_activity(
                START_STRANDED_DELIVERIES, {"min_age_seconds": input.min_age_seconds, "limit": input.batch},
                start_to_close_timeout=timedelta(minutes=5), retry_policy=STORE_RETRY,
            )
            await workflow.sleep(timedelta(seconds=input.interval_seconds))
        workflow.continue_as_new(input)


def sweeper_workflow_id(task_queue: str) -> str:
    return f"notification-sweeper-{task_queue}"


async def start_notification_sweeper(client: "Client", settings: "Settings") -> str:
    """Start the task queue's sweeper unless it is already running; returns its workflow id."""
    workflow_id = sweeper_workflow_id(settings.task_queue)
    await client.start_workflow(
        NotificationSweeper.run,
        SweeperInput(
            interval_seconds=settings.webhook_sweep_interval_seconds,
            min_age_seconds=settings.webhook_sweep_min_age_seconds,
        ),
        id=workflow_id, task_queue=settings.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
    return workflow_id
