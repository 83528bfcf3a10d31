"""Table definitions: the event log and the read models derived from it.

The migrations in ``store/migrations/versions`` are the authority on what is in the
database; this module is what the code queries against. A test compares the two.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Sequence

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

# Every constraint and index is named (here and in the migrations) so that later
# migrations can refer to them by the same name on both engines.
metadata = MetaData(naming_convention={"pk": "pk_%(table_name)s"})


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always an aware UTC datetime on the Python side.

    SQLite stores no offset and PostgreSQL answers in the session time zone; the hash
    chain needs the same text from both, so values are normalised on the way in and out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware UTC datetime")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


JSONDocument = JSON().with_variant(JSONB(), "postgresql")


class JSONArray(TypeDecorator[list]):
    """A short list of strings kept as JSON text (not JSONB) on both engines, so that the
    one-statement append and SQLite write the same text, and both engines open it with
    their own JSON functions (json_each, json_array_elements_text: store/sql.py)."""

    impl = Text
    cache_ok = True
    _encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))

    def process_bind_param(self, value: Sequence[str] | None, dialect) -> str | None:
        return None if value is None else self._encoder.encode(list(value))

    def process_result_value(self, value: str | None, dialect) -> list[Any] | None:
        return None if value is None else json.loads(value)


PATHWAYS = ("roth", "cp")
DEADLINE_STATUSES = ("open", "met", "missed", "extended")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


events = Table(
    "events",
    metadata,
    # Assigned by the store under a lock, never by a sequence: see store/events.py R4.
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("stream", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("type", String(64), nullable=False),
    Column("occurred_on", Date, nullable=True),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("actor_role", String(32), nullable=False),
    Column("command_id", String(64), nullable=True),
    Column("schema_version", Integer, nullable=False),
    Column("data", JSONDocument, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("event_id", name="uq_events_event_id"),
    UniqueConstraint("stream", "version", name="uq_events_stream_version"),
    Index("ix_events_stream_command_id", "stream", "command_id"),
)

journeys = Table(
    "journeys",
    metadata,
    Column("journey_id", String(64), primary_key=True),
    Column("workflow_id", String(128), nullable=False),
    Column("local_authority", String(3), nullable=False),
    Column("pathway", String(8), nullable=True),
    Column("stage", String(64), nullable=False),
    Column("opened_on", Date, nullable=False),
    Column("closed", Boolean, nullable=False),
    Column("closed_on", Date, nullable=True),
    Column("closure_reason", String(64), nullable=True),
    Column("next_deadline_kind", String(64), nullable=True),
    Column("next_due_on", Date, nullable=True),
    Column("overdue", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # The journey as the v1 contract shows it, as of this version (migration 0002).
    Column("view", JSONDocument, nullable=True),
    # ROTH practice (migration 0004): the independent chair, the contexts outside the home
    # the latest weighting names (what links journeys to context cases), and the codes of the
    # current plan's quality check findings.
    Column("chair_id", String(64), nullable=True),
    Column("linked_contexts", JSONArray, nullable=False, server_default="[]"),
    Column("plan_findings", JSONArray, nullable=False, server_default="[]"),
    CheckConstraint(_one_of("pathway", PATHWAYS), name="ck_journeys_pathway"),
    Index("ix_journeys_la_closed_due", "local_authority", "closed", "next_due_on"),
    Index("ix_journeys_la_pathway_stage", "local_authority", "pathway", "stage"),
    Index("ix_journeys_la_overdue", "local_authority", "overdue"),
    # A chair's caseload (store/chairs.py): the LA's journeys of one chair.
    Index("ix_journeys_la_chair", "local_authority", "chair_id"),
)

deadlines = Table(
    "deadlines",
    metadata,
    Column("journey_id", String(64), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("kind", String(64), nullable=False),
    Column("due_on", Date, nullable=False),
    Column("original_due_on", Date, nullable=False),
    Column("reminder_on", Date, nullable=True),
    Column("status", String(16), nullable=False),
    Column("met_on", Date, nullable=True),
    CheckConstraint(_one_of("status", DEADLINE_STATUSES), name="ck_deadlines_status"),
    Index("ix_deadlines_kind_status_due", "kind", "status", "due_on"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("notification_id", String(64), nullable=False),
    Column("journey_id", String(64), nullable=False),
    Column("local_authority", String(3), nullable=False),
    Column("type", String(64), nullable=False),
    Column("payload", JSONDocument, nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("delivered_at", UTCDateTime, nullable=True),
    UniqueConstraint("notification_id", name="uq_outbox_notification_id"),
)

# The delivery loop only ever looks for what is still pending, which stays small while
# the delivered rows grow without bound.
Index(
    "ix_outbox_pending",
    outbox.c.id,
    postgresql_where=outbox.c.delivered_at.is_(None),
    sqlite_where=outbox.c.delivered_at.is_(None),
)


# --- webhooks: where each LA wants its notifications, and every attempt to hand one on ----------
# (migration 0003; the store's code is store/webhooks.py)

from sqlalchemy import ForeignKeyConstraint  # noqa: E402  (kept with the tables that use it)

WEBHOOK_DELIVERY_STATUSES = ("pending", "delivered", "failed", "abandoned", "cancelled")
WEBHOOK_ATTEMPT_OUTCOMES = ("delivered", "retry", "failed")

webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("subscription_id", String(36), primary_key=True),
    Column("local_authority", String(3), nullable=False),
    Column("url", String(2048), nullable=False),
    # The HMAC key receivers verify signatures with, sealed (sealing/webhook_secrets.py) under
    # the ring key `secret_key_id`; shown in plain only in the answer that made it.
    Column("secret_key_id", String(64), nullable=False),
    Column("sealed_secret", LargeBinary, nullable=False),
    # True: every notification type, including types added later; else `event_types`.
    Column("all_types", Boolean, nullable=False),
    Column("event_types", JSONDocument, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("disabled_at", UTCDateTime, nullable=True),
    Column("disabled_by", String(128), nullable=True),
    Index("ix_webhook_subscriptions_la_active", "local_authority", "active"),
)

# One row per (notification, subscription) it is owed to, fixed when delivery is planned.
# `delivered` is final: nothing is sent again for a pair once a receiver answered 2xx.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("notification_id", String(64), primary_key=True),
    Column("subscription_id", String(36), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_status_code", Integer, nullable=True),
    Column("last_error", String(500), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("delivered_at", UTCDateTime, nullable=True),
    CheckConstraint(_one_of("status", WEBHOOK_DELIVERY_STATUSES), name="ck_webhook_deliveries_status"),
    ForeignKeyConstraint(
        ["subscription_id"], ["webhook_subscriptions.subscription_id"],
        name="fk_webhook_deliveries_subscription",
    ),
    Index("ix_webhook_deliveries_status", "status", "notification_id"),
    Index("ix_webhook_deliveries_subscription", "subscription_id", "created_at"),
)

# Every attempt, as it happened: appended, never changed.
webhook_delivery_log = Table(
    "webhook_delivery_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("notification_id", String(64), nullable=False),
    Column("subscription_id", String(36), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("attempted_at", UTCDateTime, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("error", String(500), nullable=True),
    Column("duration_ms", Integer, nullable=False),
    CheckConstraint(_one_of("outcome", WEBHOOK_ATTEMPT_OUTCOMES), name="ck_webhook_delivery_log_outcome"),
    UniqueConstraint("notification_id", "subscription_id", "attempt", name="uq_webhook_delivery_log_attempt"),
    ForeignKeyConstraint(
        ["notification_id", "subscription_id"],
        ["webhook_deliveries.notification_id", "webhook_deliveries.subscription_id"],
        name="fk_webhook_delivery_log_delivery",
    ),
)


# --- ROTH chairs: each LA's pool of independent chairs (migration 0004; store/chairs.py) --------

roth_chairs = Table(
    "roth_chairs",
    metadata,
    Column("local_authority", String(3), primary_key=True),
    Column("chair_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    # Removing a chair keeps the row, so the journeys it chaired still name someone known.
    Column("active", Boolean, nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
)


# --- tamper evidence and access records (migration 0005): both append-only, like `events` ------

# A signed checkpoint over the whole log (audit/checkpoints.py): the RFC 6962 Merkle root over
# the hashes of events at positions 1..tree_size, signed with an Ed25519 key kept outside the
# database. One row per size; never changed.
checkpoints = Table(
    "checkpoints",
    metadata,
    Column("tree_size", BigInteger, primary_key=True, autoincrement=False),
    Column("root_hash", String(64), nullable=False),
    Column("signed_at", UTCDateTime, nullable=False),
    # Hex SHA-256 (first 16 bytes) of the raw public key the signature verifies with.
    Column("key_id", String(64), nullable=False),
    # Base64 Ed25519 signature over the canonical statement (audit/checkpoints.py).
    Column("signature", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# Who read or exported what, and how.
access_log = Table(
    "access_log",
    metadata,
    # SQLite only numbers a row by itself for an INTEGER PRIMARY KEY (a rowid alias).
    Column(
        "id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("accessed_at", UTCDateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("actor_role", String(32), nullable=False),
    Column("local_authority", String(3), nullable=True),
    Column("journey_id", String(64), nullable=True),
    Column("what", String(64), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("detail", String(200), nullable=True),
    Column("request_id", String(64), nullable=True),
    Index("ix_access_log_journey_id_id", "journey_id", "id"),
    Index("ix_access_log_actor_id", "actor", "id"),
)


# --- population baselines (migration 0006; store/baselines.py) ---------------------------------

# What an LA supplies for the cohort report's disproportionality: the count of each group of a
# dimension of the cohort (for example census counts by ethnic group for ages 10 to 17). Each
# recording is a new row; the latest of an LA and dimension is in force, earlier ones stay.
population_baselines = Table(
    "population_baselines",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("local_authority", String(3), nullable=False),
    Column("dimension", String(32), nullable=False),
    Column("counts", JSONDocument, nullable=False),  # {group: count}
    Column("age_bands", JSONArray, nullable=True),  # the cohort's age bands it covers; null: every age
    Column("source", String(500), nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Index("ix_population_baselines_la_dimension_id", "local_authority", "dimension", "id"),
)


# --- dashboard sessions (migration 0007; store/sessions.py) ------------------------------------

# A signed-in dashboard session, shared by every API process: keyed by the SHA-256 of the
# cookie's session id, with the bearer token sealed under a key only that id gives.
dashboard_sessions = Table(
    "dashboard_sessions",
    metadata,
    Column("session_key", String(64), primary_key=True),
    Column("sealed_token", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("seen_at", UTCDateTime, nullable=False),
    # Pruning: sessions idle too long, and sessions alive too long.
    Index("ix_dashboard_sessions_seen_at", "seen_at"),
    Index("ix_dashboard_sessions_created_at", "created_at"),
)


# --- command requests (migration 0009; R7, store/port.py) --------------------------------------

# Which request each command id of an LA answered, written with the command's events: the
# idempotency key's fingerprint (api/idempotency.py), compared when the id is sent again.
command_requests = Table(
    "command_requests",
    metadata,
    Column("local_authority", String(3), primary_key=True),
    Column("command_id", String(64), primary_key=True),
    Column("stream", String(64), nullable=False),
    Column("request_hash", String(64), nullable=False),
)
