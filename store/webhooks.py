"""Webhook subscriptions, the deliveries each notification is owed, and the attempt log.

A notification is owed to the subscriptions that match it when its delivery is *planned*:
active, of its LA, wanting its type, and created no later than the notification (so when
delivery happens, late or early, never changes who gets it). Planning writes one
``webhook_deliveries`` row per (notification, subscription), insert-if-absent, so planning
again (a retried activity, a restarted delivery workflow) changes nothing.

A pair's status moves only forward, from ``pending`` to one of:

- ``delivered``: a receiver answered 2xx. Final: nothing is ever sent again for the pair.
- ``failed``: a permanent refusal (a 4xx other than 408/429, or a redirect).
- ``abandoned``: the retry window ran out before the receiver took it.
- ``cancelled``: the subscription was disabled before it was delivered.

Every attempt appends a row to ``webhook_delivery_log`` (attempt number, status code or
error, time, duration) in the same transaction as the pair's new status. The outbox row is
marked delivered when every pair is ``delivered`` or ``cancelled`` (at once when no
subscription wants the notification); after a ``failed`` or ``abandoned`` pair it stays
pending, which is the truth and what an operator looks for.

Nothing here holds a young person's details: notifications are ids, kinds and dates. Nor
does anything here hold a subscription's secret in plain: it is sealed as it is stored
(sealing/webhook_secrets.py), and only the delivery that signs with it opens it.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Sequence

from sqlalchemy import Engine, and_, exists, func, select, true, update

from sealing.keys import KeyRing
from sealing.webhook_secrets import SealedSecret, seal_secret
from store import outbox as outbox_rows
from store import sql
from store.engine import for_writing
from store.schema import outbox, webhook_deliveries, webhook_delivery_log, webhook_subscriptions

# A notification is handed on when each of its pairs is one of these.
HANDED_ON = ("delivered", "cancelled")
ERROR_LIMIT = webhook_delivery_log.c.error.type.length


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Subscription:
    subscription_id: str
    local_authority: str
    url: str
    all_types: bool
    event_types: list[str]
    active: bool
    created_at: datetime
    created_by: str
    disabled_at: datetime | None
    disabled_by: str | None
    secret_key_id: str
    # Ciphertext, but kept out of repr all the same: log lines have no use for it.
    sealed_secret: bytes = field(repr=False)

    def wants(self, notification_type: str) -> bool:
        return self.all_types or notification_type in self.event_types

    @property
    def secret(self) -> SealedSecret:
        return SealedSecret(self.secret_key_id, self.sealed_secret)


@dataclass(frozen=True)
class OwedNotification:
    """A notification as it leaves the service: ids, type, dates; never personal details."""

    notification_id: str
    journey_id: str
    local_authority: str
    type: str
    payload: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class Target:
    notification: OwedNotification
    subscription: Subscription
    status: str
    attempts: int


@dataclass(frozen=True)
class Attempt:
    notification_id: str
    subscription_id: str
    attempt: int
    attempted_at: datetime
    outcome: str
    status_code: int | None
    error: str | None
    duration_ms: int


@dataclass(frozen=True)
class Delivery:
    notification_id: str
    subscription_id: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    delivered_at: datetime | None


_SUBSCRIPTION_COLUMNS = [webhook_subscriptions.c[f] for f in Subscription.__dataclass_fields__]
_ATTEMPT_COLUMNS = [webhook_delivery_log.c[f] for f in Attempt.__dataclass_fields__]
_DELIVERY_COLUMNS = [webhook_deliveries.c[f] for f in Delivery.__dataclass_fields__]


class WebhookStore:
    """Safe to share between threads: each call takes its own pooled connection. `keys` seals
    the secrets it is given; it never opens one."""

    def __init__(self, engine: Engine, keys: KeyRing, clock: Callable[[], datetime] = utc_now) -> None:
        self._engine = engine
        self._writer = for_writing(engine)
        self._keys = keys
        self._clock = clock

    # --- subscriptions -------------------------------------------------------------------

    def create_subscription(
        self, local_authority: str, url: str, secret: str, event_types: Sequence[str] | None, created_by: str,
    ) -> Subscription:
        """`event_types=None` subscribes to every type, including ones added later."""
        subscription_id = str(uuid.uuid4())
        row = {
            "subscription_id": subscription_id, "local_authority": local_authority, "url": url,
            **self._sealed(secret, subscription_id, local_authority), "all_types": event_types is None,
            "event_types": sorted(set(event_types or ())), "active": True,
            "created_at": self._now(), "created_by": created_by, "disabled_at": None, "disabled_by": None,
        }
        with self._writer.begin() as connection:
            connection.execute(webhook_subscriptions.insert().values(row))
        return Subscription(**row)

    def subscriptions(self, local_authority: str) -> list[Subscription]:
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(*_SUBSCRIPTION_COLUMNS)
                .where(webhook_subscriptions.c.local_authority == local_authority)
                .order_by(webhook_subscriptions.c.created_at, webhook_subscriptions.c.subscription_id)
            )
            return [Subscription(**r._mapping) for r in rows]

    def subscription(self, local_authority: str, subscription_id: str) -> Subscription | None:
        """None for another LA's subscription, exactly as for one that does not exist."""
        with self._engine.connect() as connection:
            row = connection.execute(
                select(*_SUBSCRIPTION_COLUMNS).where(
                    webhook_subscriptions.c.subscription_id == subscription_id,
                    webhook_subscriptions.c.local_authority == local_authority,
                )
            ).one_or_none()
        return Subscription(**row._mapping) if row is not None else None

    def disable_subscription(self, local_authority: str, subscription_id: str, by: str) -> Subscription | None:
        """Idempotent: the first disabling is kept. Deliveries still pending are cancelled
        by the delivery activity when it next looks (it never sends to a disabled one)."""
        return self._change(local_authority, subscription_id, {"active": False, "disabled_at": self._now(),
                                                               "disabled_by": by},
                            webhook_subscriptions.c.active.is_(True))

    def rotate_secret(self, local_authority: str, subscription_id: str, secret: str) -> Subscription | None:
        """Replace the subscription's secret: every attempt from now on is signed with it
        (each attempt reads the subscription afresh). None for another LA's subscription."""
        return self._change(local_authority, subscription_id, self._sealed(secret, subscription_id, local_authority))

    def _change(self, local_authority: str, subscription_id: str, values: dict[str, Any], *only_if) -> Subscription | None:
        """Change one of the LA's subscriptions (never another LA's) and read it back."""
        with self._writer.begin() as connection:
            connection.execute(
                update(webhook_subscriptions)
                .where(
                    webhook_subscriptions.c.subscription_id == subscription_id,
                    webhook_subscriptions.c.local_authority == local_authority,
                    *only_if,
                )
                .values(**values)
            )
        return self.subscription(local_authority, subscription_id)

    def _sealed(self, secret: str, subscription_id: str, local_authority: str) -> dict[str, Any]:
        sealed = seal_secret(self._keys, secret, subscription_id=subscription_id, local_authority=local_authority)
        return {"secret_key_id": sealed.key_id, "sealed_secret": sealed.sealed}

    # --- planning and delivering ----------------------------------------------------------

    def plan(self, notification_id: str) -> list[str]:
        """The subscriptions still owed this notification (pending pairs), planning them on
        first call. Raises KeyError for a notification that is not in the outbox."""
        now = self._now()
        with self._writer.begin() as connection:
            note = connection.execute(
                select(outbox.c.local_authority, outbox.c.type, outbox.c.created_at, outbox.c.delivered_at)
                .where(outbox.c.notification_id == notification_id)
            ).one_or_none()
            if note is None:
                raise KeyError(f"no notification {notification_id} in the outbox")
            if note.delivered_at is None:
                candidates = connection.execute(
                    select(*_SUBSCRIPTION_COLUMNS).where(
                        webhook_subscriptions.c.local_authority == note.local_authority,
                        webhook_subscriptions.c.active.is_(True),
                        webhook_subscriptions.c.created_at <= note.created_at,
                    )
                )
                owed = [s.subscription_id for s in (Subscription(**r._mapping) for r in candidates) if s.wants(note.type)]
                if owed:
                    statement = sql.insert(connection, webhook_deliveries).on_conflict_do_nothing(
                        index_elements=[webhook_deliveries.c.notification_id, webhook_deliveries.c.subscription_id]
                    )
                    connection.execute(statement, [
                        {"notification_id": notification_id, "subscription_id": sid, "status": "pending",
                         "attempts": 0, "created_at": now, "updated_at": now}
                        for sid in owed
                    ])
            statuses = dict(connection.execute(
                select(webhook_deliveries.c.subscription_id, webhook_deliveries.c.status)
                .where(webhook_deliveries.c.notification_id == notification_id)
            ).all())
            if note.delivered_at is None and all(s in HANDED_ON for s in statuses.values()):
                # Nobody wants it (or everyone has it already): handed on.
                outbox_rows.mark_delivered(connection, notification_id, now)
        return sorted(sid for sid, status in statuses.items() if status == "pending")

    def target(self, notification_id: str, subscription_id: str) -> Target:
        """What one delivery attempt needs. Raises KeyError for a pair never planned."""
        with self._engine.connect() as connection:
            row = connection.execute(
                select(
                    outbox.c.notification_id, outbox.c.journey_id, outbox.c.local_authority, outbox.c.type,
                    outbox.c.payload, outbox.c.created_at,
                    webhook_deliveries.c.status, webhook_deliveries.c.attempts,
                )
                .join(webhook_deliveries, webhook_deliveries.c.notification_id == outbox.c.notification_id)
                .where(
                    outbox.c.notification_id == notification_id,
                    webhook_deliveries.c.subscription_id == subscription_id,
                )
            ).one_or_none()
            if row is None:
                raise KeyError(f"no delivery of {notification_id} to {subscription_id} was planned")
            subscription = connection.execute(
                select(*_SUBSCRIPTION_COLUMNS).where(webhook_subscriptions.c.subscription_id == subscription_id)
            ).one()
        values = row._mapping
        return Target(
            notification=OwedNotification(**{k: values[k] for k in OwedNotification.__dataclass_fields__}),
            subscription=Subscription(**subscription._mapping),
            status=values["status"], attempts=values["attempts"],
        )

    def record_attempt(
        self, notification_id: str, subscription_id: str, *, outcome: str, attempted_at: datetime,
        duration_ms: int, status_code: int | None = None, error: str | None = None,
    ) -> Attempt:
        """Append the attempt to the log and move the pair on, in one transaction.

        `outcome`: ``delivered`` (2xx), ``failed`` (permanent) or ``retry``. A pair that is
        already final keeps its status (the log still records what was tried)."""
        if error is not None:
            error = error[:ERROR_LIMIT]
        with self._writer.begin() as connection:
            # Row lock on PostgreSQL (SQLite's BEGIN IMMEDIATE already serialises writers):
            # the attempt number is the pair's counter, so it must not be read twice.
            pair = connection.execute(
                select(webhook_deliveries.c.status, webhook_deliveries.c.attempts)
                .where(
                    webhook_deliveries.c.notification_id == notification_id,
                    webhook_deliveries.c.subscription_id == subscription_id,
                )
                .with_for_update()
            ).one()
            attempt = Attempt(
                notification_id=notification_id, subscription_id=subscription_id, attempt=pair.attempts + 1,
                attempted_at=attempted_at, outcome=outcome, status_code=status_code, error=error,
                duration_ms=duration_ms,
            )
            connection.execute(webhook_delivery_log.insert().values(**asdict(attempt)))
            changes: dict[str, Any] = {
                "attempts": attempt.attempt, "last_status_code": status_code, "last_error": error,
                "updated_at": self._now(),
            }
            if pair.status == "pending" and outcome in ("delivered", "failed"):
                changes["status"] = outcome
                if outcome == "delivered":
                    changes["delivered_at"] = changes["updated_at"]
            connection.execute(
                update(webhook_deliveries)
                .where(
                    webhook_deliveries.c.notification_id == notification_id,
                    webhook_deliveries.c.subscription_id == subscription_id,
                )
                .values(**changes)
            )
        return attempt

    def cancel(self, notification_id: str, subscription_id: str) -> None:
        """A pending pair whose subscription was disabled: nothing more will be sent."""
        self._finish([(notification_id, subscription_id)], "cancelled")

    def settle(self, notification_id: str, abandoned: Sequence[str] = ()) -> dict[str, int]:
        """Close the notification's delivery: pairs given up on become ``abandoned``, and the
        outbox row is marked delivered if every pair was handed on. Returns the count per status."""
        self._finish([(notification_id, sid) for sid in abandoned], "abandoned")
        with self._writer.begin() as connection:
            statuses = [s for (s,) in connection.execute(
                select(webhook_deliveries.c.status).where(webhook_deliveries.c.notification_id == notification_id)
            )]
            delivered_at = connection.execute(
                select(outbox.c.delivered_at).where(outbox.c.notification_id == notification_id)
            ).scalar_one()
            if delivered_at is None and all(s in HANDED_ON for s in statuses):
                outbox_rows.mark_delivered(connection, notification_id, self._now())
        return {status: statuses.count(status) for status in sorted(set(statuses))}

    def _finish(self, pairs: Sequence[tuple[str, str]], status: str) -> None:
        if not pairs:
            return
        now = self._now()
        with self._writer.begin() as connection:
            for notification_id, subscription_id in pairs:
                connection.execute(
                    update(webhook_deliveries)
                    .where(
                        webhook_deliveries.c.notification_id == notification_id,
                        webhook_deliveries.c.subscription_id == subscription_id,
                        webhook_deliveries.c.status == "pending",
                    )
                    .values(status=status, updated_at=now)
                )

    def stranded(self, older_than: datetime, limit: int = 100) -> list[str]:
        """Notifications whose delivery may have no workflow looking after it: never planned
        (the worker stopped between the commit and starting delivery), then those with pairs
        still pending (their workflow may have been terminated). Never-planned come first, so
        a long outage at one receiver cannot starve them."""
        with self._engine.connect() as connection:
            never_planned = [n for (n,) in connection.execute(
                select(outbox.c.notification_id)
                .where(
                    outbox.c.delivered_at.is_(None),
                    outbox.c.created_at < older_than,
                    ~exists().where(webhook_deliveries.c.notification_id == outbox.c.notification_id),
                )
                .order_by(outbox.c.id)
                .limit(limit)
            )]
            pending = [n for (n,) in connection.execute(
                select(webhook_deliveries.c.notification_id)
                .where(webhook_deliveries.c.status == "pending", webhook_deliveries.c.updated_at < older_than)
                .group_by(webhook_deliveries.c.notification_id)
                .order_by(func.min(webhook_deliveries.c.updated_at))
                .limit(limit)
            )]
        return never_planned + [n for n in pending if n not in never_planned]

    # --- reading the log -----------------------------------------------------------------

    def attempts(
        self, notification_id: str | None = None, subscription_id: str | None = None,
        notification_ids: Sequence[str] | None = None,
    ) -> list[Attempt]:
        """In the order they were made."""
        conditions = []
        if notification_id is not None:
            conditions.append(webhook_delivery_log.c.notification_id == notification_id)
        if notification_ids is not None:
            conditions.append(webhook_delivery_log.c.notification_id.in_(list(notification_ids)))
        if subscription_id is not None:
            conditions.append(webhook_delivery_log.c.subscription_id == subscription_id)
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(*_ATTEMPT_COLUMNS).where(and_(true(), *conditions)).order_by(webhook_delivery_log.c.id)
            )
            return [Attempt(**r._mapping) for r in rows]

    def deliveries(
        self, notification_id: str | None = None, subscription_id: str | None = None, limit: int = 100,
    ) -> list[Delivery]:
        """Newest first."""
        conditions = []
        if notification_id is not None:
            conditions.append(webhook_deliveries.c.notification_id == notification_id)
        if subscription_id is not None:
            conditions.append(webhook_deliveries.c.subscription_id == subscription_id)
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(*_DELIVERY_COLUMNS).where(and_(true(), *conditions))
                .order_by(webhook_deliveries.c.created_at.desc(), webhook_deliveries.c.notification_id)
                .limit(limit)
            )
            return [Delivery(**r._mapping) for r in rows]

    def _now(self) -> datetime:
        return self._clock().astimezone(timezone.utc)
