"""Webhook subscriptions' use cases: an LA's case system subscribes a URL to its notifications,
and an admin keeps the subscriptions (a manager may read them: domain/roles.py). The caller
checks the role; everything here is confined to the caller's LA, and another LA's
subscription is "not found" as one that does not exist.

A subscription's URL must be one the service will send to (activities/webhook_targets.py):
`subscribe` raises TargetNotAllowed or TargetUnresolved otherwise, before anything is stored.
Its secret is shown once, in the answer that made it.
"""

from __future__ import annotations

import secrets

from activities.webhook_targets import Resolver, checked_target
from services.errors import NotFound
from services.identity import Principal
from store.webhooks import Attempt, Delivery, Subscription, WebhookStore


def subscribe(hooks: WebhookStore, allow_list, who: Principal, url: str, event_types: list[str] | None,
              secret: str | None, resolve_host: Resolver) -> tuple[Subscription, str]:
    """Subscribe `url` to the caller's LA's notifications (of `event_types`, None for all):
    the subscription and its secret (the one given, or a new one)."""
    checked_target(url, allow_list, resolve_host)
    secret = _new_secret(secret)
    created = hooks.create_subscription(who.local_authority, url, secret, event_types, created_by=who.subject)
    return created, secret


def subscriptions(hooks: WebhookStore, who: Principal) -> list[Subscription]:
    """The caller's LA's subscriptions, disabled ones included."""
    return hooks.subscriptions(who.local_authority)


def subscription(hooks: WebhookStore, who: Principal, subscription_id: str) -> Subscription:
    found = hooks.subscription(who.local_authority, subscription_id)
    if found is None:
        raise NotFound("webhook_not_found", "There is no such webhook subscription.")
    return found


def disable(hooks: WebhookStore, who: Principal, subscription_id: str) -> Subscription:
    """Send nothing more to the subscription, retries still pending included (idempotent)."""
    subscription(hooks, who, subscription_id)
    return hooks.disable_subscription(who.local_authority, subscription_id, by=who.subject)


def rotate_secret(hooks: WebhookStore, who: Principal, subscription_id: str, secret: str | None) -> str:
    """Give the subscription a new secret (the one given, or a new one): it signs every
    attempt from now on, retries of earlier notifications too."""
    subscription(hooks, who, subscription_id)
    secret = _new_secret(secret)
    hooks.rotate_secret(who.local_authority, subscription_id, secret)
    return secret


def deliveries(hooks: WebhookStore, who: Principal, subscription_id: str,
               limit: int) -> tuple[list[Delivery], list[Attempt]]:
    """The subscription's newest deliveries, and every attempt made at them."""
    subscription(hooks, who, subscription_id)
    found = hooks.deliveries(subscription_id=subscription_id, limit=limit)
    return found, hooks.attempts(subscription_id=subscription_id, notification_ids=[d.notification_id for d in found])


def _new_secret(given: str | None) -> str:
    return given or "whsec_" + secrets.token_urlsafe(32)
