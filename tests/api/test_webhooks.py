"""Webhook subscriptions over HTTP: create, list, read, disable; who may; one LA only; URLs.

The LAs here (951, 952) are this module's own, so no other suite's journey notifies them.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest

from support import enqueue_bare_notification
from store.webhooks import WebhookStore

LA, OTHER_LA = "951", "952"
ROLES = ("system", "practitioner", "manager", "auditor", "admin")


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


async def test_the_delivery_log_is_readable_per_subscription(http, as_, store):
    """The deliveries endpoint shows each attempt; the attempts are made up here (the
    workflow suite makes real ones)."""
    sub = (await create(http, as_)).json()
    notification_id = enqueue_bare_notification(store, LA)
    hooks = WebhookStore(store.engine)
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

