"""Webhook subscriptions: where an LA's systems are told about deadlines and closures.

An LA subscribes a URL to some or all notification types (`deadline_approaching`,
`deadline_missed`, `eighteenth_birthday`, `journey_closed`). Each notification then arrives
as a signed POST, retried with exponential backoff until the receiver answers 2xx (see
activities/webhooks.py for the exact request). Notifications carry ids, kinds and dates,
never a young person's details.

Who may do what (one LA's subscriptions only; another LA's answer 404 as if absent):
- `admin` creates and disables subscriptions and rotates their secrets. A subscription
  decides where information about the LA's child protection journeys leaves the service
  and holds the key that makes those messages trustworthy; that is the configuration of the
  service's integrations, which is the admin's job (as the LA's tokens are), not casework.
- `admin` and `manager` read them and their delivery log: managers answer for missed
  deadlines, so they need to see whether the alerts reached the LA's systems.
- Nobody else sees them: the case system's own token (`system`) must not be able to
  redirect the LA's notifications, and practitioners and auditors have no use for them.
Refusals use the contract's code `not_allowed_for_role` with status 409, like every other
role refusal in v1. A URL the service will not send to (not public, or plain http; see
domain/webhook_targets.py) answers 422 `target_not_allowed` with the reason.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from activities.webhook_targets import Resolver, TargetUnresolved, resolve
from api import schemas
from api.auth import principal
from api.errors import ApiError
from services.identity import Principal
from api.dependencies import Services, services
from services import webhooks
from services.permissions import check_may_manage_webhooks, check_may_read_webhooks
from domain.events import NOTIFIED
from domain.text import text_problem
from domain.webhook_targets import TargetNotAllowed
from store.webhooks import Attempt, Delivery, Subscription, WebhookStore

DESCRIPTION = """
Each notification is POSTed to every active subscription of its LA that wants its type, as
JSON (`notification_id`, `type`, `journey_id`, `local_authority`, `occurred_on`, `payload`,
`timestamp`), with headers `X-Pathways-Notification-Id`, `X-Pathways-Timestamp` (Unix
seconds, equal to the body's `timestamp`) and `X-Pathways-Signature: sha256=<hex>`, the
HMAC-SHA256 of the exact body bytes keyed with the subscription's secret. The timestamp is
inside the signed body: check the signature, then refuse a timestamp far from your clock.

Delivery is at least once: answer 2xx once you have stored the notification, and dedupe on
`notification_id`. 408, 429, 5xx, timeouts and refused connections are retried with
exponential backoff for up to three days; any other 4xx (and a redirect, which is not
followed) stops delivery of that notification to that subscription.

Webhooks go to public addresses over https only: a URL whose host is, or resolves to, a
loopback, link-local (cloud metadata), private, shared, multicast or otherwise reserved
address, or that uses plain http, is refused with 422 `target_not_allowed` unless the
service's operator allow-lists the host (`PATHWAYS_WEBHOOK_ALLOWED_HOSTS`). Each delivery
checks again, and connects only to the address it checked.
"""

router = APIRouter(prefix="/v1", tags=["webhooks"])

# See the module docstring for why.

NOTIFICATION_TYPES = tuple(sorted(set(NOTIFIED.values())))
NotificationType = Literal[NOTIFICATION_TYPES]  # type: ignore[valid-type]
URL_LIMIT = 2048
SECRET_PATTERN = r"^[\x21-\x7e]{16,128}$"

ERRORS = {
    401: {"model": schemas.ErrorAnswer, "description": "no or invalid bearer token"},
    404: {"model": schemas.ErrorAnswer, "description": "no such subscription in the caller's LA"},
    409: {"model": schemas.ErrorAnswer, "description": "the caller's role may not do this"},
}
TARGET_NOT_ALLOWED = {422: {
    "model": schemas.ErrorAnswer | schemas.ValidationAnswer,
    "description": "a malformed body, or (`target_not_allowed`) a URL the service will not send to",
    "content": {"application/json": {"examples": schemas.error_examples((
        "target_not_allowed",
        "Webhooks are not sent there: 169.254.169.254 is a link-local address (a cloud metadata service). Only "
        "public addresses are allowed, unless the service's operator allow-lists the host "
        "(PATHWAYS_WEBHOOK_ALLOWED_HOSTS).",
    ))}},
}}


def _webhook_url(value: str) -> str:
    """http(s) with a host, no credentials, no fragment: where a POST can go and nothing more."""
    if len(value) > URL_LIMIT or any(c.isspace() or ord(c) < 32 for c in value) or text_problem(value):
        raise PydanticCustomError("webhook_url", "A webhook URL is at most 2048 characters, without spaces or "
                                                 "control or invisible characters.")
    try:
        parts = urlsplit(value)
        parts.port  # raises ValueError for a port that is not a number in range
    except ValueError:
        raise PydanticCustomError("webhook_url", "This is not a valid URL.") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise PydanticCustomError("webhook_url", "A webhook URL must start with http:// or https://.")
    if not parts.hostname:
        raise PydanticCustomError("webhook_url", "A webhook URL needs a host.")
    if parts.username is not None or parts.password is not None:
        raise PydanticCustomError(
            "webhook_url", "Put no credentials in a webhook URL: receivers verify the signature instead.")
    if parts.fragment:
        raise PydanticCustomError("webhook_url", "A webhook URL has no #fragment.")
    return value


WebhookUrl = Annotated[str, AfterValidator(_webhook_url), Field(examples=["https://lcs.example.gov.uk/pathways/hooks"])]


class NewSubscription(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"url": "https://lcs.example.gov.uk/pathways/hooks", "event_types": ["deadline_missed", "journey_closed"]},
    ]})
    url: WebhookUrl
    event_types: Annotated[list[NotificationType], Field(min_length=1)] | Literal["all"] = Field(
        "all", description='the notification types wanted, or "all" (including types added later)')
    secret: str | None = Field(
        None, pattern=SECRET_PATTERN,
        description="the HMAC key, 16-128 printable ASCII characters; omitted, one is generated")


class SubscriptionView(BaseModel):
    subscription_id: str
    local_authority: str
    url: str
    event_types: list[NotificationType] | Literal["all"]
    active: bool
    created_at: datetime
    created_by: str
    disabled_at: datetime | None
    disabled_by: str | None


class CreatedSubscription(SubscriptionView):
    secret: str = Field(description="the HMAC key: shown in this answer only, never again")


class NewSecret(BaseModel):
    model_config = ConfigDict(extra="forbid")
    secret: str | None = Field(
        None, pattern=SECRET_PATTERN,
        description="the new HMAC key, 16-128 printable ASCII characters; omitted, one is generated")


class RotatedSecret(BaseModel):
    subscription_id: str
    secret: str = Field(description="the new HMAC key: shown in this answer only, never again")


class SubscriptionList(BaseModel):
    subscriptions: list[SubscriptionView]


class AttemptView(BaseModel):
    attempt: int
    attempted_at: datetime
    outcome: Literal["delivered", "retry", "failed"]
    status_code: int | None
    error: str | None
    duration_ms: int


class DeliveryView(BaseModel):
    notification_id: str
    status: Literal["pending", "delivered", "failed", "abandoned", "cancelled"]
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    delivered_at: datetime | None
    log: list[AttemptView]


class DeliveryList(BaseModel):
    subscription_id: str
    deliveries: list[DeliveryView]


def webhook_store(svc: Services = Depends(services)) -> WebhookStore:
    return svc.webhooks


def resolver() -> Resolver:
    """How a subscription's host is resolved for checking (tests answer for the DNS)."""
    return resolve


def manager_of_webhooks(who: Principal = Depends(principal)) -> Principal:
    check_may_manage_webhooks(who)
    return who


def reader_of_webhooks(who: Principal = Depends(principal)) -> Principal:
    check_may_read_webhooks(who)
    return who


@router.post("/webhooks", status_code=201, response_model=CreatedSubscription,
             responses={**ERRORS, **TARGET_NOT_ALLOWED}, description=DESCRIPTION)
def create_subscription(
    body: NewSubscription, who: Principal = Depends(manager_of_webhooks), hooks: WebhookStore = Depends(webhook_store),
    svc: Services = Depends(services), resolve_host: Resolver = Depends(resolver),
) -> dict:
    """Subscribe a URL to the caller's LA's notifications. The answer holds the secret, once."""
    try:
        created, secret = webhooks.subscribe(hooks, svc.settings.webhook_allow_list, who, body.url,
                                             None if body.event_types == "all" else list(body.event_types),
                                             body.secret, resolve_host)
    except (TargetNotAllowed, TargetUnresolved) as refusal:
        raise ApiError(422, "target_not_allowed", str(refusal)) from None
    return {**_view(created), "secret": secret}


@router.get("/webhooks", response_model=SubscriptionList, responses={401: ERRORS[401], 409: ERRORS[409]})
def list_subscriptions(
    who: Principal = Depends(reader_of_webhooks), hooks: WebhookStore = Depends(webhook_store),
) -> dict:
    """The caller's LA's subscriptions, disabled ones included; never their secrets."""
    return {"subscriptions": [_view(s) for s in webhooks.subscriptions(hooks, who)]}


@router.get("/webhooks/{subscription_id}", response_model=SubscriptionView, responses=ERRORS)
def get_subscription(
    subscription_id: str, who: Principal = Depends(reader_of_webhooks), hooks: WebhookStore = Depends(webhook_store),
) -> dict:
    return _view(webhooks.subscription(hooks, who, subscription_id))


@router.delete("/webhooks/{subscription_id}", response_model=SubscriptionView, responses=ERRORS)
def disable_subscription(
    subscription_id: str, who: Principal = Depends(manager_of_webhooks), hooks: WebhookStore = Depends(webhook_store),
) -> dict:
    """Disable a subscription: nothing more is sent to it, including retries still pending.
    It stays listed (disabled) because its delivery log refers to it. Idempotent."""
    return _view(webhooks.disable(hooks, who, subscription_id))


@router.post("/webhooks/{subscription_id}/rotate-secret", response_model=RotatedSecret, responses=ERRORS)
def rotate_secret(
    subscription_id: str, body: NewSecret | None = None,
    who: Principal = Depends(manager_of_webhooks), hooks: WebhookStore = Depends(webhook_store),
) -> dict:
    """Give the subscription a new secret, shown in this answer only: every delivery attempt
    from now on (retries of earlier notifications too) is signed with it, and the old one
    signs nothing more. To switch without losing notifications, let the receiver accept
    either secret until the new one is in place."""
    secret = webhooks.rotate_secret(hooks, who, subscription_id, body.secret if body else None)
    return {"subscription_id": subscription_id, "secret": secret}


@router.get("/webhooks/{subscription_id}/deliveries", response_model=DeliveryList, responses=ERRORS)
def list_deliveries(
    subscription_id: str, limit: int = Query(100, ge=1, le=500),
    who: Principal = Depends(reader_of_webhooks), hooks: WebhookStore = Depends(webhook_store),
) -> dict:
    """The subscription's newest deliveries, each with every attempt made."""
    deliveries, attempts = webhooks.deliveries(hooks, who, subscription_id, limit)
    return {"subscription_id": subscription_id, "deliveries": [_delivery(d, attempts) for d in deliveries]}


def _view(s: Subscription) -> dict[str, Any]:
    return {
        "subscription_id": s.subscription_id, "local_authority": s.local_authority, "url": s.url,
        "event_types": "all" if s.all_types else s.event_types, "active": s.active,
        "created_at": s.created_at, "created_by": s.created_by,
        "disabled_at": s.disabled_at, "disabled_by": s.disabled_by,
    }


def _delivery(d: Delivery, attempts: list[Attempt]) -> dict[str, Any]:
    log = [a for a in attempts if a.notification_id == d.notification_id]
    return {
        "notification_id": d.notification_id, "status": d.status, "attempts": d.attempts,
        "last_status_code": d.last_status_code, "last_error": d.last_error,
        "created_at": d.created_at, "updated_at": d.updated_at, "delivered_at": d.delivered_at,
        "log": [{k: getattr(a, k) for k in AttemptView.model_fields} for a in log],
    }
