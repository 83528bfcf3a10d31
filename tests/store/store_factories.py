"""Builders for the store's inputs, and raw access to its tables, for the store tests."""

from __future__ import annotations

import itertools
import uuid
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterator

from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, func, select, text

from store.records import DeadlineRow, JourneySummary, NewEvent, Notification
from store.schema import command_requests, deadlines, events, journeys, outbox

LOCAL_AUTHORITY = "202"
TABLES = (events, journeys, deadlines, outbox, command_requests)


def new_journey_id() -> str:
    return str(uuid.uuid4())


def new_event(
    type: str = "CaseNoteAdded",
    *,
    data: dict[str, Any] | None = None,
    command_id: str | None = None,
    occurred_on: date | None = date(2026, 3, 2),
) -> NewEvent:
    return NewEvent(
        event_id=str(uuid.uuid4()),
        type=type,
        occurred_on=occurred_on,
        actor="user-0042",
        actor_role="social_worker",
        command_id=command_id,
        schema_version=1,
        data=data if data is not None else {"note_ref": "n-1", "count": 3, "urgent": False},
    )


def new_events(count: int, **kwargs: Any) -> list[NewEvent]:
    return [new_event(**kwargs) for _ in range(count)]


def interleaved_log(store, layout: list[tuple[str, int]], command_ids: bool = False) -> dict[tuple[str, int], Any]:
    """Append batches of (stream letter, count) in `layout` order, each letter its own
    journey; the stored events by (letter, version). With `command_ids`, every column is
    filled in (each event its own command id)."""
    letters = sorted({letter for letter, _ in layout})
    streams = {letter: new_journey_id() for letter in letters}
    versions = dict.fromkeys(letters, 0)
    by_key = {}
    for letter, count in layout:
        batch = []
        for n in range(count):
            number = versions[letter] + n + 1
            extra = {"command_id": f"cmd-{letter}-{number}"} if command_ids else {}
            batch.append(new_event(data={"note_ref": f"{letter}-{number}", "count": n}, **extra))
        for stored in store.append(streams[letter], versions[letter], batch):
            by_key[(letter, stored.version)] = stored
        versions[letter] += count
    return by_key


def summary(journey_id: str, version: int, **overrides: Any) -> JourneySummary:
    values: dict[str, Any] = dict(
        journey_id=journey_id,
        workflow_id=f"journey-{journey_id}",
        local_authority=LOCAL_AUTHORITY,
        pathway="cp",
        stage="strategy_discussion",
        opened_on=date(2026, 3, 2),
        closed=False,
        closed_on=None,
        closure_reason=None,
        next_deadline_kind="section_47_enquiry",
        next_due_on=date(2026, 3, 17),
        overdue=False,
        version=version,
    )
    values.update(overrides)
    return JourneySummary(**values)


def deadline(seq: int, **overrides: Any) -> DeadlineRow:
    values: dict[str, Any] = dict(
        seq=seq,
        kind="section_47_enquiry",
        due_on=date(2026, 3, 17),
        original_due_on=date(2026, 3, 17),
        reminder_on=date(2026, 3, 14),
        status="open",
        met_on=None,
    )
    values.update(overrides)
    return DeadlineRow(**values)


def notification(
    journey_id: str, event_id: str, key: str = "due", **overrides: Any
) -> Notification:
    values: dict[str, Any] = dict(
        notification_id=f"{event_id}:{key}",
        journey_id=journey_id,
        local_authority=LOCAL_AUTHORITY,
        type="deadline_reminder",
        payload={"kind": "section_47_enquiry", "due_on": "2026-03-17"},
        event_id=event_id,
    )
    values.update(overrides)
    return Notification(**values)


# What the store accepts as event data (store/validation.py): no floats, no NUL, no
# unpaired surrogates, integers that RFC 8785 can represent exactly.
_characters = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.text(_characters),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(_characters), children, max_size=4),
    max_leaves=12,
)
event_data = st.dictionaries(st.text(_characters, max_size=8), _values, max_size=5)


class TickingClock:
    """A clock that moves on by ``step`` at every reading, from ``start``."""

    def __init__(
        self,
        start: datetime = datetime(2026, 3, 2, 10, 15, 0, 123456, tzinfo=timezone.utc),
        step: timedelta = timedelta(seconds=1, microseconds=1),
    ) -> None:
        self._readings = (start + step * n for n in itertools.count())
        self.last: datetime | None = None

    def __call__(self) -> datetime:
        self.last = next(self._readings)
        return self.last


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in TABLES
        }


def is_postgresql(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


@contextmanager
def guards_off(engine: Engine) -> Iterator[Connection]:
    """A transaction in which the append-only triggers do not fire: only for tampering
    with the log on purpose. Needs the schema owner (or a superuser) on PostgreSQL."""
    with engine.begin() as connection:
        if is_postgresql(engine):
            connection.execute(text("ALTER TABLE events DISABLE TRIGGER USER"))
        else:
            # SQLite cannot switch a trigger off; the test database is thrown away.
            connection.execute(text("DROP TRIGGER events_no_update"))
            connection.execute(text("DROP TRIGGER events_no_delete"))
        yield connection
        if is_postgresql(engine):
            connection.execute(text("ALTER TABLE events ENABLE TRIGGER USER"))


def refuse_inserts(engine: Engine, table: str) -> None:
    """From now on the database fails every insert into ``table``: a stand-in for any
    failure partway through an append's transaction."""
    with engine.begin() as connection:
        if is_postgresql(engine):
            connection.execute(
                text(
                    "CREATE OR REPLACE FUNCTION refused_by_test() RETURNS trigger "
                    "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by test'; END $$"
                )
            )
            connection.execute(
                text(
                    f"CREATE TRIGGER refuse_inserts BEFORE INSERT ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION refused_by_test()"
                )
            )
        else:
            connection.execute(
                text(
                    f"CREATE TRIGGER refuse_inserts_{table} BEFORE INSERT ON {table} "
                    "BEGIN SELECT RAISE(ABORT, 'refused by test'); END"
                )
            )
