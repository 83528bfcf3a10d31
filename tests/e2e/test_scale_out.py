"""Scaled out as deploy/ runs it: two worker processes and two API replicas on one PostgreSQL and
one Temporal, under load from a case system, with a worker and an API killed in the middle.

The replicas run as a production deployment does: the schema migrated once by `pathways
migrate --grant-to` (as the database's owner), the processes connected as a login role that
may only act as `pathways_app`, secrets from files, every process with its health port. The
case system's clients send each young person's commands in order, many young people at once,
spread over both APIs; a command that gets no answer (its API died, or the answer was lost)
is sent again, with the same `command_id`, to the other API.

Afterwards: every command answered 2xx has its events in the log exactly once, nothing a
refusal answered was written, nothing else is in the log but what the journeys' clocks
recorded, `pathways verify` passes, the read models equal a rebuild from the log, each
journey's workflow state is the fold of its events, and a dashboard session made on one API
works on another. Then the survivors are stopped as an orchestrator stops them (SIGTERM):
requests and tasks in hand finish before they exit.
"""

from __future__ import annotations

import asyncio
import re
import signal
import uuid
from datetime import date

import httpx
import pytest
from sqlalchemy.engine import make_url

from api.dashboard.session import COOKIE as SESSION_COOKIE
from bench.cluster import Cluster
from case_system import (
    COMMANDS_PER_JOURNEY, LA, CaseSystem, assert_answers_are_the_log, assert_the_log_is_whole,
)
from sealing.keys import KeyRing
from settings import Settings
from store.engine import execute_autocommit

pytestmark = pytest.mark.slow

JOURNEYS = 24
CLIENTS = 12  # young people whose commands are in flight at once
KILL_AFTER = 80  # answered commands before a worker and an API are killed
ID_KEY = "5c" * 32
RING = KeyRing.new()  # the deployment's sealing keys, given to every process as a secret file


@pytest.fixture(scope="module")
def deployment(postgres_server_url, dev_server_env, tmp_path_factory):
    """A fresh database with its owner's URL, the login role the processes use, and a cluster."""
    folder = tmp_path_factory.mktemp("scale-out")
    suffix = uuid.uuid4().hex[:10]
    database, role, password = f"pathways_scale_{suffix}", f"pathways_service_{suffix}", uuid.uuid4().hex
    execute_autocommit(postgres_server_url, f'CREATE DATABASE "{database}"')
    execute_autocommit(postgres_server_url, f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
    owner_url = make_url(postgres_server_url).set(database=database).render_as_string(hide_password=False)
    service_url = make_url(owner_url).set(username=role, password=None).render_as_string(hide_password=False)
    (folder / "db_password").write_text(password + "\n")
    (folder / "id_key").write_text(ID_KEY + "\n")
    (folder / "sealing_keys").write_text(RING.to_json())
    data = folder / "data"
    from services.identity import TokenFile

    tokens = TokenFile(data / "tokens.json")
    cluster = Cluster(folder, {
        "PATHWAYS_DATABASE_URL": service_url,
        "PATHWAYS_DATABASE_PASSWORD_FILE": str(folder / "db_password"),
        "PATHWAYS_ID_KEY_FILE": str(folder / "id_key"),
        "PATHWAYS_SEALING_KEYS_FILE": str(folder / "sealing_keys"),
        "PATHWAYS_CHECKPOINT_KEY_FILE": str(folder / "checkpoint.key"),
        "PATHWAYS_TEMPORAL_ADDRESS": dev_server_env.client.service_client.config.target_host,
        "PATHWAYS_TASK_QUEUE": f"scale-out-{suffix}",
        "PATHWAYS_DATA_DIR": str(data),
        "PATHWAYS_SEARCH_ATTRIBUTES": "0",
        "PATHWAYS_MIGRATE_ON_START": "0",
        "PATHWAYS_SHUTDOWN_GRACE_SECONDS": "20",
    })
    migrated = cluster.pathways("migrate", "--grant-to", role, env={
        "PATHWAYS_DATABASE_URL": owner_url, "PATHWAYS_DATABASE_PASSWORD_FILE": ""})
    assert f"{role} may act as pathways_app" in migrated.stdout, migrated.stderr
    try:
        yield {"cluster": cluster, "owner_url": owner_url, "tokens": tokens,
               "system": tokens.create("system", LA, name="case-system"),
               "manager": tokens.create("manager", LA, name="tm-0007")}
    finally:
        cluster.stop_all()
        execute_autocommit(postgres_server_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        execute_autocommit(postgres_server_url, f"DROP ROLE IF EXISTS {role}")


@pytest.fixture(scope="module")
async def loaded(deployment):
    """Two workers and two APIs under load; one of each SIGKILLed once KILL_AFTER commands
    have been answered. What every command was finally told, and the processes."""
    cluster: Cluster = deployment["cluster"]
    workers = [cluster.start_worker(), cluster.start_worker()]
    apis = [cluster.start_api(), cluster.start_api()]
    await cluster.ready(*workers, *apis)
    case_system = CaseSystem(apis, deployment["system"], midway_after=KILL_AFTER)
    today = date.today()

    async def kill_midway():
        await case_system.midway.wait()
        workers[0].kill()
        apis[0].kill()

    killer = asyncio.create_task(kill_midway())
    people = await case_system.load(JOURNEYS, CLIENTS, today)
    assert killer.done(), "the load ended before a worker and an API were killed"
    yield {"sent": case_system.sent, "people": people, "workers": workers, "apis": apis, "today": today}


async def test_every_answer_is_the_log_and_nothing_else_is(loaded, deployment):
    sent = loaded["sent"]
    assert not loaded["workers"][0].running and not loaded["apis"][0].running
    assert len(sent) == JOURNEYS * COMMANDS_PER_JOURNEY
    assert [s for s in sent if s.tries > 1], "no command had to be sent again: the kill came too late to test anything"
    refused = [s for s in sent if s.status == 409]
    assert len(refused) == JOURNEYS and all(s.answer["error"]["code"] == "step_out_of_order" for s in refused)
    assert_answers_are_the_log(deployment["owner_url"], sent, [journey_id for _, journey_id in loaded["people"]])


async def test_the_log_verifies_and_folds_to_each_workflow_and_the_read_models(loaded, deployment):
    cluster: Cluster = deployment["cluster"]
    settings = Settings(id_key=bytes.fromhex(ID_KEY), task_queue=cluster.env["PATHWAYS_TASK_QUEUE"],
                        temporal_address=cluster.env["PATHWAYS_TEMPORAL_ADDRESS"], sealing_keys=RING.to_json())
    await assert_the_log_is_whole(cluster, deployment["owner_url"], settings, loaded["people"])


async def test_a_dashboard_session_made_on_one_api_works_on_another(loaded, deployment):
    cluster: Cluster = deployment["cluster"]
    survivor = loaded["apis"][1]
    replacement = cluster.start_api()  # the killed replica's successor, as an orchestrator starts it
    await cluster.ready(replacement)
    # One browser: its cookies are the host's, whichever replica the balancer picks.
    async with httpx.AsyncClient(timeout=30) as browser:
        form = await browser.get(f"{survivor.url}/dashboard/sign-in")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
        signed_in = await browser.post(f"{survivor.url}/dashboard/sign-in",
                                       data={"token": deployment["manager"], "csrf": csrf}, follow_redirects=False)
        assert signed_in.status_code == 303, signed_in.text
        session = {SESSION_COOKIE: signed_in.cookies[SESSION_COOKIE]}
        page = await browser.get(f"{replacement.url}/dashboard", follow_redirects=False)
        assert page.status_code == 200, (page.status_code, page.headers.get("location"))
        # Signing out on one replica ends the session on every replica: the old cookie, sent
        # again to the other, signs no one in.
        await browser.post(f"{replacement.url}/dashboard/sign-out", follow_redirects=False)
    async with httpx.AsyncClient(timeout=30, cookies=session) as replayed:
        again = await replayed.get(f"{survivor.url}/dashboard", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].endswith("/dashboard/sign-in")


async def test_health_and_metrics_of_each_process(loaded, deployment):
    worker, api = loaded["workers"][1], loaded["apis"][1]
    async with httpx.AsyncClient(timeout=30) as http:
        for process in (worker, api):
            assert (await http.get(f"{process.url}/healthz")).json() == {"status": "alive"}
            assert (await http.get(f"{process.url}/readyz")).json() == {"status": "ready"}
        worker_metrics = (await http.get(f"{worker.url}/metrics")).text
        api_metrics = (await http.get(f"{api.url}/metrics")).text
    # The worker's page: the SDK's own metrics and what this worker appended.
    assert "temporal_workflow_task_schedule_to_start_latency_bucket" in worker_metrics
    assert re.search(r'^pathways_events_appended_total\{local_authority="873"\} [1-9]', worker_metrics, re.M)
    # The API's page: its requests, the database's figures.
    assert 'pathways_http_requests_total{method="POST",route="/v1/journeys/{journey_id}/commands",status="200"}' in api_metrics
    assert re.search(r'^pathways_open_journeys\{local_authority="873",pathway="cp"\} [1-9]', api_metrics, re.M)
    for child_id, journey_id in loaded["people"]:
        assert child_id not in worker_metrics + api_metrics and journey_id not in worker_metrics + api_metrics


async def test_sigterm_drains_the_survivors(loaded, deployment):
    cluster: Cluster = deployment["cluster"]
    worker, api = loaded["workers"][1], loaded["apis"][1]
    standby = cluster.start_worker()  # takes over the task queue once the draining worker stops polling
    await cluster.ready(standby)
    case_system = CaseSystem([api], deployment["system"], retry_for=5)
    journey_ids = [journey_id for _, journey_id in loaded["people"]]
    today = loaded["today"]
    in_flight = [
        asyncio.create_task(case_system.send(f"/v1/journeys/{journey_id}/commands", {
            "command_id": str(uuid.uuid4()), "type": "record_visit", "occurred_on": today.isoformat(), "seen_alone": True}))
        for journey_id in journey_ids[:8]]
    await asyncio.sleep(0.05)
    worker_exit = asyncio.to_thread(worker.terminate)
    api_exit = asyncio.to_thread(api.terminate)
    results = await asyncio.gather(*in_flight, return_exceptions=True)
    assert await worker_exit == 0, worker.log.read_text()[-3000:]
    # uvicorn finishes the requests in hand, then ends itself by the signal it was sent (as
    # a process that did not catch it would): exit status -SIGTERM after a clean shutdown.
    assert await api_exit in (0, -signal.SIGTERM), api.log.read_text()[-3000:]
    assert "Application shutdown complete" in api.log.read_text()
    await case_system.http.aclose()
    # Every command the API took was answered before it stopped; one it never took found no
    # API to go to (the only one was stopping), and says so.
    for result in results:
        assert isinstance(result, AssertionError) or result.status == 200, result
    assert any(not isinstance(r, Exception) for r in results), "the API stopped before taking any command"
    worker_log = worker.log.read_text()
    assert '"worker_draining"' in worker_log and '"worker_stopped"' in worker_log
