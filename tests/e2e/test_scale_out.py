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
from dataclasses import dataclass
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from api.dashboard.session import COOKIE as SESSION_COOKIE
from bench.cluster import Cluster, Process
from domain.calendar import WorkingDayCalendar
from sealing.keys import KeyRing
from settings import Settings
from store.engine import execute_autocommit, make_engine
from store.events import EventStore
from store.projections import rebuild_read_models
from store.schema import deadlines, events, journeys
from support import assert_consistent
from workflows.client import JourneyClient, journey_workflow_id
from workflows.connection import connect

pytestmark = pytest.mark.slow

LA = "873"
JOURNEYS = 24
CLIENTS = 12  # young people whose commands are in flight at once
KILL_AFTER = 80  # answered commands before a worker and an API are killed
ID_KEY = "5c" * 32
RING = KeyRing.new()  # the deployment's sealing keys, given to every process as a secret file
RETRY_FOR_SECONDS = 120


@dataclass
class Sent:
    """One command as the case system sent it, and what it was finally told."""

    command_id: str
    path: str
    body: dict
    status: int | None = None
    answer: dict | None = None
    tries: int = 0


class CaseSystem:
    """HTTP clients over every live API; a command without an answer goes to the next API."""

    def __init__(self, apis: list[Process], token: str, retry_for: float = RETRY_FOR_SECONDS) -> None:
        self.apis = apis
        self.retry_for = retry_for
        self.headers = {"Authorization": f"Bearer {token}"}
        self.http = httpx.AsyncClient(timeout=httpx.Timeout(60, connect=2))
        self.sent: list[Sent] = []
        self.answered = asyncio.Event()
        self.turn = 0

    async def send(self, path: str, body: dict) -> Sent:
        sent = Sent(body["command_id"], path, body)
        self.sent.append(sent)
        deadline = asyncio.get_running_loop().time() + self.retry_for
        self.turn += 1
        while True:
            api = self.apis[(self.turn + sent.tries) % len(self.apis)]
            sent.tries += 1
            try:
                response = await self.http.post(f"{api.url}{path}", json=body, headers=self.headers)
                if response.status_code < 500:
                    sent.status, sent.answer = response.status_code, response.json()
                    if sum(s.status is not None for s in self.sent) >= KILL_AFTER:
                        self.answered.set()
                    return sent
            except httpx.HTTPError:
                pass  # no answer: the same command, with the same id, to the next API
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{path} got no answer from any API in {self.retry_for:g} s")
            await asyncio.sleep(0.2)


def young_person_script(today: date) -> tuple[dict, list[dict]]:
    """A CP journey whose every deadline is still ahead at each step, so the clock records
    nothing (a miss would be the clock's own event, not a command's)."""
    child_id = f"SO{uuid.uuid4().hex[:12].upper()}"
    start = {"command_id": str(uuid.uuid4()), "local_authority": LA,
             "young_person": {"id": child_id, "date_of_birth": (today - timedelta(days=14 * 365)).isoformat(),
                              "sex": "F", "ethnicity": "WBRI"},
             "referral_date": (today - timedelta(days=12)).isoformat()}

    def command(type_, **fields):
        return {"command_id": str(uuid.uuid4()), "type": type_,
                **{k: v.isoformat() if isinstance(v, date) else v for k, v in fields.items()}}

    commands = [
        command("record_strategy_discussion", occurred_on=today - timedelta(days=12), outcome="s47_cp"),
        command("record_initial_conference", occurred_on=today - timedelta(days=8), decision="plan",
                categories=["neglect"]),
        command("record_core_group", occurred_on=today - timedelta(days=5)),
        *(command("record_visit", occurred_on=today - timedelta(days=d), seen_alone=d % 2 == 0) for d in (4, 3, 2, 1, 0)),
        # Refused (the conference has been held): nothing may be written for it.
        command("record_initial_conference", occurred_on=today, decision="plan", categories=["emotional"]),
    ]
    return start, commands


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
    from api.identity import TokenFile

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
    case_system = CaseSystem(apis, deployment["system"])
    today = date.today()
    slots = asyncio.Semaphore(CLIENTS)

    async def young_person():
        async with slots:
            start, commands = young_person_script(today)
            started = await case_system.send("/v1/journeys", start)
            assert started.status == 201, started.answer
            for body in commands:
                await case_system.send(f"/v1/journeys/{started.answer['journey_id']}/commands", body)
            return start["young_person"]["id"], started.answer["journey_id"]

    async def kill_midway():
        await case_system.answered.wait()
        workers[0].kill()
        apis[0].kill()

    killer = asyncio.create_task(kill_midway())
    people = await asyncio.gather(*(young_person() for _ in range(JOURNEYS)))
    assert killer.done(), "the load ended before a worker and an API were killed"
    await case_system.http.aclose()
    yield {"sent": case_system.sent, "people": people, "workers": workers, "apis": apis, "today": today}


def log_of(engine, journey_ids):
    with engine.connect() as connection:
        return connection.execute(select(events.c.stream, events.c.event_id, events.c.command_id, events.c.type)
                                  .where(events.c.stream.in_(journey_ids))).all()


async def test_every_answer_is_the_log_and_nothing_else_is(loaded, deployment):
    sent, people = loaded["sent"], loaded["people"]
    assert not loaded["workers"][0].running and not loaded["apis"][0].running
    assert len(sent) == JOURNEYS * 10
    retried = [s for s in sent if s.tries > 1]
    assert retried, "no command had to be sent again: the kill came too late to test anything"
    accepted = [s for s in sent if s.status in (200, 201)]
    refused = [s for s in sent if s.status == 409]
    assert len(refused) == JOURNEYS and all(s.answer["error"]["code"] == "step_out_of_order" for s in refused)
    assert len(accepted) == JOURNEYS * 9

    engine = make_engine(deployment["owner_url"])
    try:
        rows = log_of(engine, [journey_id for _, journey_id in people])
    finally:
        engine.dispose()
    by_command: dict[str, list[str]] = {}
    for row in rows:
        by_command.setdefault(row.command_id, []).append(row.event_id)
    assert len({row.event_id for row in rows}) == len(rows)  # no event twice
    for s in accepted:  # each answer's events, exactly once
        assert sorted(by_command.pop(s.command_id, [])) == sorted(e["event_id"] for e in s.answer["events"]), s.path
    for s in refused:
        assert s.command_id not in by_command
    # Whatever is left is the journeys' clocks' own (reminders of deadlines still ahead).
    assert all(command_id.startswith("clock:") for command_id in by_command), sorted(by_command)[:5]


async def test_the_log_verifies_and_folds_to_each_workflow_and_the_read_models(loaded, deployment, dev_server_env):
    cluster: Cluster = deployment["cluster"]
    verified = cluster.pathways("verify", check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr

    store = EventStore(make_engine(deployment["owner_url"]))
    settings = Settings(id_key=bytes.fromhex(ID_KEY), task_queue=cluster.env["PATHWAYS_TASK_QUEUE"],
                        temporal_address=cluster.env["PATHWAYS_TEMPORAL_ADDRESS"], sealing_keys=RING.to_json())
    client = JourneyClient(await connect(settings), settings)
    try:
        journey_ids = [journey_id for _, journey_id in loaded["people"]]
        # Let each journey's clock settle (5 s of quiet after a command), so nothing moves
        # underneath the comparisons.
        versions = None
        while versions != (versions := [store.stream_version(j) for j in journey_ids]):
            await asyncio.sleep(6)
        for child_id, _ in loaded["people"]:
            await assert_consistent(client, store, journey_workflow_id(settings.id_key, LA, child_id))

        before = snapshot(store.engine, journey_ids)
        workflow_ids = {row["journey_id"]: row["workflow_id"] for row in before[0]}
        rebuild_read_models(store.engine, WorkingDayCalendar(), date.today(),
                            lambda state: workflow_ids.get(state.journey_id, "unknown"))
        assert snapshot(store.engine, journey_ids) == before
    finally:
        store.engine.dispose()


def snapshot(engine, journey_ids):
    with engine.connect() as connection:
        summaries = [dict(r._mapping) for r in connection.execute(
            select(journeys).where(journeys.c.journey_id.in_(journey_ids)).order_by(journeys.c.journey_id))]
        owed = [dict(r._mapping) for r in connection.execute(
            select(deadlines).where(deadlines.c.journey_id.in_(journey_ids))
            .order_by(deadlines.c.journey_id, deadlines.c.seq))]
    for summary in summaries:
        summary.pop("updated_at")
    return summaries, owed


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
