"""The Temporal worker: wires the journey workflow and its activities, nothing more."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import structlog
from temporalio.client import Client
from temporalio.worker import Worker

from activities.journey import JourneyActivities
from activities.webhooks import WebhookActivities
from settings import Settings
from store.engine import make_engine, migrate
from store.events import EventStore
from store.webhooks import WebhookStore
from workflows.contexts import ContextWorkflow
from workflows.journey import JourneyWorkflow
from workflows.notifications import NotificationDelivery, NotificationSweeper, start_notification_sweeper

log = structlog.get_logger("pathways.worker")


def build_worker(client: Client, settings: Settings, store: EventStore) -> Worker:
    activities = JourneyActivities(store)
    webhooks = WebhookActivities(WebhookStore(store.engine), settings)
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=[JourneyWorkflow, ContextWorkflow, NotificationDelivery, NotificationSweeper],
        activities=[
            activities.persist_journey_events,
            webhooks.plan_webhook_deliveries, webhooks.deliver_webhook, webhooks.settle_webhook_deliveries,
            webhooks.start_notification_deliveries, webhooks.start_stranded_deliveries,
        ],
        # The persist activity is synchronous (SQLAlchemy); it runs on this pool.
        activity_executor=ThreadPoolExecutor(max_workers=settings.max_concurrent_activities),
        max_concurrent_activities=settings.max_concurrent_activities,
        max_concurrent_workflow_tasks=settings.max_concurrent_workflow_tasks,
        max_cached_workflows=settings.max_cached_workflows,
    )


async def run(settings: Settings) -> None:
    migrate(settings.database_url)
    store = EventStore(make_engine(settings.database_url, settings.db_pool_size, settings.db_max_overflow))
    client = await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)
    log.info("worker_started", task_queue=settings.task_queue, temporal=settings.temporal_address)
    # Picks up notifications whose delivery never started (e.g. the worker died in between).
    await start_notification_sweeper(client, settings)
    await build_worker(client, settings, store).run()


def main() -> None:
    asyncio.run(run(Settings.from_env()))


if __name__ == "__main__":
    main()
