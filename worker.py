"""The Temporal worker: wires the journey workflow and its activities, nothing more."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import structlog
import uvicorn
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from temporalio.client import Client
from temporalio.worker import Worker

from activities.checkpoints import CheckpointActivities
from activities.journey import GIVE_WAY_SECONDS, JourneyActivities
from activities.webhooks import WebhookActivities
from audit.statements import key_id, load_or_create_key, load_private_key
from sealing.keys import provider_for
from observability.logs import configure_logging
from settings import Settings, exit_directly
from store.engine import make_engine, migrate, schema_problem
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
    # The clock's appends give way when the database keeps them waiting (activities/journey.py).
    give_way = EventStore(make_engine(store.engine.url, pool_size=2, lock_wait_seconds=GIVE_WAY_SECONDS))
    activities = JourneyActivities(store, give_way)
    keys = provider_for(settings).key_ring()
    webhooks = WebhookActivities(WebhookStore(store.engine, keys), settings, keys)
    checkpoints = CheckpointActivities(
        store.engine, checkpoint_key or (lambda: load_private_key(settings.checkpoint_key_path))
    )
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=[JourneyWorkflow, ContextWorkflow, NotificationDelivery, NotificationSweeper, CheckpointWorkflow],
        activities=[
            activities.persist_journey_events, activities.check_log_takes_appends, activities.read_stream_after,
            webhooks.plan_webhook_deliveries, webhooks.deliver_webhook, webhooks.settle_webhook_deliveries,
            webhooks.start_notification_deliveries, webhooks.start_stranded_deliveries,
            checkpoints.write_checkpoint,
        ],
        # The persist activity is synchronous (SQLAlchemy); it runs on this pool.
        activity_executor=ThreadPoolExecutor(max_workers=settings.max_concurrent_activities),
        max_concurrent_activities=settings.max_concurrent_activities,
        max_concurrent_workflow_tasks=settings.max_concurrent_workflow_tasks,
        max_cached_workflows=settings.max_cached_workflows,
        # On shutdown (SIGTERM), activities under way get this long to finish before they
        # are cancelled; workflow tasks under way always finish.
        graceful_shutdown_timeout=timedelta(seconds=settings.shutdown_grace_seconds),
    )


async def run(settings: Settings) -> None:
    """Serve the task queue until SIGTERM or SIGINT, then drain: stop polling, let the tasks
    in hand finish (within the grace period), and return."""
    from observability.health import worker_health_app
    from observability.metrics import SdkMetrics, render
    from observability.tracing import configure_tracing
    from workflows.connection import connect

    configure_tracing("pathways-worker")
    if settings.migrate_on_start:
        migrate(settings.database_url, keys=provider_for(settings))
    store = EventStore(make_engine(settings.database_url, settings.db_pool_size, settings.db_max_overflow))
    if not settings.migrate_on_start and (problem := schema_problem(store.engine)):
        raise SystemExit(f"The worker cannot start: {problem}.")
    sdk = SdkMetrics()
    client = await connect(settings, runtime=sdk.runtime)
    # Picks up notifications whose delivery never started (e.g. the worker died in between).
    await start_notification_sweeper(client, settings)
    key = signing_key(settings)
    await ensure_checkpoint_schedule(client, settings)
    worker = build_worker(client, settings, store, checkpoint_key=key)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    async with _health_port(settings, worker_health_app(
            store.engine, client, stopping.is_set, lambda: render(sdk=sdk))):
        polling = asyncio.create_task(worker.run())
        log.info("worker_started", task_queue=settings.task_queue, temporal=settings.temporal_address)
        stop = asyncio.create_task(stopping.wait())
        await asyncio.wait({polling, stop}, return_when=asyncio.FIRST_COMPLETED)
        if stopping.is_set():
            log.info("worker_draining", grace_seconds=settings.shutdown_grace_seconds)
            await worker.shutdown()
        stop.cancel()
        await polling  # raises what stopped the worker, if it failed
    log.info("worker_stopped")


class ServerWithoutSignals(uvicorn.Server):
    """uvicorn leaving SIGINT and SIGTERM to its host process, which stops it in order (the
    worker drains first; `pathways up` stops the HTTP service, the worker, the dev server)."""

    @contextlib.contextmanager
    def capture_signals(self):  # uvicorn >= 0.29
        yield

    def install_signal_handlers(self) -> None:  # older uvicorn
        pass


@contextlib.asynccontextmanager
async def _health_port(settings: Settings, app):
    """The worker's /healthz, /readyz and /metrics on PATHWAYS_WORKER_HEALTH_PORT, if set."""
    if settings.worker_health_port is None:
        yield
        return
    server = ServerWithoutSignals(uvicorn.Config(
        app, host="0.0.0.0", port=settings.worker_health_port, access_log=False, log_config=None, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    try:
        yield
    finally:
        server.should_exit = True
        await serving


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
    configure_logging("info")
    asyncio.run(run(Settings.from_env()))
    exit_directly(0)


if __name__ == "__main__":
    main()
