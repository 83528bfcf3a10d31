"""Webhook subscriptions over HTTP: create, list, read, disable, rotate the secret; who may;
one LA only; URLs, and the targets the service will not send to.

The LAs here (951, 952) are this module's own, so no other suite's journey notifies them. The
app here has its own settings (an allow-list) and answers for the DNS from a table: no name
is ever looked up, and nothing is ever sent anywhere but to this process.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import uuid
from datetime import datetime, timezone

import httpx
import pytest
from temporalio.testing import ActivityEnvironment

from activities.webhooks import WebhookActivities
from api.app import create_app
from api.routes.webhooks import resolver
from sealing.keys import KeyRing
from sealing.webhook_secrets import open_secret
from support import enqueue_bare_notification
from store.webhooks import WebhookStore

LA, OTHER_LA = "951", "952"
ROLES = ("system", "practitioner", "manager", "auditor", "admin")
PUBLIC = "93.184.216.34"  # what public names resolve to here; nothing connects to it
# The receivers the tests run listen on this machine: allowed, as an operator would allow them.
ALLOWED = ("127.0.0.1", "::1")


class Dns:
    """The resolver the app is given: a table, refusing names it does not hold."""

    def __init__(self) -> None:
        self.answers: dict[str, list[str]] = {"lcs.example.gov.uk": [PUBLIC], "x.example": [PUBLIC]}
        self.asked: list[str] = []

    def __call__(self, host: str, port: int):
        self.asked.append(host)
        if host not in self.answers:
            raise OSError(-2, "Name or service not known")
        return [ipaddress.ip_address(a) for a in self.answers[host]]


@pytest.fixture(scope="module")
def dns() -> Dns:
    return Dns()


async def app_client(settings, temporal_env, store, token_file, dns: Dns, allowed: tuple[str, ...]):
    app = create_app(dataclasses.replace(settings, webhook_allowed_hosts=allowed),
                     temporal=temporal_env.client, store=store, identity=token_file)
    app.dependency_overrides[resolver] = lambda: dns
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://pathways.test") as client:
            yield client


@pytest.fixture(scope="module")
async def http(settings, temporal_env, store, token_file, dns):
    async for client in app_client(settings, temporal_env, store, token_file, dns, ALLOWED):
        yield client


@pytest.fixture(scope="module")
def keys(settings) -> KeyRing:
    return KeyRing.from_json(settings.sealing_keys)


@pytest.fixture(scope="module")
def la_tokens(token_file) -> dict:
    return {(role, la): token_file.create(role, la, name=f"{role}-{la}-webhooks") for role in ROLES for la in (LA, OTHER_LA)}


@pytest.fixture
def as_(la_tokens):
    def headers(role: str = "admin", la: str = LA) -> dict:
        return {"Authorization": f"Bearer {la_tokens[(role, la)]}"}
    return headers


async def create(http, as_, role="admin", la=LA, **body):
    body.setdefault("url", f"https://lcs.example.gov.uk/hooks/{uuid.uuid4().hex[:8]}")
    return await http.post("/v1/webhooks", json=body, headers=as_(role, la))


async def test_an_admin_creates_lists_reads_and_disables_subscriptions(http, as_):
    given = await create(http, as_, url="http://127.0.0.1:8080/hook", event_types=["deadline_missed", "journey_closed"],
                         secret="a-shared-secret-of-32-characters")
    assert given.status_code == 201, given.text
    sub = given.json()
    assert sub["secret"] == "a-shared-secret-of-32-characters"
    assert (sub["local_authority"], sub["url"], sub["event_types"], sub["active"], sub["created_by"]) == (
        LA, "http://127.0.0.1:8080/hook", ["deadline_missed", "journey_closed"], True, f"admin-{LA}-webhooks")
    uuid.UUID(sub["subscription_id"])

    generated = await create(http, as_)
    assert generated.status_code == 201
    assert generated.json()["event_types"] == "all"
    secret = generated.json()["secret"]
    assert secret.startswith("whsec_") and len(secret) >= 40
    assert secret != (await create(http, as_)).json()["secret"]

    for role in ("admin", "manager"):
        listed = await http.get("/v1/webhooks", headers=as_(role))
        assert listed.status_code == 200
        ids = [s["subscription_id"] for s in listed.json()["subscriptions"]]
        assert {sub["subscription_id"], generated.json()["subscription_id"]} <= set(ids)
        # The secret is shown once, at creation, and never listed.
        assert "secret" not in listed.text and secret not in listed.text
    one = await http.get(f"/v1/webhooks/{sub['subscription_id']}", headers=as_("manager"))
    assert one.status_code == 200 and "secret" not in one.json()
    assert one.json() == {k: v for k, v in sub.items() if k != "secret"}

    disabled = await http.delete(f"/v1/webhooks/{sub['subscription_id']}", headers=as_())
    assert disabled.status_code == 200
    assert disabled.json()["active"] is False and disabled.json()["disabled_by"] == f"admin-{LA}-webhooks"
    again = await http.delete(f"/v1/webhooks/{sub['subscription_id']}", headers=as_())
    assert again.status_code == 200 and again.json()["disabled_at"] == disabled.json()["disabled_at"]
    listed = (await http.get("/v1/webhooks", headers=as_())).json()["subscriptions"]
    assert [s["active"] for s in listed if s["subscription_id"] == sub["subscription_id"]] == [False]


async def test_only_admins_manage_and_only_admins_and_managers_read(http, as_):
    sub = (await create(http, as_)).json()
    for role in ("manager", "system", "practitioner", "auditor"):
        refused = await create(http, as_, role=role)
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "not_allowed_for_role", role
        refused = await http.delete(f"/v1/webhooks/{sub['subscription_id']}", headers=as_(role))
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "not_allowed_for_role", role
    for role in ("system", "practitioner", "auditor"):
        for path in ("/v1/webhooks", f"/v1/webhooks/{sub['subscription_id']}", f"/v1/webhooks/{sub['subscription_id']}/deliveries"):
            refused = await http.get(path, headers=as_(role))
            assert refused.status_code == 409 and refused.json()["error"]["code"] == "not_allowed_for_role", (role, path)
    assert (await http.get("/v1/webhooks")).status_code == 401
    assert (await http.post("/v1/webhooks", json={"url": "https://x.example/"})).status_code == 401
    assert (await http.get("/v1/webhooks", headers={"Authorization": "Bearer nonsense"})).status_code == 401
    still = (await http.get(f"/v1/webhooks/{sub['subscription_id']}", headers=as_())).json()
    assert still["active"] is True


async def test_another_las_subscription_answers_404_as_one_that_does_not_exist(http, as_):
    sub = (await create(http, as_)).json()
    sid = sub["subscription_id"]
    for la_role in ("admin", "manager"):
        for path in (f"/v1/webhooks/{sid}", f"/v1/webhooks/{sid}/deliveries"):
            answer = await http.get(path, headers=as_(la_role, OTHER_LA))
            assert answer.status_code == 404 and answer.json()["error"]["code"] == "webhook_not_found"
    elsewhere = await http.delete(f"/v1/webhooks/{sid}", headers=as_("admin", OTHER_LA))
    missing = await http.delete(f"/v1/webhooks/{uuid.uuid4()}", headers=as_("admin", OTHER_LA))
    assert elsewhere.status_code == missing.status_code == 404 and elsewhere.json() == missing.json()
    theirs = (await http.get("/v1/webhooks", headers=as_("admin", OTHER_LA))).json()["subscriptions"]
    assert sid not in [s["subscription_id"] for s in theirs]
    assert all(s["local_authority"] == OTHER_LA for s in theirs)
    # Untouched by the other LA's attempt to disable it.
    assert (await http.get(f"/v1/webhooks/{sid}", headers=as_())).json()["active"] is True


@pytest.mark.parametrize("url", [
    "ftp://lcs.example.gov.uk/hooks",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "lcs.example.gov.uk/hooks",
    "https://",
    "http:///no-host",
    "https://user:password@lcs.example.gov.uk/hooks",
    "https://lcs.example.gov.uk/hooks#fragment",
    "https://lcs.example.gov.uk:99999/hooks",
    "https://lcs.example.gov.uk/ho oks",
    "https://lcs.example.gov.uk/" + "a" * 2048,
    "",
])
async def test_only_http_and_https_urls_with_a_host_are_accepted(http, as_, url):
    answer = await create(http, as_, url=url)
    assert answer.status_code == 422, (url, answer.text)


async def test_other_malformed_bodies_are_refused(http, as_):
    for body in (
        {"event_types": ["deadline_missed"]},  # no url
        {"url": "https://x.example/", "event_types": ["deadline_forgotten"]},
        {"url": "https://x.example/", "event_types": []},
        {"url": "https://x.example/", "event_types": "some"},
        {"url": "https://x.example/", "secret": "short"},
        {"url": "https://x.example/", "secret": "has spaces in the secret text"},
        {"url": "https://x.example/", "colour": "blue"},
    ):
        answer = await http.post("/v1/webhooks", json=body, headers=as_())
        assert answer.status_code == 422, (body, answer.text)
    accepted = await create(http, as_, url="HTTPS://Lcs.Example.gov.uk:8443/a/b?c=d", event_types=["eighteenth_birthday"])
    assert accepted.status_code == 201 and accepted.json()["event_types"] == ["eighteenth_birthday"]


async def test_the_delivery_log_is_readable_per_subscription(http, as_, store, keys):
    """The deliveries endpoint shows each attempt; the attempts are made up here (the
    workflow suite makes real ones)."""
    sub = (await create(http, as_)).json()
    notification_id = enqueue_bare_notification(store, LA)
    hooks = WebhookStore(store.engine, keys)
    assert sub["subscription_id"] in hooks.plan(notification_id)
    now = datetime.now(timezone.utc)
    hooks.record_attempt(notification_id, sub["subscription_id"], outcome="retry", attempted_at=now, duration_ms=3, status_code=503)
    hooks.record_attempt(notification_id, sub["subscription_id"], outcome="retry", attempted_at=now, duration_ms=5,
                         error="ConnectError: [Errno 111] Connection refused")
    hooks.record_attempt(notification_id, sub["subscription_id"], outcome="delivered", attempted_at=now, duration_ms=4, status_code=200)

    answer = await http.get(f"/v1/webhooks/{sub['subscription_id']}/deliveries", headers=as_("manager"))
    assert answer.status_code == 200, answer.text
    [delivery] = [d for d in answer.json()["deliveries"] if d["notification_id"] == notification_id]
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == ("delivered", 3, 200)
    assert [(a["attempt"], a["outcome"], a["status_code"]) for a in delivery["log"]] == [
        (1, "retry", 503), (2, "retry", None), (3, "delivered", 200)]
    assert delivery["log"][1]["error"].startswith("ConnectError")



# --- rotating the secret -----------------------------------------------------------------------

def stored_secret(store, keys: KeyRing, subscription_id: str) -> str:
    subscription = WebhookStore(store.engine, keys).subscription(LA, subscription_id)
    return open_secret(keys, subscription.secret, subscription_id=subscription_id, local_authority=LA)


async def test_an_admin_rotates_a_secret_which_is_shown_once(http, as_, store, keys):
    sub = (await create(http, as_, secret="the-first-secret-0123456789")).json()
    sid = sub["subscription_id"]

    rotated = await http.post(f"/v1/webhooks/{sid}/rotate-secret", headers=as_())
    assert rotated.status_code == 200, rotated.text
    secret = rotated.json()["secret"]
    assert rotated.json() == {"subscription_id": sid, "secret": secret} and secret.startswith("whsec_")
    assert stored_secret(store, keys, sid) == secret
    chosen = await http.post(f"/v1/webhooks/{sid}/rotate-secret", json={"secret": "an-admins-own-choice-0123"},
                             headers=as_())
    assert chosen.json()["secret"] == "an-admins-own-choice-0123" == stored_secret(store, keys, sid)
    assert (await http.post(f"/v1/webhooks/{sid}/rotate-secret", json={"secret": "short"}, headers=as_())).status_code == 422
    # Never shown again.
    for path in ("/v1/webhooks", f"/v1/webhooks/{sid}", f"/v1/webhooks/{sid}/deliveries"):
        assert "an-admins-own-choice-0123" not in (await http.get(path, headers=as_())).text


async def test_only_an_admin_of_the_subscriptions_la_rotates_its_secret(http, as_, store, keys):
    sid = (await create(http, as_, secret="the-first-secret-0123456789")).json()["subscription_id"]
    for role in ("manager", "system", "practitioner", "auditor"):
        refused = await http.post(f"/v1/webhooks/{sid}/rotate-secret", headers=as_(role))
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "not_allowed_for_role", role
    elsewhere = await http.post(f"/v1/webhooks/{sid}/rotate-secret", headers=as_("admin", OTHER_LA))
    missing = await http.post(f"/v1/webhooks/{uuid.uuid4()}/rotate-secret", headers=as_("admin", OTHER_LA))
    assert elsewhere.status_code == missing.status_code == 404 and elsewhere.json() == missing.json()
    assert (await http.post(f"/v1/webhooks/{sid}/rotate-secret")).status_code == 401
    assert stored_secret(store, keys, sid) == "the-first-secret-0123456789"


# --- targets the service will not send to ----------------------------------------------------

REFUSED = {
    "http://169.254.169.254/latest/meta-data/": "169.254.169.254 is a link-local address (a cloud metadata service)",
    "http://127.0.0.1/hook": "127.0.0.1 is a loopback address",
    "https://10.0.0.5/hook": "10.0.0.5 is a private address (RFC 1918)",
    "https://[fd00::1]/hook": "fd00::1 is a unique-local address (RFC 4193)",
    "https://[fd00:ec2::254]/": "a cloud metadata service",
    "https://[::ffff:127.0.0.1]/hook": "an IPv6 form of 127.0.0.1, a loopback address",
    "http://2130706433/hook": "2130706433 is a loopback address",
    "http://0177.0.0.1/hook": "0177.0.0.1 is a loopback address",
    "https://0xa9fea9fe/": "a link-local address",
    "https://100.64.0.1/": "carrier-grade NAT",
    "https://224.0.0.1/": "multicast",
    "https://0.0.0.0/": "unspecified",
    "https://internal.la.example/hook": "internal.la.example resolves to 192.168.1.10, a private address (RFC 1918)",
}


@pytest.fixture(scope="module")
async def unlisted(settings, temporal_env, store, token_file, dns):
    """The app as production runs it: nothing allow-listed."""
    dns.answers["internal.la.example"] = ["192.168.1.10"]
    async for client in app_client(settings, temporal_env, store, token_file, dns, ()):
        yield client


@pytest.mark.parametrize("url", REFUSED)
async def test_subscriptions_to_addresses_that_are_not_public_are_refused_with_the_reason(unlisted, as_, url):
    answer = await create(unlisted, as_, url=url)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "target_not_allowed" and REFUSED[url] in error["message"], error
    assert "PATHWAYS_WEBHOOK_ALLOWED_HOSTS" in error["message"]


async def test_plain_http_to_a_public_host_is_refused_and_a_name_that_does_not_resolve_too(unlisted, as_, dns):
    answer = await create(unlisted, as_, url="http://lcs.example.gov.uk/hooks")
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "target_not_allowed"
    assert "Use https://" in answer.json()["error"]["message"]
    answer = await create(unlisted, as_, url="https://no-such-host.la.example/hooks")
    assert answer.status_code == 422 and "does not resolve" in answer.json()["error"]["message"]
    assert (await create(unlisted, as_, url="https://lcs.example.gov.uk/hooks")).status_code == 201


async def test_the_same_targets_are_accepted_once_the_operator_allow_lists_them(settings, temporal_env, store, token_file, dns, as_):
    allowed = ("169.254.169.254", "127.0.0.1", "10.0.0.0/8", "fd00::/8", "100.64.0.0/10", "224.0.0.1", "0.0.0.0",
               "internal.la.example")
    dns.answers["internal.la.example"] = ["192.168.1.10"]
    async for client in app_client(settings, temporal_env, store, token_file, dns, allowed):
        for url in REFUSED:
            answer = await create(client, as_, la=OTHER_LA, url=url)
            assert answer.status_code == 201, (url, answer.text)
            # Made to be refused, not delivered to: disabled at once.
            await client.delete(f"/v1/webhooks/{answer.json()['subscription_id']}", headers=as_("admin", OTHER_LA))


async def test_a_name_that_turns_inward_after_it_was_accepted_is_refused_at_delivery_without_connecting(
        http, as_, store, keys, settings, dns):
    dns.answers["turning.la.example"] = [PUBLIC]
    created = await create(http, as_, la=OTHER_LA, url="https://turning.la.example/hooks")
    assert created.status_code == 201, created.text
    sid = created.json()["subscription_id"]
    dns.answers["turning.la.example"] = [PUBLIC, "192.168.1.10"]  # rebound inward since
    hooks = WebhookStore(store.engine, keys)
    notification_id = enqueue_bare_notification(store, OTHER_LA)
    assert sid in hooks.plan(notification_id)
    sent: list[httpx.Request] = []
    never = httpx.MockTransport(lambda request: sent.append(request) or httpx.Response(200))
    activities = WebhookActivities(hooks, settings, keys, transport=never, resolver=dns)

    result = ActivityEnvironment().run(activities.deliver_webhook, {"notification_id": notification_id, "subscription_id": sid})

    assert (result["outcome"], result["sent"]) == ("failed", False)
    assert sent == [] and dns.asked[-1] == "turning.la.example"
    [attempt] = hooks.attempts(notification_id=notification_id, subscription_id=sid)
    assert attempt.outcome == "failed" and attempt.status_code is None
    assert "turning.la.example resolves to 192.168.1.10, a private address (RFC 1918)" in attempt.error
    [delivery] = hooks.deliveries(notification_id=notification_id, subscription_id=sid)
    assert delivery.status == "failed"  # permanent: not retried
    await http.delete(f"/v1/webhooks/{sid}", headers=as_("admin", OTHER_LA))


async def test_the_openapi_document_describes_rotation_and_refused_targets(http):
    spec = (await http.get("/openapi.json")).json()
    rotate = spec["paths"]["/v1/webhooks/{subscription_id}/rotate-secret"]["post"]
    assert set(rotate["responses"]) >= {"200", "401", "404", "409", "422"} and rotate["tags"] == ["webhooks"]
    refused = spec["paths"]["/v1/webhooks"]["post"]["responses"]["422"]["content"]["application/json"]["examples"]
    assert "target_not_allowed" in refused
