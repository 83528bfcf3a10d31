"""Webhook delivery's side effects: plan, POST one notification to one subscription, settle,
and (for the sweeper) start delivery of stranded notifications.

What a receiver gets (one POST per notification per subscription, until it answers 2xx):

    POST <subscription url>
    Content-Type: application/json
    X-Pathways-Notification-Id: <notification_id>     (stable: dedupe on it)
    X-Pathways-Notification-Type: deadline_missed
    X-Pathways-Subscription-Id: <subscription_id>
    X-Pathways-Attempt: 1, 2, ...
    X-Pathways-Timestamp: <Unix seconds when this attempt was sent>
    X-Pathways-Signature: sha256=<hex HMAC-SHA256 of the exact body bytes, keyed with the
                                  subscription's secret (its UTF-8 bytes)>

    {"journey_id": ..., "local_authority": "873", "notification_id": ..., "occurred_on": "2026-03-24",
     "payload": {"due_on": ..., "event_type": "DeadlineMissed", "kind": "initial_conference", ...},
     "timestamp": <the same Unix seconds>, "type": "deadline_missed"}

The timestamp is inside the signed body (and repeated in the header for convenience), so a
receiver that checks the signature, then that `timestamp` is within a few minutes of its own
clock, refuses replays. Compare signatures in constant time.

Answers: 2xx delivered (final); 408, 429, 5xx, timeouts and connection errors are retried
with exponential backoff (429/503 `Retry-After` seconds are honoured up to the maximum
interval); any other 4xx, and redirects (never followed: data goes only where the LA said),
are permanent failures, recorded, and not retried. Every attempt is in the delivery log.
Neither the body nor the logs carry a young person's details: ids, types and dates only.

Before anything is sent, each attempt opens the subscription's sealed secret (the only place
that does) and checks the target again (activities/webhook_targets.py), then connects to the
address it checked. A target no longer allowed (its name now resolves inward, say), or a
secret the key ring cannot open, is a permanent failure recorded in the delivery log with
the reason, with no connection attempted: signing with a wrong key would only be refused.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from datetime import datetime, timedelta, timezone

import httpx
import structlog
from temporalio import activity
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, ApplicationErrorCategory, WorkflowAlreadyStartedError

from activities.names import (
    DELIVER_WEBHOOK, NOTIFICATION_DELIVERY_WORKFLOW, PLAN_WEBHOOK_DELIVERIES, SETTLE_WEBHOOK_DELIVERIES,
    START_NOTIFICATION_DELIVERIES, START_STRANDED_DELIVERIES, notification_workflow_id,
)
from activities.webhook_targets import Resolver, TargetUnresolved, checked_target, resolve
from domain.webhook_targets import TargetNotAllowed
from observability.metrics import WEBHOOK_FAILURES
from sealing.keys import KeyRing
from sealing.webhook_secrets import SecretUnavailable, open_secret
from settings import Settings
from store.webhooks import OwedNotification, Target, WebhookStore

log = structlog.get_logger("pathways.webhooks")

USER_AGENT = "SafeguardingPathways-Webhooks/1"
# The only payload fields that leave the service. The journey builds payloads without
# personal details; this list keeps it that way should a payload ever grow.
PAYLOAD_FIELDS = ("journey_id", "local_authority", "event_type", "kind", "due_on", "reason", "occurred_on")
RETRYABLE_4XX = (408, 429)


def notification_body(notification: OwedNotification, timestamp: int) -> bytes:
    """The exact bytes that are sent and signed: compact JSON, sorted keys."""
    payload = {k: notification.payload.get(k) for k in PAYLOAD_FIELDS if k in notification.payload}
    document = {
        "notification_id": notification.notification_id,
        "type": notification.type,
        "journey_id": notification.journey_id,
        "local_authority": notification.local_authority,
        "occurred_on": notification.payload.get("occurred_on"),
        "payload": payload,
        "timestamp": timestamp,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def classify(status_code: int) -> str:
    """delivered, retry or failed (permanent)."""
    if 200 <= status_code < 300:
        return "delivered"
    if status_code in RETRYABLE_4XX or status_code >= 500 or status_code < 200:
        return "retry"
    return "failed"  # other 4xx, and 3xx: redirects are not followed


class WebhookActivities:
    def __init__(
        self, store: WebhookStore, settings: Settings, keys: KeyRing, transport: httpx.BaseTransport | None = None,
        resolver: Resolver = resolve,
    ) -> None:
        self._store = store
        self._settings = settings
        self._keys = keys
        self._allowed = settings.webhook_allow_list
        self._transport = transport
        self._resolver = resolver

    @activity.defn(name=PLAN_WEBHOOK_DELIVERIES)
    def plan_webhook_deliveries(self, notification_id: str) -> dict:
        try:
            owed = self._store.plan(notification_id)
        except KeyError as err:
            raise ApplicationError(str(err), type="NotificationNotFound", non_retryable=True) from None
        s = self._settings
        initial = s.webhook_retry_initial_seconds
        return {
            "subscriptions": owed,
            "retry": {
                "initial_seconds": initial,
                "maximum_seconds": max(initial, s.webhook_retry_maximum_seconds),
                "give_up_after_seconds": s.webhook_give_up_after_seconds,
                "timeout_seconds": s.webhook_timeout_seconds,
            },
        }

    @activity.defn(name=DELIVER_WEBHOOK)
    def deliver_webhook(self, request: dict) -> dict:
        notification_id, subscription_id = request["notification_id"], request["subscription_id"]
        ids = {"notification_id": notification_id, "subscription_id": subscription_id}
        try:
            target = self._store.target(notification_id, subscription_id)
        except KeyError as err:
            raise ApplicationError(str(err), type="DeliveryNotPlanned", non_retryable=True) from None
        if target.status != "pending":
            # Already delivered (or settled otherwise): never send it again.
            return {"outcome": target.status, "sent": False}
        if not target.subscription.active:
            self._store.cancel(notification_id, subscription_id)
            log.info("webhook_cancelled", **ids)
            return {"outcome": "cancelled", "sent": False}

        attempted_at = datetime.now(timezone.utc)
        started = time.monotonic()
        status_code, error, retry_after, refused = None, None, None, False
        try:
            status_code, retry_after = self._post(target)
        except (SecretUnavailable, TargetNotAllowed) as err:
            # Nothing was sent, and trying again would send nothing either.
            error, refused = str(err), True
        except TargetUnresolved as err:
            error = str(err)
        except httpx.TimeoutException:
            error = "timed out"
        except httpx.HTTPError as err:
            error = f"{type(err).__name__}: {err}"
        outcome = "failed" if refused else classify(status_code) if status_code is not None else "retry"
        if outcome == "failed" and status_code is not None and 300 <= status_code < 400:
            error = "redirects are not followed"
        attempt = self._store.record_attempt(
            notification_id, subscription_id, outcome=outcome, attempted_at=attempted_at,
            duration_ms=int((time.monotonic() - started) * 1000), status_code=status_code, error=error,
        )
        log.info("webhook_attempt", **ids, attempt=attempt.attempt, outcome=outcome, status_code=status_code, error=error)
        if outcome != "delivered":
            WEBHOOK_FAILURES.inc()
        if outcome == "retry":
            delay = None
            if retry_after is not None:
                delay = timedelta(seconds=min(retry_after, self._settings.webhook_retry_maximum_seconds))
            raise ApplicationError(
                f"the receiver did not take the notification ({status_code or error}); retrying",
                type="WebhookNotTaken", next_retry_delay=delay,
                # A receiver being down is expected: the attempt is in the delivery log and
                # our own log line; the SDK need not log a traceback per retry.
                category=ApplicationErrorCategory.BENIGN,
            )
        return {"outcome": outcome, "sent": not refused, "status_code": status_code, "attempt": attempt.attempt}

    def _post(self, target: Target) -> tuple[int, float | None]:
        """Sign and POST the notification to the subscription's checked address: the answer's
        status and Retry-After (seconds)."""
        subscription = target.subscription
        secret = open_secret(self._keys, subscription.secret, subscription_id=subscription.subscription_id,
                             local_authority=subscription.local_authority)
        destination = checked_target(subscription.url, self._allowed, self._resolver)
        timestamp = int(time.time())
        body = notification_body(target.notification, timestamp)
        headers = {
            "Host": destination.host_header,
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Pathways-Notification-Id": target.notification.notification_id,
            "X-Pathways-Notification-Type": target.notification.type,
            "X-Pathways-Subscription-Id": subscription.subscription_id,
            "X-Pathways-Attempt": str(target.attempts + 1),
            "X-Pathways-Timestamp": str(timestamp),
            "X-Pathways-Signature": signature(secret, body),
        }
        # trust_env=False: no proxy from the environment; the connection goes to the checked address.
        with httpx.Client(timeout=self._settings.webhook_timeout_seconds, follow_redirects=False,
                          transport=self._transport, trust_env=False) as client:
            # Streamed so that the receiver's answer body is never read (nor kept).
            with client.stream("POST", destination.pinned_url, content=body, headers=headers,
                               extensions=destination.extensions) as response:
                return response.status_code, _retry_after(response.headers.get("retry-after"))

    @activity.defn(name=SETTLE_WEBHOOK_DELIVERIES)
    def settle_webhook_deliveries(self, request: dict) -> dict:
        statuses = self._store.settle(request["notification_id"], request.get("abandoned", ()))
        if request.get("abandoned"):
            log.warning("webhook_abandoned", notification_id=request["notification_id"], subscriptions=request["abandoned"])
        return statuses

    @activity.defn(name=START_NOTIFICATION_DELIVERIES)
    async def start_notification_deliveries(self, notification_ids: list[str]) -> int:
        """The journey's hook: one delivery workflow per notification it just enqueued."""
        return await _start_deliveries(notification_ids)

    @activity.defn(name=START_STRANDED_DELIVERIES)
    async def start_stranded_deliveries(self, request: dict) -> dict:
        older_than = datetime.now(timezone.utc) - timedelta(seconds=request["min_age_seconds"])
        stranded = await asyncio.to_thread(self._store.stranded, older_than, request["limit"])
        started = await _start_deliveries(stranded)
        if started:
            log.info("webhook_sweep_started", found=len(stranded), started=started)
        return {"found": len(stranded), "started": started}


async def _start_deliveries(notification_ids: list[str]) -> int:
    """Start `notify-<id>` for each; returns how many were started (not already there)."""
    client, task_queue = activity.client(), activity.info().task_queue
    started = 0
    for notification_id in notification_ids:
        try:
            await client.start_workflow(
                NOTIFICATION_DELIVERY_WORKFLOW, {"notification_id": notification_id},
                id=notification_workflow_id(notification_id), task_queue=task_queue,
                # A delivery that finished is not repeated; one that failed or was
                # terminated is started again (it resumes from the store's state).
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
            )
            started += 1
        except WorkflowAlreadyStartedError:
            pass
    return started


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (the HTTP-date form is ignored: the backoff applies then)."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
