"""What the dashboard's browser tests share: the live app on a free 127.0.0.1 port (in the
session's event loop, with the session's real worker on the time-skipping server behind it)
and a headless Chromium (Debian's, driven by Playwright). Each test module gets its own app
and browser; helpers for driving them are in browsing.py."""

from __future__ import annotations

import asyncio
import socket
import tempfile
from pathlib import Path

import pytest
import uvicorn
from playwright.async_api import async_playwright

from api.app import create_app
from api.dashboard import dashboard_today
from browsing import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, LAPTOP
from temporal_fixtures import eventually_async
from workflows.local_time import london_date


@pytest.fixture(scope="module")
async def live_app(temporal_env, settings, store, worker, token_file):
    """The app on a free 127.0.0.1 port, in this event loop; its today is the test server's."""
    app = create_app(settings, temporal=temporal_env.client, store=store, identity=token_file)

    async def test_server_today():
        return london_date(await temporal_env.get_current_time())

    app.dependency_overrides[dashboard_today] = test_server_today
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on"))
    task = asyncio.create_task(server.serve(sockets=[sock]))

    async def up():
        if task.done():
            task.result()  # raises what stopped it
        return server.started

    await eventually_async(up, timeout=20)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@pytest.fixture(scope="module")
async def browser_context():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not at {CHROMIUM}: `make test` installs it (apt-get install -y chromium), "
                    "or set PATHWAYS_CHROMIUM to a Chromium binary.")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pathways-chromium-") as profile:
        async with async_playwright() as playwright:
            context = await playwright.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                viewport=LAPTOP, locale="en-GB", timezone_id="Europe/London",
            )
            context.set_default_timeout(15_000)
            try:
                yield context
            finally:
                await context.close()


@pytest.fixture
async def page(browser_context):
    await browser_context.clear_cookies()
    page = await browser_context.new_page()
    try:
        yield page
    finally:
        await page.close()
