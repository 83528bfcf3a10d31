"""The access log's store (store/access_log.py) on both engines: appended rows come back per
journey and per user, confined to one LA and paged by id; what does not fit is refused before
anything is written; and the database itself refuses to change or remove a row."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError

from store.access_log import (
    ACCESS_LOG, API, CLI, DASHBOARD, EVENTS, JOURNEY, JOURNEY_LIST, Access, access_by_user, access_for_journey,
    record_access,
)
from store.schema import access_log

postgresql_only = pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
INSUFFICIENT_PRIVILEGE = "42501"


def read(journey_id: str | None, *, actor: str = "sw-0042", role: str = "practitioner", la: str = "873",
         what: str = JOURNEY, channel: str = API, detail: str | None = None) -> Access:
    return Access(actor=actor, actor_role=role, local_authority=la, journey_id=journey_id, what=what,
                  channel=channel, detail=detail, request_id=f"req-{uuid.uuid4().hex[:8]}")


def count(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(access_log)).scalar_one()


def test_reads_come_back_per_journey_and_per_user_with_everything_recorded(store_engine: Engine) -> None:
    journey, other = str(uuid.uuid4()), str(uuid.uuid4())
    before = datetime.now(timezone.utc)
    ids = record_access(store_engine, [read(journey), read(other, what=JOURNEY_LIST)])
    ids += record_access(store_engine, [read(journey, actor="qa-0001", role="auditor", what=EVENTS, channel=DASHBOARD)])
    ids += record_access(store_engine, [read(journey, actor="jbloggs", role="operator", what="journey_record", channel=CLI)])
    ids += record_access(store_engine, [read(None, actor="qa-0001", role="auditor", what=ACCESS_LOG, detail="sw-0042")])
    assert len(ids) == 5 and ids == sorted(set(ids))

    rows = access_for_journey(store_engine, "873", journey)
    assert [(r.actor, r.actor_role, r.what, r.channel) for r in rows] == [
        ("sw-0042", "practitioner", JOURNEY, API), ("qa-0001", "auditor", EVENTS, DASHBOARD),
        ("jbloggs", "operator", "journey_record", CLI)]
    assert all(r.local_authority == "873" and r.journey_id == journey for r in rows)
    assert all(before - timedelta(seconds=1) <= r.accessed_at <= datetime.now(timezone.utc) for r in rows)
    assert all(r.accessed_at.tzinfo is not None for r in rows)
    assert rows[0].request_id.startswith("req-") and rows[0].detail is None
    assert [r.id for r in rows] == [ids[0], ids[2], ids[3]]

    mine = access_by_user(store_engine, "873", "sw-0042")
    assert [(r.journey_id, r.what) for r in mine] == [(journey, JOURNEY), (other, JOURNEY_LIST)]
    audited = access_by_user(store_engine, "873", "qa-0001")
    assert [(r.journey_id, r.what, r.detail) for r in audited] == [(journey, EVENTS, None), (None, ACCESS_LOG, "sw-0042")]


def test_one_batch_shares_its_moment_and_nothing_to_record_writes_nothing(store_engine: Engine) -> None:
    ids = [str(uuid.uuid4()) for _ in range(3)]
    written = record_access(store_engine, [read(j, what=JOURNEY_LIST) for j in ids])
    assert written == [access_for_journey(store_engine, "873", j)[0].id for j in ids]  # in the entries' order
    moments = {access_for_journey(store_engine, "873", j)[0].accessed_at for j in ids}
    assert len(moments) == 1
    assert record_access(store_engine, []) == []
    assert count(store_engine) == 3


def test_the_log_is_confined_to_one_la(store_engine: Engine) -> None:
    journey = str(uuid.uuid4())
    record_access(store_engine, [read(journey, la="873"), read(journey, actor="sw-9", la="874")])
    assert [r.actor for r in access_for_journey(store_engine, "873", journey)] == ["sw-0042"]
    assert [r.actor for r in access_for_journey(store_engine, "874", journey)] == ["sw-9"]
    assert access_by_user(store_engine, "874", "sw-0042") == []
    assert access_for_journey(store_engine, "999", journey) == []


def test_pages_follow_the_id_cursor(store_engine: Engine) -> None:
    journey = str(uuid.uuid4())
    for n in range(7):
        record_access(store_engine, [read(journey, actor=f"user-{n}")])
    seen, cursor = [], None
    while True:
        page = access_for_journey(store_engine, "873", journey, cursor, limit=3)
        seen += [r.actor for r in page]
        if len(page) < 3:
            break
        cursor = page[-1].id
    assert seen == [f"user-{n}" for n in range(7)]
    by_user = access_by_user(store_engine, "873", "user-3")
    assert len(by_user) == 1 and access_by_user(store_engine, "873", "user-3", by_user[0].id) == []
    # `before` keeps a listing to the log as it stood: rows from that id on are left out.
    everything = access_for_journey(store_engine, "873", journey)
    bound = everything[5].id
    assert [r.actor for r in access_for_journey(store_engine, "873", journey, before=bound)] == [
        f"user-{n}" for n in range(5)]
    assert [r.actor for r in access_for_journey(store_engine, "873", journey, everything[1].id, 2, bound)] == [
        "user-2", "user-3"]
    assert access_by_user(store_engine, "873", "user-6", before=bound) == []


@pytest.mark.parametrize("entry, message", [
    (read("j", channel="email"), "channel"),
    (read("j", what="Who looked?"), "what"),
    (read("j", actor="x" * 201), "actor is limited to 200"),
    (read("j", la="8730"), "local_authority is limited to 3"),
    (read("j" * 65), "journey_id is limited to 64"),
    (read("j", detail="d" * 201), "detail is limited to 200"),
    (read("j", actor=None), "actor is required"),
])
def test_what_does_not_fit_is_refused_and_nothing_of_the_batch_is_written(store_engine: Engine, entry, message) -> None:
    with pytest.raises(ValueError, match=message):
        record_access(store_engine, [read("fine"), entry])
    assert count(store_engine) == 0


@pytest.mark.parametrize("statement", [
    "UPDATE access_log SET actor = 'someone-else'",
    "UPDATE access_log SET journey_id = NULL WHERE what = 'journey'",
    "DELETE FROM access_log WHERE actor = 'sw-0042'",
    "DELETE FROM access_log",
])
def test_rows_cannot_be_changed_or_removed(store_engine: Engine, statement: str) -> None:
    journey = str(uuid.uuid4())
    record_access(store_engine, [read(journey), read(journey, what=EVENTS)])
    before = access_for_journey(store_engine, "873", journey)

    with pytest.raises(DBAPIError, match="the access log is append-only"):
        with store_engine.begin() as connection:
            connection.execute(text(statement))

    assert access_for_journey(store_engine, "873", journey) == before


@postgresql_only
def test_truncate_is_refused_too(store_engine: Engine) -> None:
    record_access(store_engine, [read(str(uuid.uuid4()))])
    with pytest.raises(DBAPIError, match="the access log is append-only"):
        with store_engine.begin() as connection:
            connection.execute(text("TRUNCATE access_log"))
    assert count(store_engine) == 1


@postgresql_only
@pytest.mark.parametrize("statement", [
    "UPDATE access_log SET actor = 'someone-else'",
    "DELETE FROM access_log",
    "TRUNCATE access_log",
    "ALTER TABLE access_log DISABLE TRIGGER USER",
])
def test_the_app_role_records_and_reads_but_may_not_change_anything(app_engine: Engine, statement: str) -> None:
    journey = str(uuid.uuid4())
    assert len(record_access(app_engine, [read(journey), read(journey, what=EVENTS)])) == 2
    assert [r.what for r in access_for_journey(app_engine, "873", journey)] == [JOURNEY, EVENTS]

    with pytest.raises(DBAPIError) as refused:
        with app_engine.begin() as connection:
            connection.execute(text(statement))
    assert refused.value.orig.sqlstate == INSUFFICIENT_PRIVILEGE
    assert len(access_for_journey(app_engine, "873", journey)) == 2
