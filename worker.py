"""The Temporal worker: wires the journey workflow and its activities, nothing more."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from temporalio.client import Client
from temporalio.worker import Worker

from activities.checkpoints import CheckpointActivities
from activities.journey import JourneyActivities
from activities.webhooks import WebhookActivities
from audit.statements import key_id, load_or_create_key, load_private_key
from settings import Settings
from store.engine import make_engine, migrate
from store.events import EventStore
from store.webhooks import WebhookStore
from workflows.checkpoints import CheckpointWorkflow, ensure_checkpoint_schedule
from workflows.contexts import ContextWorkflow
from workflows.journey import JourneyWorkflow
from workflows.notifications import NotificationDelivery, NotificationSweeper, start_notification_sweeper

log = structlog.get_logger("pathways.worker")


def build_worker(
    client: Client, settings: Settings, store: EventStore, *, checkpoint_key: Ed25519PrivateKey | None = None
) -> Worker:
    """`checkpoint_key` signs the log's checkpoints; without it, the checkpoint activity reads
    the key from `settings.checkpoint_key_path` whenever it runs."""
    activities = JourneyActivities(store)
    webhooks = WebhookActivities(WebhookStore(store.engine), settings)
    checkpoints = CheckpointActivities(
        store.engine, checkpoint_key or (lambda: load_private_key(settings.checkpoint_key_path))
    )
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=[JourneyWorkflow, ContextWorkflow, NotificationDelivery, NotificationSweeper, CheckpointWorkflow],
        activities=[
            activities.persist_journey_events,
            webhooks.plan_webhook_deliveries, webhooks.deliver_webhook, webhooks.settle_webhook_deliveries,
            webhooks.start_notification_deliveries, webhooks.start_stranded_deliveries,
            checkpoints.write_checkpoint,
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
    key = signing_key(settings)
    await ensure_checkpoint_schedule(client, settings)
    await build_worker(client, settings, store, checkpoint_key=key).run()


def signing_key(settings: Settings) -> Ed25519PrivateKey:
    """The key that signs the log's checkpoints, made (mode 0600) on the first start if its
    file does not exist. Keep the file: checkpoints signed with a lost key can no longer be
    told from forgeries by `pathways verify`."""
    path = settings.checkpoint_key_path
    existed = path.exists()
    key = load_or_create_key(path)
    if not existed:
        log.warning("checkpoint_key_created", path=str(path), key_id=key_id(key))
    return key


def main() -> None:
    asyncio.run(run(Settings.from_env()))


if __name__ == "__main__":
    main()
