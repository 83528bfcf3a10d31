"""Checkpoints on Temporal: `CheckpointWorkflow` and its activity on the time-skipping test
server, and the Schedule the worker keeps on the real dev server (the Java test server has no
Schedules)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ActivityError, ApplicationError, RetryState

from audit.checkpoints import latest_checkpoint
from audit.statements import Checkpoint, load_or_create_key
from sealing.keys import KeyRing
from settings import Settings
from store.engine import make_engine, migrate
from store.events import EventStore
from store.records import NewEvent
from temporal_fixtures import eventually_async
from worker import build_worker
from workflows.checkpoints import CheckpointWorkflow, ensure_checkpoint_schedule, schedule_id


def note(n: int) -> NewEvent:
    return NewEvent(event_id=str(uuid.uuid4()), type="CaseNoteAdded", occurred_on=None, actor="user-0042",
                    actor_role="social_worker", command_id=None, schema_version=1, data={"note_ref": f"n-{n}"})


@pytest.fixture
def own(tmp_path: Path) -> tuple[Settings, EventStore]:
    """A log of three events, its own task queue and a key file."""
    url = f"sqlite:///{tmp_path / 'pathways.db'}"
    migrate(url)
    store = EventStore(make_engine(url))
    store.append("journey-a", 0, [note(1), note(2)])
    store.append("journey-b", 0, [note(3)])
    settings = Settings(database_url=url, task_queue=f"checkpoints-{uuid.uuid4().hex[:8]}", id_key=b"test-key",
                        checkpoint_key_file=tmp_path / "keys" / "checkpoint.key", sealing_keys=KeyRing.new().to_json())
    yield settings, store
    store.engine.dispose()


async def test_the_workflow_signs_a_checkpoint_over_the_log(temporal_env, own) -> None:
    settings, store = own
    key = load_or_create_key(settings.checkpoint_key_path)
    client = temporal_env.client

    # No key given to the worker: the activity reads the key file when it runs.
    async with build_worker(client, settings, store):
        run = lambda: client.execute_workflow(  # noqa: E731
            CheckpointWorkflow.run, id=f"checkpoint-{uuid.uuid4()}", task_queue=settings.task_queue)
        first = Checkpoint.from_json(await run())
        assert first.tree_size == 3 and first.verifies_with(key.public_key())
        assert latest_checkpoint(store.engine) == first
        assert Checkpoint.from_json(await run()) == first  # nothing new: the same checkpoint

        store.append("journey-b", 1, [note(4)])
        assert Checkpoint.from_json(await run()).tree_size == 4

        # The log cut below the latest checkpoint: refused at once, not retried.
        with store.engine.begin() as connection:
            connection.execute(text("DROP TRIGGER events_no_delete"))
            connection.execute(text("DELETE FROM events WHERE position = 4"))
        with pytest.raises(WorkflowFailureError) as failed:
            await run()
    activity_error = failed.value.cause
    assert isinstance(activity_error, ActivityError)
    assert activity_error.retry_state == RetryState.NON_RETRYABLE_FAILURE
    refused = activity_error.cause
    assert isinstance(refused, ApplicationError) and refused.type == "CheckpointRefused"
    assert refused.details == ({"position": 4},)
    assert latest_checkpoint(store.engine).tree_size == 4


async def test_the_workflow_takes_the_key_given_to_the_worker(temporal_env, own, tmp_path) -> None:
    settings, store = own
    key = load_or_create_key(tmp_path / "elsewhere.key")
    assert not settings.checkpoint_key_path.exists()
    async with build_worker(temporal_env.client, settings, store, checkpoint_key=key):
        result = await temporal_env.client.execute_workflow(
            CheckpointWorkflow.run, id=f"checkpoint-{uuid.uuid4()}", task_queue=settings.task_queue)
    assert Checkpoint.from_json(result).verifies_with(key.public_key())


@pytest.mark.slow
async def test_the_worker_keeps_exactly_one_schedule_at_the_configured_interval(dev_server_env, own) -> None:
    settings, store = own
    key = load_or_create_key(settings.checkpoint_key_path)
    client = dev_server_env.client
    handle = client.get_schedule_handle(schedule_id(settings.task_queue))
    try:
        # Every start of a worker makes sure of it: created once, left as it is after.
        assert await ensure_checkpoint_schedule(client, settings) == handle.id
        assert await ensure_checkpoint_schedule(client, settings) == handle.id
        described = await handle.describe()
        assert [i.every for i in described.schedule.spec.intervals] == [timedelta(hours=1)]
        assert described.schedule.action.workflow == "CheckpointWorkflow"
        assert described.schedule.action.task_queue == settings.task_queue
        # A changed setting reaches the schedule at the next start.
        await ensure_checkpoint_schedule(client, replace(settings, checkpoint_interval_seconds=600))
        described = await handle.describe()
        assert [i.every for i in described.schedule.spec.intervals] == [timedelta(minutes=10)]

        async with build_worker(client, settings, store, checkpoint_key=key):
            await handle.trigger()

            async def written():
                return latest_checkpoint(store.engine)

            checkpoint = await eventually_async(written, timeout=30)
        assert checkpoint.tree_size == 3 and checkpoint.verifies_with(key.public_key())
    finally:
        await handle.delete()
