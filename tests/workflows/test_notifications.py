"""Webhook delivery end to end: journeys on the time-skipping server, a real worker, and a real
HTTP receiver on 127.0.0.1 that checks signatures, goes down, comes back and refuses; the
receiver's address is on the worker's allow-list, as a receiver inside an LA's network would be.
Then what each attempt checks before it sends: the secret it signs with (sealed, rotated, or
under a key the ring no longer holds) and the address it connects to (over https, the one it
checked, with the subscription's name kept for Host and TLS).

This module has its own event log and task queue, with retry settings small enough for the
real-time parts to take seconds: the Java test server skips time only on `env.sleep`, and
then it skips retry backoff too (which the abandonment test uses on purpose).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import json
import ssl
import threading
import time
import uuid
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from sqlalchemy import select
from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError

from activities.webhooks import WebhookActivities
from domain.calendar import WorkingDayCalendar
from sealing.keys import KeyRing
from settings import Settings
from store.engine import make_engine, migrate
from store.events import EventStore
from store.schema import outbox, webhook_deliveries
from store.webhooks import WebhookStore
from support import command, start_request, enqueue_bare_notification
from temporal_fixtures import eventually, eventually_async
from tls_proxy import ThrowawayCA
from worker import build_worker
from workflows.client import JourneyClient
from workflows.notifications import start_notification_sweeper

CAL = WorkingDayCalendar()
SECRET = "test-secret-0123456789abcdef"


# --- a receiver ------------------------------------------------------------------------------

class Receiver:
    """An HTTP server in a thread. Answers 200, or what `answer_next` scripted for the next
    requests: a status code, or "slow" (stores it, then answers 200 after the sender's timeout).
    Paths ending in /gone answer 410. Can be stopped (connections refused) and restarted on
    the same port."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self._script: list = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.port = 0

    def start(self, tls: ssl.SSLContext | None = None) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                with receiver._lock:
                    behaviour = 410 if self.path.endswith("/gone") else (receiver._script.pop(0) if receiver._script else 200)
                    status = 200 if behaviour == "slow" else behaviour
                    receiver.requests.append({
                        "path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body, "status": status, "at": time.monotonic(),
                    })
                if behaviour == "slow":
                    time.sleep(1.5)  # longer than the sender's timeout: it never hears the 200
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass

            def log_message(self, *args) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address) -> None:
                pass  # a sender that gave up and hung up is part of the test

        self._server = Server(("127.0.0.1", self.port), Handler)
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def url(self, path: str = "/hooks") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answer_next(self, *behaviours) -> None:
        with self._lock:
            self._script.extend(behaviours)

    def on(self, path: str) -> list[dict]:
        with self._lock:
            return [r for r in self.requests if r["path"] == path]

    def taken(self, path: str = "/hooks") -> list[dict]:
        """What the receiver stored: everything it answered 2xx (or would have)."""
        return [r for r in self.on(path) if 200 <= r["status"] < 300]


def verified(request: dict, secret: str = SECRET) -> dict:
    """The body, after checking the signature and the headers as a receiver would."""
    headers, body = request["headers"], request["body"]
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["x-pathways-signature"], expected)
    document = json.loads(body)
    assert headers["x-pathways-notification-id"] == document["notification_id"]
    assert headers["x-pathways-notification-type"] == document["type"]
    assert int(headers["x-pathways-timestamp"]) == document["timestamp"]
    assert abs(document["timestamp"] - time.time()) < 300
    assert headers["content-type"] == "application/json"
    return document


def deduped(requests: list[dict]) -> dict[str, dict]:
    """What a receiver keeps after deduplicating on the notification id."""
    kept: dict[str, dict] = {}
    for r in requests:
        kept.setdefault(r["headers"]["x-pathways-notification-id"], r)
    return kept


# --- this module's service -----------------------------------------------------------------

@pytest.fixture(scope="module")
def hook_settings(tmp_path_factory) -> Settings:
    url = f"sqlite:///{tmp_path_factory.mktemp('webhooks') / 'pathways.db'}"
    migrate(url)
    return Settings(
        database_url=url, task_queue=f"webhooks-{uuid.uuid4().hex[:8]}", id_key=b"webhook-test-key",
        webhook_retry_initial_seconds=0.2, webhook_retry_maximum_seconds=0.5,
        webhook_give_up_after_seconds=20.0, webhook_timeout_seconds=1.0,
        webhook_sweep_interval_seconds=0.3, webhook_sweep_min_age_seconds=0.0,
        webhook_allowed_hosts=("127.0.0.1",), sealing_keys=KeyRing.new().to_json(),
    )


@pytest.fixture(scope="module")
def keys(hook_settings) -> KeyRing:
    return KeyRing.from_json(hook_settings.sealing_keys)


@pytest.fixture(scope="module")
def log(hook_settings) -> EventStore:
    return EventStore(make_engine(hook_settings.database_url))


@pytest.fixture(scope="module")
def hooks(log, keys) -> WebhookStore:
    return WebhookStore(log.engine, keys)


@pytest.fixture(scope="module")
async def service(temporal_env, hook_settings, log):
    async with build_worker(temporal_env.client, hook_settings, log):
        yield JourneyClient(temporal_env.client, hook_settings)


@pytest.fixture
async def receiver():
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture
async def started(service, temporal_env, clock):
    """Starts a journey referred today (the server's today) in an LA; whatever is still running
    at the end is terminated, so nothing of this module's outlives its worker."""
    workflow_ids: list[str] = []

    async def start(la: str) -> tuple[str, str, date]:
        today = await clock.today()
        answer = await service.start(start_request(f"C{uuid.uuid4().hex[:12].upper()}", today.replace(year=today.year - 15), today, la=la))
        workflow_ids.append(answer["workflow_id"])
        return answer["workflow_id"], answer["journey_id"], today

    yield start
    for workflow_id in workflow_ids:
        handle = temporal_env.client.get_workflow_handle(workflow_id)
        if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
            await handle.terminate("test over")


def outbox_rows(log: EventStore, journey_id: str) -> dict[str, object]:
    with log.engine.connect() as connection:
        rows = connection.execute(select(outbox.c.notification_id, outbox.c.type, outbox.c.delivered_at)
                                  .where(outbox.c.journey_id == journey_id)).all()
    return {r.type: r for r in rows}


async def completed(service: JourneyClient, workflow_id: str) -> None:
    """Without awaiting the result, which would let the test server skip time (and backoff)."""
    handle = service.client.get_workflow_handle(workflow_id)

    async def done() -> bool:
        return (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED
    await eventually_async(done)


async def delivered(service: JourneyClient, notification_ids, timeout: float = 15.0) -> None:
    """Until each notification's delivery workflow has finished: every pair settled and the
    outbox row marked (or not) accordingly."""
    async def done() -> bool:
        for n in notification_ids:
            try:
                status = (await service.client.get_workflow_handle(f"notify-{n}").describe()).status
            except RPCError:
                return False  # not started yet
            if status != WorkflowExecutionStatus.COMPLETED:
                return False
        return True
    await eventually_async(done, timeout)


# --- the scenarios ---------------------------------------------------------------------------

async def test_a_missed_deadline_reaches_the_receiver_signed_and_once(service, started, hooks, log, clock, receiver):
    la = "961"
    everything = hooks.create_subscription(la, receiver.url("/hooks"), SECRET, None, "admin-961")
    refusing = hooks.create_subscription(la, receiver.url("/gone"), SECRET, ["deadline_missed"], "admin-961")
    closures = hooks.create_subscription(la, receiver.url("/closed-only"), SECRET, ["journey_closed"], "admin-961")
    hooks.create_subscription("969", receiver.url("/other-la"), SECRET, None, "admin-969")

    wf, jid, t0 = await started(la)
    await service.send(wf, command("record_strategy_discussion", occurred_on=t0, outcome="s47_cp"))
    due = CAL.add_working_days(t0, 15)
    await clock.skip_to(due + timedelta(days=1))

    await eventually(lambda: len(outbox_rows(log, jid)) == 2)
    notes = outbox_rows(log, jid)
    await delivered(service, [n.notification_id for n in notes.values()])
    assert len(receiver.taken()) == 2
    documents = {d["type"]: d for d in map(verified, receiver.taken())}
    assert set(documents) == {"deadline_approaching", "deadline_missed"}
    missed = documents["deadline_missed"]
    assert missed["notification_id"] == notes["deadline_missed"].notification_id
    assert (missed["journey_id"], missed["local_authority"], missed["occurred_on"]) == (jid, la, (due + timedelta(days=1)).isoformat())
    assert missed["payload"]["kind"] == "initial_conference" and missed["payload"]["due_on"] == due.isoformat()
    assert set(missed) == {"notification_id", "type", "journey_id", "local_authority", "occurred_on", "payload", "timestamp"}
    # Ids, kinds and dates only: nothing about the young person.
    for request in receiver.requests:
        assert b"young_person" not in request["body"] and b"date_of_birth" not in request["body"]

    # Each subscription got what it asked for, in its own LA only.
    assert receiver.on("/other-la") == [] and receiver.on("/closed-only") == []
    # A 410 is permanent: one attempt, recorded, never retried.
    gone = receiver.on("/gone")
    assert [verified(r)["type"] for r in gone] == ["deadline_missed"]
    [refused] = hooks.deliveries(subscription_id=refusing.subscription_id)
    assert (refused.status, refused.attempts, refused.last_status_code) == ("failed", 1, 410)
    assert [(a.attempt, a.outcome, a.status_code) for a in hooks.attempts(subscription_id=refusing.subscription_id)] == [(1, "failed", 410)]
    await asyncio.sleep(1.0)  # several backoff intervals: still nothing more
    assert len(receiver.on("/gone")) == 1 and len(receiver.taken()) == 2

    log_rows = hooks.attempts(subscription_id=everything.subscription_id)
    assert [(a.attempt, a.outcome, a.status_code) for a in log_rows] == [(1, "delivered", 200)] * 2
    # The outbox: handed on where everyone has it; still pending where a receiver refused it.
    notes = outbox_rows(log, jid)
    assert notes["deadline_approaching"].delivered_at is not None
    assert notes["deadline_missed"].delivered_at is None

    # Closing the journey notifies the closure subscribers; the journey itself never noticed any of this.
    await service.send(wf, command("close_journey", occurred_on=due + timedelta(days=1), reason="transferred_out"))
    await eventually(lambda: len(receiver.taken("/closed-only")) == 1 and len(receiver.taken()) == 3)
    assert verified(receiver.taken("/closed-only")[0])["type"] == "journey_closed"
    await completed(service, wf)
    closed = outbox_rows(log, jid)["journey_closed"]
    await delivered(service, [closed.notification_id])
    assert {d.subscription_id for d in hooks.deliveries(notification_id=closed.notification_id)} == {
        everything.subscription_id, closures.subscription_id}


async def test_a_receiver_that_was_down_gets_every_notification_once(service, started, hooks, log, receiver):
    la = "963"
    subscription = hooks.create_subscription(la, receiver.url(), SECRET, None, "admin-963")
    receiver.stop()  # connections refused from here on

    journeys = [await started(la) for _ in range(3)]
    for wf, _, today in journeys:
        await service.send(wf, command("close_journey", occurred_on=today, reason="moved_to_adult_services"))
    ids = [outbox_rows(log, jid)["journey_closed"].notification_id for _, jid, _ in journeys]
    # Down for a while: several refused attempts each, and the journeys carry on regardless.
    await eventually(lambda: all(len(hooks.attempts(notification_id=n)) >= 2 for n in ids))
    for wf, _, _ in journeys:
        await completed(service, wf)

    # Back, but overloaded at first (503), then slow once (it stores the notification but the
    # sender times out before the 200), then well.
    receiver.answer_next(503, 503, "slow")
    receiver.start()
    await delivered(service, ids, timeout=20)

    kept = deduped(receiver.taken())
    assert sorted(kept) == sorted(ids)
    for request in receiver.taken():
        verified(request)
    # After dedupe by id each arrived once; the one duplicate on the wire is the slow answer's.
    assert len(receiver.taken()) == len(ids) + 1
    for n in ids:
        [delivery] = hooks.deliveries(notification_id=n)
        assert delivery.status == "delivered" and delivery.delivered_at is not None
        attempts = hooks.attempts(notification_id=n)
        assert [a.attempt for a in attempts] == list(range(1, len(attempts) + 1))
        assert [a.outcome for a in attempts].count("delivered") == 1 and attempts[-1].outcome == "delivered"
        assert all(a.outcome == "retry" for a in attempts[:-1])
        assert any(a.error and "ConnectError" in a.error for a in attempts)
    outcomes = [(a.status_code, a.error) for a in hooks.attempts(subscription_id=subscription.subscription_id)]
    assert outcomes.count((503, None)) == 2 and (None, "timed out") in outcomes
    with log.engine.connect() as connection:
        assert all(connection.execute(select(outbox.c.delivered_at).where(outbox.c.notification_id.in_(ids))).scalars())
    # Once delivered, never again.
    sent = len(receiver.requests)
    await asyncio.sleep(1.0)
    assert len(receiver.requests) == sent


async def test_a_receiver_down_beyond_the_retry_window_is_abandoned_and_logged(service, started, hooks, log, temporal_env, receiver):
    la = "962"
    subscription = hooks.create_subscription(la, receiver.url(), SECRET, ["journey_closed"], "admin-962")
    receiver.stop()
    wf, jid, today = await started(la)
    await service.send(wf, command("close_journey", occurred_on=today, reason="other"))
    notification_id = outbox_rows(log, jid)["journey_closed"].notification_id
    await eventually(lambda: hooks.attempts(notification_id=notification_id))
    # Skipping time skips the backoff too: the 20 s window runs out at once.
    await temporal_env.sleep(timedelta(seconds=30))
    await delivered(service, [notification_id])
    [delivery] = hooks.deliveries(notification_id=notification_id)
    assert delivery.status == "abandoned" and delivery.attempts >= 3
    assert all(a.outcome == "retry" and "ConnectError" in a.error for a in hooks.attempts(subscription_id=subscription.subscription_id))
    assert outbox_rows(log, jid)["journey_closed"].delivered_at is None


async def test_disabling_a_subscription_stops_its_retries(service, started, hooks, log, receiver):
    la = "965"
    subscription = hooks.create_subscription(la, receiver.url(), SECRET, None, "admin-965")
    receiver.answer_next(*[500] * 1000)
    wf, jid, today = await started(la)
    await service.send(wf, command("close_journey", occurred_on=today, reason="other"))
    notification_id = outbox_rows(log, jid)["journey_closed"].notification_id
    await eventually(lambda: len(receiver.on("/hooks")) >= 2)
    hooks.disable_subscription(la, subscription.subscription_id, by="admin-965")
    await delivered(service, [notification_id])
    assert hooks.deliveries(notification_id=notification_id)[0].status == "cancelled"
    sent = len(receiver.requests)
    await asyncio.sleep(1.0)
    assert len(receiver.requests) == sent and receiver.taken() == []
    # Nobody wants it any more: handed on.
    assert outbox_rows(log, jid)["journey_closed"].delivered_at is not None


async def test_the_sweeper_delivers_what_no_workflow_looks_after(service, hooks, log, temporal_env, hook_settings, receiver):
    la = "964"
    hooks.create_subscription(la, receiver.url(), SECRET, ["deadline_missed"], "admin-964")
    receiver.stop()
    # Committed, but the worker "died" before starting delivery: no workflow knows of it.
    stranded = enqueue_bare_notification(log, la)
    # And one whose delivery workflow was terminated while the receiver was down.
    orphaned = enqueue_bare_notification(log, la)
    handle = await temporal_env.client.start_workflow(
        "NotificationDelivery", {"notification_id": orphaned}, id=f"notify-{orphaned}", task_queue=hook_settings.task_queue)
    await eventually(lambda: hooks.attempts(notification_id=orphaned))
    await handle.terminate("operator")
    assert hooks.deliveries(notification_id=orphaned)[0].status == "pending"
    assert hooks.deliveries(notification_id=stranded) == []

    receiver.start()
    sweeper = temporal_env.client.get_workflow_handle(await start_notification_sweeper(temporal_env.client, hook_settings))
    try:
        await delivered(service, [stranded, orphaned], timeout=20)
    finally:
        await sweeper.terminate("test over")
    assert sorted(deduped(receiver.taken())) == sorted([stranded, orphaned])
    assert len(receiver.taken()) == 2
    for n in (stranded, orphaned):
        assert hooks.deliveries(notification_id=n)[0].status == "delivered"
    with log.engine.connect() as connection:
        pending = connection.execute(select(webhook_deliveries.c.notification_id)
                                     .where(webhook_deliveries.c.status == "pending")).all()
    assert pending == []



# --- what each attempt checks before it sends ------------------------------------------------

def attempt_once(log: EventStore, hooks: WebhookStore, subscription, settings: Settings, keys: KeyRing,
                 **wiring) -> dict:
    """One delivery attempt of a new notification to `subscription`, as the worker makes it
    (`wiring`: the activity's transport or resolver)."""
    from temporalio.testing import ActivityEnvironment

    notification_id = enqueue_bare_notification(log, subscription.local_authority)
    assert hooks.plan(notification_id) == [subscription.subscription_id]
    activities = WebhookActivities(hooks, settings, keys, **wiring)
    return ActivityEnvironment().run(activities.deliver_webhook, {
        "notification_id": notification_id, "subscription_id": subscription.subscription_id})


async def test_after_rotation_deliveries_are_signed_with_the_new_secret_only(service, hooks, log, temporal_env, hook_settings, receiver):
    la = "966"
    subscription = hooks.create_subscription(la, receiver.url(), SECRET, ["deadline_missed"], "admin-966")

    async def deliver() -> dict:
        notification_id = enqueue_bare_notification(log, la)
        await temporal_env.client.start_workflow("NotificationDelivery", {"notification_id": notification_id},
                                                 id=f"notify-{notification_id}", task_queue=hook_settings.task_queue)
        await delivered(service, [notification_id])
        return receiver.taken()[-1]

    before = await deliver()
    verified(before, SECRET)
    new_secret = "whsec_rotated-0123456789abcdef"
    hooks.rotate_secret(la, subscription.subscription_id, new_secret)
    after = await deliver()
    verified(after, new_secret)
    with pytest.raises(AssertionError):
        verified(after, SECRET)
    assert len(receiver.taken()) == 2


def test_a_ring_without_the_secrets_key_fails_the_delivery_loudly_and_sends_nothing(hooks, log, hook_settings, receiver):
    subscription = hooks.create_subscription("967", receiver.url(), SECRET, None, "admin-967")
    without_it = KeyRing("k2", {"k2": KeyRing.new().keys["k1"]})  # a later key only: k1 was removed

    result = attempt_once(log, hooks, subscription, hook_settings, without_it)

    assert (result["outcome"], result["sent"]) == ("failed", False)
    assert receiver.requests == []
    [attempt] = hooks.attempts(subscription_id=subscription.subscription_id)
    assert attempt.outcome == "failed" and attempt.status_code is None
    assert "sealed under key 'k1', which is not in the key ring" in attempt.error
    [delivery] = hooks.deliveries(subscription_id=subscription.subscription_id)
    assert delivery.status == "failed"


def test_https_goes_to_the_checked_address_with_the_subscribed_name_for_host_and_tls(hooks, log, hook_settings, keys, tmp_path):
    """The name resolves (in this test's resolver) to 127.0.0.1, which is allow-listed; the
    request goes there, and the receiver sees the name as TLS server name and Host, with a
    certificate verified for that name."""
    ca = ThrowawayCA(tmp_path, "webhooks")
    issued = ca.issue("hooks.la.test", server=True)
    server_names: list[str | None] = []
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(issued.cert, issued.key)
    tls.sni_callback = lambda connection, name, context: server_names.append(name)
    receiver = Receiver().start(tls=tls)
    resolved: list[str] = []

    def resolver(host: str, port: int):
        resolved.append(host)
        return [ipaddress.ip_address("127.0.0.1")]

    try:
        subscription = hooks.create_subscription(
            "968", f"https://hooks.la.test:{receiver.port}/hooks", SECRET, None, "admin-968")
        trusting_the_ca = httpx.HTTPTransport(verify=ssl.create_default_context(cafile=str(ca.cert_path)))
        result = attempt_once(log, hooks, subscription, hook_settings, keys, transport=trusting_the_ca, resolver=resolver)
    finally:
        receiver.stop()

    assert result["outcome"] == "delivered", hooks.attempts(subscription_id=subscription.subscription_id)
    assert resolved == ["hooks.la.test"] and server_names == ["hooks.la.test"]
    [request] = receiver.taken()
    assert request["headers"]["host"] == f"hooks.la.test:{receiver.port}"
    verified(request)
