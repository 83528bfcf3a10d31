"""Webhook secrets sealed at rest (store/webhooks.py, sealing/webhook_secrets.py, migration
0008) on both engines: no plain secret in the rows, nor in the SQLite file, nor in PostgreSQL's
text of the table; a rotated ring still opens what an earlier key sealed; a ring without that
key, or a sealed secret copied onto another subscription, fails loudly; rotation replaces the
secret; and the migration seals the secrets an older release stored in plain."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import (
    Boolean, Column, Engine, MetaData, String, Table, insert, select, text, update,
)
from sqlalchemy.engine import make_url

from sealing.keys import GivenKeys, KeyRing
from sealing.webhook_secrets import SecretUnavailable, open_secret
from store.engine import migrate
from store.migrations import alembic_config
from store.schema import JSONDocument, UTCDateTime, webhook_deliveries, webhook_subscriptions
from store.webhooks import Subscription, WebhookStore

SECRET = "whsec_plain-text-must-never-be-stored"
OTHER_SECRET = "whsec_another-secret-for-rotation"
LA = "873"


@pytest.fixture
def ring() -> KeyRing:
    return KeyRing.new()


def opened(ring: KeyRing, subscription: Subscription) -> str:
    return open_secret(ring, subscription.secret, subscription_id=subscription.subscription_id,
                       local_authority=subscription.local_authority)


def stored_bytes(engine: Engine, url: str) -> bytes:
    """Everything the database holds for the table, as an attacker with a copy would read it:
    every value of every row, plus (SQLite) the database file and its write-ahead log, or
    (PostgreSQL) the server's own text of each row."""
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM webhook_subscriptions")).mappings().all()
        values = b"".join(v if isinstance(v, bytes) else str(v).encode() for row in rows for v in row.values())
        if engine.dialect.name == "postgresql":
            return values + "".join(connection.execute(
                text("SELECT t::text FROM webhook_subscriptions t")).scalars()).encode()
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database = Path(make_url(url).database)
    files = [database, database.with_name(database.name + "-wal")]
    return values + b"".join(f.read_bytes() for f in files if f.exists())


def test_the_secret_is_stored_sealed_and_opens_with_the_ring(store_url: str, store_engine: Engine, ring: KeyRing):
    hooks = WebhookStore(store_engine, ring)
    created = hooks.create_subscription(LA, "https://lcs.example.gov.uk/hooks", SECRET, None, "admin-873")

    assert SECRET.encode() not in stored_bytes(store_engine, store_url)
    [listed] = hooks.subscriptions(LA)
    assert listed.secret_key_id == ring.current
    assert opened(ring, listed) == SECRET
    assert SECRET not in repr(listed) and repr(listed.sealed_secret) not in repr(listed)
    # The same secret twice is sealed twice over: a nonce of its own each time.
    again = hooks.create_subscription(LA, "https://lcs.example.gov.uk/hooks", SECRET, None, "admin-873")
    assert again.sealed_secret[:12] != created.sealed_secret[:12]


def test_a_rotated_ring_opens_what_an_earlier_key_sealed_and_seals_with_its_own(store_engine: Engine, ring: KeyRing):
    before = WebhookStore(store_engine, ring).create_subscription(LA, "https://a.example/", SECRET, None, "admin-873")
    rotated = ring.rotated()
    hooks = WebhookStore(store_engine, rotated)

    assert opened(rotated, hooks.subscription(LA, before.subscription_id)) == SECRET
    after = hooks.create_subscription(LA, "https://a.example/", OTHER_SECRET, None, "admin-873")
    assert (before.secret_key_id, after.secret_key_id) == (ring.current, rotated.current)
    assert opened(rotated, after) == OTHER_SECRET


def test_a_ring_without_the_key_fails_loudly(store_engine: Engine, ring: KeyRing):
    sealed = WebhookStore(store_engine, ring).create_subscription(LA, "https://a.example/", SECRET, None, "admin-873")
    another_ring = KeyRing.new()  # its key is also called k1, but it is not the same key
    without_k1 = KeyRing("k2", {"k2": another_ring.keys["k1"]})

    with pytest.raises(SecretUnavailable, match=r"sealed under key 'k1', which is not in the key ring"):
        opened(without_k1, sealed)
    with pytest.raises(SecretUnavailable, match="does not open"):
        opened(another_ring, sealed)


def test_a_sealed_secret_copied_onto_another_subscription_does_not_open(store_engine: Engine, ring: KeyRing):
    hooks = WebhookStore(store_engine, ring)
    theirs = hooks.create_subscription(LA, "https://a.example/", SECRET, None, "admin-873")
    mine = hooks.create_subscription(LA, "https://b.example/", OTHER_SECRET, None, "admin-873")
    with store_engine.begin() as connection:
        connection.execute(update(webhook_subscriptions)
                           .where(webhook_subscriptions.c.subscription_id == mine.subscription_id)
                           .values(sealed_secret=theirs.sealed_secret, secret_key_id=theirs.secret_key_id))

    with pytest.raises(SecretUnavailable, match=f"subscription {mine.subscription_id} does not open"):
        opened(ring, hooks.subscription(LA, mine.subscription_id))


def test_rotation_replaces_the_secret_in_the_callers_la_only(store_url: str, store_engine: Engine, ring: KeyRing):
    hooks = WebhookStore(store_engine, ring)
    created = hooks.create_subscription(LA, "https://a.example/", SECRET, None, "admin-873")

    assert hooks.rotate_secret("874", created.subscription_id, "whsec_from-another-la-000000") is None
    assert opened(ring, hooks.subscription(LA, created.subscription_id)) == SECRET
    rotated = hooks.rotate_secret(LA, created.subscription_id, OTHER_SECRET)
    assert opened(ring, rotated) == OTHER_SECRET
    assert OTHER_SECRET.encode() not in stored_bytes(store_engine, store_url)


# --- migration 0008 ---------------------------------------------------------------------------

_plain = Table(  # webhook_subscriptions as 0003 made it, to write what an older release wrote
    "webhook_subscriptions", MetaData(),
    Column("subscription_id", String(36), primary_key=True), Column("local_authority", String(3)),
    Column("url", String(2048)), Column("secret", String(128)), Column("all_types", Boolean),
    Column("event_types", JSONDocument), Column("active", Boolean), Column("created_at", UTCDateTime),
    Column("created_by", String(128)), Column("disabled_at", UTCDateTime), Column("disabled_by", String(128)),
)


def at_0007_with_plain_secrets(engine: Engine, secrets: dict[str, str]) -> None:
    """The database as release 0007 left it: subscriptions with plain secrets, one of them owed a delivery."""
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0007")
    now = datetime.now(timezone.utc)
    with engine.begin() as connection:
        for subscription_id, secret in secrets.items():
            connection.execute(insert(_plain).values(
                subscription_id=subscription_id, local_authority=LA, url="https://a.example/", secret=secret,
                all_types=True, event_types=[], active=True, created_at=now, created_by="admin-873"))
        connection.execute(insert(webhook_deliveries).values(
            notification_id=str(uuid.uuid4()), subscription_id=next(iter(secrets)), status="pending", attempts=0,
            created_at=now, updated_at=now))


def test_the_migration_seals_the_plain_secrets_of_an_older_release(store_url: str, store_engine: Engine, ring: KeyRing):
    secrets = {str(uuid.uuid4()): SECRET, str(uuid.uuid4()): OTHER_SECRET}
    at_0007_with_plain_secrets(store_engine, secrets)
    assert SECRET.encode() in stored_bytes(store_engine, store_url)  # as an older release left it

    migrate(store_url, keys=GivenKeys(ring.to_json()))

    hooks = WebhookStore(store_engine, ring)
    assert {s.subscription_id: opened(ring, s) for s in hooks.subscriptions(LA)} == secrets
    assert len(hooks.deliveries()) == 1  # the delivery still refers to its subscription
    stored = stored_bytes(store_engine, store_url)
    assert SECRET.encode() not in stored and OTHER_SECRET.encode() not in stored

    # And back, with the same ring: the older release's plain secrets.
    with store_engine.begin() as connection:
        command.downgrade(alembic_config(connection, keys=GivenKeys(ring.to_json())), "0007")
    with store_engine.connect() as connection:
        assert dict(connection.execute(select(_plain.c.subscription_id, _plain.c.secret)).all()) == secrets


def test_the_migration_without_the_ring_stops_and_changes_nothing(store_url: str, store_engine: Engine):
    secrets = {str(uuid.uuid4()): SECRET}
    at_0007_with_plain_secrets(store_engine, secrets)

    with pytest.raises(RuntimeError, match="needs the service's key ring"):
        migrate(store_url)

    with store_engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0007"
        assert dict(connection.execute(select(_plain.c.subscription_id, _plain.c.secret)).all()) == secrets
