"""Signed checkpoints over the log (audit/checkpoints.py) and journey bundles checked offline
(audit/bundle.py), on SQLite and PostgreSQL: every kind of tampering is found and located, by
`pathways verify` on the live log and by `verify_bundle` on a bundle; an untouched log and
bundle verify clean."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Callable

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Engine, delete, select, text, update
from sqlalchemy.exc import DBAPIError

from audit import merkle
from audit.bundle import (
    ENVELOPE_FIELDS, NothingToExport, consistency_document, export_bundle, verify_bundle, verify_consistency,
    verify_consistency_document,
)
from audit.checkpoints import (
    CheckpointRefused, all_checkpoints, check_log, latest_checkpoint, read_leaves, write_checkpoint,
)
from audit.statements import (
    Checkpoint, canonical, event_leaf, key_id, load_or_create_key, public_key_pem, sign_checkpoint,
)
from store import chain
from store.engine import make_engine
from store.events import EventStore
from store.records import StoredEvent
from store.schema import access_log, checkpoints, events
from store.verify import verify_log
from store_factories import TickingClock, guards_off, interleaved_log, is_postgresql, new_event, new_journey_id

# As in test_store_verify.py: streams A (4 events), B (3) and C (2), interleaved:
#   1 A1, 2 A2, 3 B1, 4 C1, 5 A3, 6 B2, 7 B3, 8 A4, 9 C2
LAYOUT = [("A", 2), ("B", 1), ("C", 1), ("A", 1), ("B", 2), ("A", 1), ("C", 1)]
# Journey A's events in its bundle: lines 5..8; A3 (position 5) is the one tampered with.
A_POSITIONS = [1, 2, 5, 8]
TARGET = ("A", 3)


@pytest.fixture
def store(store_engine: Engine) -> EventStore:
    return EventStore(store_engine, clock=TickingClock())


@pytest.fixture
def log(store: EventStore) -> dict[tuple[str, int], StoredEvent]:
    """The stored events by (stream letter, version); every column filled in."""
    by_key = interleaved_log(store, LAYOUT, command_ids=True)
    assert [by_key[("A", v)].position for v in range(1, 5)] == A_POSITIONS
    return by_key


@pytest.fixture
def key(tmp_path: Path) -> Ed25519PrivateKey:
    return load_or_create_key(tmp_path / "keys" / "checkpoint.key")


@pytest.fixture
def checkpoint(store_engine: Engine, log, key) -> Checkpoint:
    written = write_checkpoint(store_engine, key)
    assert written is not None and written.tree_size == 9
    return written


# --- checkpoints -----------------------------------------------------------------------------


def test_a_checkpoint_signs_the_root_over_every_event(store_engine: Engine, store: EventStore, log, key) -> None:
    written = write_checkpoint(store_engine, key)

    hashes = [event.hash for event in store.read_all()]
    assert written.tree_size == 9
    assert written.root_hash == merkle.merkle_root(bytes.fromhex(h) for h in hashes).hex()
    assert written.key_id == key_id(key) == written.key_id
    assert written.statement() == canonical(
        {"tree_size": 9, "root_hash": written.root_hash, "signed_at": written.signed_at, "key_id": written.key_id}
    )
    assert written.verifies_with(key.public_key())
    assert not replace(written, tree_size=8).verifies_with(key.public_key())
    assert not written.verifies_with(Ed25519PrivateKey.generate().public_key())
    # Stored as signed: read back, the same text, to the microsecond.
    assert latest_checkpoint(store_engine) == written == all_checkpoints(store_engine)[0]

    # Nothing appended since: the same checkpoint, no second row.
    assert write_checkpoint(store_engine, key) == written
    store.append(log[("C", 2)].stream, 2, [new_event()])
    later = write_checkpoint(store_engine, key)
    assert (later.tree_size, len(all_checkpoints(store_engine))) == (10, 2)

    checked = check_log(store_engine, key.public_key())
    assert (checked.ok, checked.checkpoints_checked, checked.signatures_checked, checked.latest) == (True, 2, 2, later)


def test_an_empty_log_has_nothing_to_sign(store_engine: Engine, key) -> None:
    assert write_checkpoint(store_engine, key) is None
    assert latest_checkpoint(store_engine) is None
    assert check_log(store_engine, key.public_key()).ok


def test_two_writers_of_the_same_size_store_one_checkpoint(store_engine: Engine, log, key) -> None:
    first = write_checkpoint(store_engine, key)
    # A second writer that read the log before the first stored its checkpoint signs the
    # same size at another time: the first row stands, and is what it gets back.
    from audit.checkpoints import _store

    racing = sign_checkpoint(key, first.tree_size, first.root_hash, datetime_after(first, seconds=1))
    assert _store(store_engine, racing) == first
    assert len(all_checkpoints(store_engine)) == 1


def datetime_after(checkpoint: Checkpoint, seconds: int):
    from datetime import datetime

    return datetime.fromisoformat(checkpoint.signed_at) + timedelta(seconds=seconds)


def test_the_key_file_is_made_once_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "data" / "checkpoint.key"
    made = load_or_create_key(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert key_id(load_or_create_key(path)) == key_id(made)  # a second start reuses it
    assert path.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert list(path.parent.iterdir()) == [path]  # no draft left beside it


@pytest.mark.parametrize("table", ["checkpoints", "access_log"])
@pytest.mark.parametrize("statement", ["UPDATE {table} SET {column} = {column}", "DELETE FROM {table}"])
def test_checkpoints_and_the_access_log_are_append_only(
    store_engine: Engine, log, key, table: str, statement: str
) -> None:
    write_checkpoint(store_engine, key)
    with store_engine.begin() as connection:
        connection.execute(access_log.insert().values(
            accessed_at=log[("A", 1)].recorded_at, actor="user-0042", actor_role="auditor",
            journey_id=log[("A", 1)].stream, what="journey", channel="cli",
        ))
    column = {"checkpoints": "root_hash", "access_log": "actor"}[table]
    message = {"checkpoints": "checkpoints are append-only", "access_log": "the access log is append-only"}[table]

    with pytest.raises(DBAPIError, match=message):
        with store_engine.begin() as connection:
            connection.execute(text(statement.format(table=table, column=column)))
    if is_postgresql(store_engine):
        with pytest.raises(DBAPIError, match=message):
            with store_engine.begin() as connection:
                connection.execute(text(f"TRUNCATE {table}"))


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_the_app_role_may_only_read_and_append_checkpoints_and_accesses(store_url: str, log, key) -> None:
    app = make_engine(store_url)

    from sqlalchemy import event as sa_event

    @sa_event.listens_for(app, "connect")
    def _become_app(dbapi_connection, connection_record) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET ROLE pathways_app")
        dbapi_connection.commit()

    try:
        # What the worker's activity and the API do, as the application role.
        assert write_checkpoint(app, key).tree_size == 9
        with app.begin() as connection:
            connection.execute(access_log.insert().values(
                accessed_at=log[("A", 1)].recorded_at, actor="user-0042", actor_role="auditor",
                what="journey", channel="http",
            ))
            assert connection.execute(select(access_log.c.id)).scalar_one() == 1
        assert check_log(app, key.public_key()).ok
        for statement in ("UPDATE checkpoints SET root_hash = root_hash", "DELETE FROM checkpoints",
                          "TRUNCATE checkpoints", "UPDATE access_log SET actor = actor", "DELETE FROM access_log",
                          "TRUNCATE access_log", "ALTER TABLE checkpoints DISABLE TRIGGER USER"):
            with pytest.raises(DBAPIError) as refused:
                with app.begin() as connection:
                    connection.execute(text(statement))
            assert refused.value.orig.sqlstate == "42501", statement
    finally:
        app.dispose()


# --- tampering with the live log ---------------------------------------------------------------
#
# Each kind of tampering, done behind the application's back (triggers off) after checkpoint 9
# was signed. For each: what `pathways verify` names (the first BROKEN line: position and a
# phrase of its reason), and the position a bundle of journey A exported afterwards (against
# checkpoint 9) names when verified offline.

Tamper = Callable[[Connection, dict], None]


def set_column(column: str, value: Callable[[StoredEvent], object]) -> Tamper:
    def tamper(connection: Connection, log: dict) -> None:
        target = log[TARGET]
        connection.execute(update(events).where(events.c.position == target.position).values({column: value(target)}))
    return tamper


def flip_char(text_value: str, at: int = -1) -> str:
    """One character changed (one byte, for ASCII)."""
    chars = list(text_value)
    chars[at] = "0" if chars[at] != "0" else "1"
    return "".join(chars)


def delete_row(connection: Connection, log: dict) -> None:
    connection.execute(delete(events).where(events.c.position == log[TARGET].position))


def swap_rows(connection: Connection, log: dict) -> None:
    """Whole rows exchanged, positions kept: A2 (position 2) and A3 (position 5)."""
    earlier, later = log[("A", 2)], log[("A", 3)]
    rows = {row.position: dict(row._mapping) for row in connection.execute(
        select(events).where(events.c.position.in_([earlier.position, later.position])))}
    connection.execute(delete(events).where(events.c.position.in_([earlier.position, later.position])))
    connection.execute(events.insert(), [{**rows[later.position], "position": earlier.position},
                                         {**rows[earlier.position], "position": later.position}])


def insert_forged(connection: Connection, log: dict) -> None:
    """A forged event slipped in at position 5 (a journey of its own, with a made-up hash),
    every later event moved up one."""
    for position in range(9, 4, -1):
        connection.execute(update(events).where(events.c.position == position).values(position=position + 1))
    model = log[TARGET]
    connection.execute(events.insert().values(model._replace(
        stream=new_journey_id(), version=1, event_id="f0f0f0f0-0000-4000-8000-000000000000",
        data={"note_ref": "forged"}, prev_hash=chain.GENESIS_HASH, hash=model.hash,
    )._asdict()))


def truncate_tail(connection: Connection, log: dict) -> None:
    connection.execute(delete(events).where(events.c.position >= 8))


# name: (tamper, (position `pathways verify` names, a phrase of its reason), position the bundle names)
TAMPERS: dict[str, tuple[Tamper, tuple[int, str], int]] = {
    # One byte of each column of A3 (position 5).
    "position": (set_column("position", lambda e: e.position | 8), (6, "position 5 missing"), 8),
    "stream": (set_column("stream", lambda e: flip_char(e.stream)), (5, "version 1 missing"), 8),
    "version": (set_column("version", lambda e: e.version | 4), (5, "version 3 missing"), 8),
    "event_id": (set_column("event_id", lambda e: flip_char(e.event_id)), (5, "hash does not match"), 5),
    "type": (set_column("type", lambda e: flip_char(e.type)), (5, "hash does not match"), 5),
    "occurred_on": (set_column("occurred_on", lambda e: e.occurred_on + timedelta(days=1)), (5, "hash does not match"), 5),
    "recorded_at": (set_column("recorded_at", lambda e: e.recorded_at + timedelta(microseconds=1)),
                    (5, "hash does not match"), 5),
    "actor": (set_column("actor", lambda e: flip_char(e.actor)), (5, "hash does not match"), 5),
    "actor_role": (set_column("actor_role", lambda e: flip_char(e.actor_role, 0)), (5, "hash does not match"), 5),
    "command_id": (set_column("command_id", lambda e: flip_char(e.command_id)), (5, "hash does not match"), 5),
    "schema_version": (set_column("schema_version", lambda e: e.schema_version ^ 2), (5, "hash does not match"), 5),
    "data": (set_column("data", lambda e: {**e.data, "note_ref": flip_char(e.data["note_ref"])}),
             (5, "hash does not match"), 5),
    "prev_hash": (set_column("prev_hash", lambda e: flip_char(e.prev_hash)), (5, "prev_hash does not link"), 5),
    "hash": (set_column("hash", lambda e: flip_char(e.hash)), (5, "hash does not match"), 5),
    # Rows.
    "delete a row": (delete_row, (6, "position 5 missing"), 8),
    "reorder two rows": (swap_rows, (2, "version 2 missing"), 2),
    "insert a forged event": (insert_forged, (5, "hash does not match"), 1),
    "truncate the tail": (truncate_tail, (8, "the log ends at position 7"), 8),
}


@pytest.fixture
def verify_command(store_url: str, tmp_path: Path, monkeypatch, capsys, keep_logging, key):
    """`pathways verify` against this test's database and key file; returns its output."""
    from cli.main import main

    monkeypatch.setenv("PATHWAYS_DATABASE_URL", store_url)
    monkeypatch.setenv("PATHWAYS_CHECKPOINT_KEY_FILE", str(tmp_path / "keys" / "checkpoint.key"))

    def run() -> tuple[int, str]:
        code = main(["verify", "--workers", "1", "--data-dir", str(tmp_path)])
        return code, capsys.readouterr().out
    return run


def test_an_untouched_log_verifies_clean(store_engine: Engine, checkpoint, verify_command) -> None:
    code, out = verify_command()
    assert code == 0, out
    assert "OK: 9 events in 3 journeys" in out
    assert "agrees with all 1 signed checkpoints, the latest covering positions 1..9 (every signature verifies)" in out
    assert "BROKEN" not in out


@pytest.mark.parametrize("kind", list(TAMPERS))
def test_every_kind_of_tampering_is_named_by_pathways_verify(
    store_engine: Engine, log, checkpoint, verify_command, kind: str
) -> None:
    tamper, (position, reason), _ = TAMPERS[kind]
    with guards_off(store_engine) as connection:
        tamper(connection, log)

    code, out = verify_command()

    assert code == 1
    first = next(line for line in out.splitlines() if line.startswith("BROKEN"))
    assert first.startswith(f"BROKEN at position {position}") and reason in first, out


@pytest.mark.parametrize("kind", list(TAMPERS))
def test_every_kind_of_tampering_is_named_in_a_bundle_exported_afterwards(
    store_engine: Engine, log, key, checkpoint, kind: str
) -> None:
    clean = export_bundle(store_engine, log[("A", 1)].stream, key)
    assert verify_bundle(clean).ok
    tamper, _, position = TAMPERS[kind]
    with guards_off(store_engine) as connection:
        tamper(connection, log)

    # Exported from the tampered log against the checkpoint signed before.
    result = verify_bundle(export_bundle(store_engine, log[("A", 1)].stream, key, checkpoint=checkpoint))

    assert not result.ok
    assert result.problem.position == position, result.problem


def test_a_rewritten_log_gets_no_new_checkpoint(store_engine: Engine, store: EventStore, log, key, checkpoint) -> None:
    # The tree's leaves are the events' hashes: a change of contents alone leaves them as they
    # were (the chain check finds it, for ever, since the signed hash no longer recomputes);
    # a hash rewritten to fit the new contents changes a leaf.
    store.append(log[("C", 2)].stream, 2, [new_event()])
    with guards_off(store_engine) as connection:
        set_column("hash", lambda e: flip_char(e.hash))(connection, log)
    with pytest.raises(CheckpointRefused, match="no longer hash to checkpoint 9's root"):
        write_checkpoint(store_engine, key)


def test_a_cut_tail_gets_no_new_checkpoint(store_engine: Engine, log, key, checkpoint) -> None:
    with guards_off(store_engine) as connection:
        truncate_tail(connection, log)
    with pytest.raises(CheckpointRefused) as refused:
        write_checkpoint(store_engine, key)
    assert refused.value.position == 8


def test_a_history_rewritten_with_fresh_hashes_is_caught_only_by_the_checkpoints(
    store_engine: Engine, store: EventStore, log, key, verify_command
) -> None:
    # Checkpoints at 3 and at 9; then journey C (positions 4 and 9) is rewritten with hashes
    # recomputed all along its chain, which the chains alone cannot tell from the truth.
    from audit.checkpoints import _store

    first_three = [event_leaf(log[k].hash) for k in (("A", 1), ("A", 2), ("B", 1))]
    _store(store_engine, sign_checkpoint(key, 3, merkle.merkle_root(first_three).hex(), log[("B", 1)].recorded_at))
    write_checkpoint(store_engine, key)
    c1, c2 = log[("C", 1)], log[("C", 2)]
    new_c1 = c1._replace(data={"note_ref": "rewritten"})
    new_c1 = new_c1._replace(hash=chain.link(new_c1.prev_hash, chain.envelope_of(new_c1)))
    new_c2 = c2._replace(prev_hash=new_c1.hash)
    new_c2 = new_c2._replace(hash=chain.link(new_c2.prev_hash, chain.envelope_of(new_c2)))
    with guards_off(store_engine) as connection:
        for event in (new_c1, new_c2):
            connection.execute(update(events).where(events.c.position == event.position)
                               .values(data=event.data, prev_hash=event.prev_hash, hash=event.hash))

    assert verify_log(store_engine).ok  # every chain still links
    code, out = verify_command()
    assert code == 1
    assert "OK: 9 events" in out
    assert "BROKEN at position 4: the events at positions 1..9 no longer hash to checkpoint 9's root" in out
    assert "something at positions 4..9 changed" in out


def test_a_checkpoint_under_another_key_is_reported(store_engine: Engine, log, key, checkpoint) -> None:
    other = Ed25519PrivateKey.generate()
    checked = check_log(store_engine, other.public_key())
    assert not checked.ok and checked.problem.tree_size == 9 and "not this service's key" in checked.problem.reason
    # Without a key, the roots are still compared.
    assert check_log(store_engine).ok


# --- bundles --------------------------------------------------------------------------------


@pytest.fixture
def bundle(store_engine: Engine, log, key, checkpoint) -> str:
    return export_bundle(store_engine, log[("A", 1)].stream, key)


def test_an_untouched_bundle_verifies_clean(bundle: str, log, key, checkpoint) -> None:
    result = verify_bundle(bundle)
    assert (result.ok, result.problem, result.events_checked) == (True, None, 4)
    assert (result.journey_id, result.checkpoint, result.key_id) == (log[("A", 1)].stream, checkpoint, key_id(key))
    assert verify_bundle(bundle.encode("utf-8"), public_key_pem(key)).ok

    lines = [json.loads(line) for line in bundle.splitlines()]
    assert [line["kind"] for line in lines] == ["header", "public_key", "checkpoint", "consistency"] + ["event"] * 4 + ["manifest"]
    # Each line is RFC 8785 canonical JSON; each event carries what its hash covers, as hashed.
    assert all(canonical(line).decode() == text_line for line, text_line in zip(lines, bundle.splitlines()))
    target = log[TARGET]
    assert lines[6]["event"] == {"position": 5, **chain.envelope_of(target), "prev_hash": target.prev_hash,
                                 "hash": target.hash}


def test_a_bundle_is_checked_without_any_database_code(bundle: str, tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "a.jsonl"
    path.write_text(bundle)
    program = (
        "import sys\n"
        "from audit.bundle import verify_bundle\n"
        f"result = verify_bundle(open({str(path)!r}, 'rb').read())\n"
        # The pure hash recipe (store.chain) and nothing else of the store, nor any driver.
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'psycopg', 'alembic', 'temporalio')\n"
        "                or (m.split('.')[0] == 'store' and m not in ('store', 'store.chain')))\n"
        "print(result.ok, loaded)\n"
    )
    run = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60,
                         cwd=Path(__file__).resolve().parents[2])
    assert run.stdout.strip() == "True []", run.stderr


def edit_line(bundle: str, number: int, change: Callable[[dict], None]) -> str:
    """Line `number` (1-based) parsed, changed and written back canonically."""
    lines = bundle.splitlines()
    value = json.loads(lines[number - 1])
    change(value)
    lines[number - 1] = canonical(value).decode("utf-8")
    return "\n".join(lines) + "\n"


def set_event_field(name: str, value: Callable[[object], object]) -> Callable[[dict], None]:
    def change(line: dict) -> None:
        line["event"][name] = value(line["event"][name])
    return change


A3_LINE = 7  # header, key, checkpoint, consistency, A1, A2, A3


@pytest.mark.parametrize("column", [
    "position", "stream", "version", "event_id", "type", "occurred_on", "recorded_at", "actor", "actor_role",
    "command_id", "schema_version", "data", "prev_hash", "hash",
])
def test_any_event_column_changed_in_a_bundle_is_named(bundle: str, column: str) -> None:
    def changed(value):
        if isinstance(value, int):
            return value ^ 2
        if isinstance(value, dict):
            return {**value, "note_ref": flip_char(value["note_ref"])}
        return flip_char(value)

    result = verify_bundle(edit_line(bundle, A3_LINE, set_event_field(column, changed)))

    assert not result.ok
    assert result.problem.position == 5 and result.problem.line == A3_LINE, result.problem


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_any_single_byte_of_a_bundle_changed_is_found(bundle: str) -> None:
    raw = bundle.encode("utf-8")
    lines = raw.split(b"\n")
    a3_start = sum(len(line) + 1 for line in lines[:A3_LINE - 1])
    a3_end = a3_start + len(lines[A3_LINE - 1])
    for offset in range(len(raw)):
        for replacement in {raw[offset] ^ 0x01, raw[offset] ^ 0x20}:
            altered = raw[:offset] + bytes([replacement]) + raw[offset + 1:]
            result = verify_bundle(altered)
            assert not result.ok, (offset, raw[offset - 20:offset + 20])
            if a3_start <= offset < a3_end:
                # In A3's line: named by its position.
                assert result.problem.position == 5, (offset, result.problem)


def remove_line(bundle: str, number: int) -> str:
    lines = bundle.splitlines()
    del lines[number - 1]
    return "\n".join(lines) + "\n"


def test_events_deleted_reordered_forged_or_cut_from_a_bundle_are_named(bundle: str, key) -> None:
    lines = bundle.splitlines()

    # A deleted line: A3.
    assert verify_bundle(remove_line(bundle, A3_LINE)).problem.position == 5

    # Two lines exchanged: A2 and A3. The first place it differs is where A2 should be.
    swapped = lines[:5] + [lines[6], lines[5]] + lines[7:]
    assert verify_bundle("\n".join(swapped) + "\n").problem.position == 2

    # A forged event after the journey's last, self-consistent and chained to it.
    last = json.loads(lines[7])["event"]
    forged = {**last, "position": 9, "version": 5, "event_id": "f0f0f0f0-0000-4000-8000-000000000000",
              "data": {"note_ref": "forged"}, "prev_hash": last["hash"]}
    forged["hash"] = chain.link(forged["prev_hash"], {k: forged[k] for k in ENVELOPE_FIELDS})
    forged_line = canonical({"kind": "event", "event": forged, "inclusion_proof": json.loads(lines[7])["inclusion_proof"]}).decode()
    appended = lines[:8] + [forged_line] + lines[8:]
    result = verify_bundle("\n".join(appended) + "\n")
    assert result.problem.position == 9 and "did not write" in result.problem.reason
    # ... or in the middle of it, after A3: named where the manifest's A4 should be.
    inserted = lines[:7] + [forged_line] + lines[7:]
    assert verify_bundle("\n".join(inserted) + "\n").problem.position == 8

    # The tail cut: A4's line gone, the manifest kept ...
    assert verify_bundle(remove_line(bundle, 8)).problem.position == 8
    # ... or the manifest gone with it, or the file cut mid-line.
    assert verify_bundle("\n".join(lines[:7]) + "\n").problem.position == 5
    cut = verify_bundle(bundle[: len(bundle) - 40])
    assert not cut.ok and cut.problem.position == 8 and "cut short" in cut.problem.reason

    # Everything re-signed with another key verifies with that key, but not with the trusted one.
    assert not verify_bundle(bundle, public_key_pem(Ed25519PrivateKey.generate())).ok


def test_nothing_is_exported_without_a_checkpoint_covering_the_journey(store_engine: Engine, log, key) -> None:
    with pytest.raises(NothingToExport, match="no checkpoint"):
        export_bundle(store_engine, log[("A", 1)].stream, key)
    write_checkpoint(store_engine, key)
    with pytest.raises(NothingToExport, match="no event of journey"):
        export_bundle(store_engine, new_journey_id(), key)


# --- consistency --------------------------------------------------------------------------------


def test_a_later_checkpoint_is_shown_to_extend_an_earlier_one(
    store_engine: Engine, store: EventStore, log, key, checkpoint
) -> None:
    for n in range(5):
        store.append(log[("B", 3)].stream, 3 + n, [new_event()])
    later = write_checkpoint(store_engine, key)
    assert later.tree_size == 14

    document = consistency_document(store_engine, 9, None, key)
    assert verify_consistency_document(document).ok
    parsed = json.loads(document)
    assert (parsed["from"], parsed["to"]) == (checkpoint.as_json(), later.as_json())
    assert verify_consistency(checkpoint, later, parsed["proof"], key.public_key()).ok
    assert not verify_consistency(checkpoint, later, parsed["proof"][1:]).ok
    assert not verify_consistency_document(document, public_key_pem(Ed25519PrivateKey.generate())).ok

    # The bundle of a journey begun before checkpoint 9 carries the proof from 9 to 14.
    bundle = export_bundle(store_engine, log[("A", 1)].stream, key)
    consistency = json.loads(bundle.splitlines()[3])
    assert (consistency["from"], consistency["proof"]) == (checkpoint.as_json(), parsed["proof"])
    assert verify_bundle(bundle).ok


def test_a_rewritten_history_is_not_consistent_with_the_checkpoint_before_it(
    store_engine: Engine, store: EventStore, log, key, checkpoint
) -> None:
    store.append(log[("B", 3)].stream, 3, [new_event()])
    with guards_off(store_engine) as connection:
        set_column("hash", lambda e: flip_char(e.hash))(connection, log)
    # The service refuses to sign it; had someone signed it anyway (with the key), no proof
    # from the log as it now is would tie it to checkpoint 9.
    with pytest.raises(CheckpointRefused):
        write_checkpoint(store_engine, key)
    tree = merkle.MerkleTree(read_leaves(store_engine).leaves())
    rewritten = sign_checkpoint(key, tree.size, tree.root().hex(), log[("C", 2)].recorded_at + timedelta(hours=1))

    result = verify_consistency(checkpoint, rewritten, [h.hex() for h in tree.consistency_proof(9)], key.public_key())

    assert not result.ok and "does not extend checkpoint 9" in result.reason


def test_checkpoint_rows_hold_what_was_signed(store_engine: Engine, checkpoint) -> None:
    with store_engine.connect() as connection:
        row = connection.execute(select(checkpoints)).one()
    assert (row.tree_size, row.root_hash, row.key_id, row.signature) == (
        checkpoint.tree_size, checkpoint.root_hash, checkpoint.key_id, checkpoint.signature
    )
    assert row.signed_at.isoformat(timespec="microseconds") == checkpoint.signed_at
