"""The event store's throughput, on SQLite and PostgreSQL, each beside a bare baseline.

    python -m bench.store_bench [--events N] [--reps N] [--engines sqlite,postgresql]

Loads a log of about `--events` events (100,000 by default) in journeys of about 20 events,
their histories built like bench/queries.py's (journey_events, with more visits) and
appended through EventStore.append, one journey per call. Then, on each engine:

1. append, one event per transaction: EventStore.append (a ~300-byte DeadlineExtended, to a
   new stream or at the head of an existing one) beside a prepared bare INSERT of the same
   row into a plain table with the same columns and indexes, on the raw DBAPI connection,
   committed each time (no hashing, no lock, no checks).
2. append, 100 events per transaction: the same, 100 events per append, beside executemany
   of 100 rows with one commit.
3. read-model catch-up: store.projections.rebuild_read_models over the whole log (what
   `pathways rebuild` runs: a process per CPU; and in one process, for reference), beside a
   bare keyset read of the log (SELECT every column ... WHERE position > ? ORDER BY position
   LIMIT 5000, looping; rows fetched, not decoded).
4. hash-chain verification: what `pathways verify` runs (store.verify.verify_log with a
   process per CPU, slices of the log hashed at once and joined), and the same in one
   process (EventStore.verify()), each beside the same bare keyset read.
5. as-of fold of a 200-event journey: domain.history.as_of over its 200 stored events (already
   read; decoded, filtered on both time axes, folded with evolve), p50/p95 over many
   repetitions, beside the bare read of those 200 rows.

Every throughput runs `--reps` times, store and bare interleaved, after a warm-up; the
tables give min / median / max events per second and the ratio of medians (store / bare).
Results: bench/results/store_bench.{md,json}.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import structlog
from sqlalchemy import Engine, text

from bench import harness
from bench.queries import journey_events, population
from domain import events as e
from domain.calendar import WorkingDayCalendar
from domain.history import Logged, as_of
from observability.logs import configure_logging
from store.engine import make_engine
from store.events import EventStore
from store.projections import rebuild_read_models
from store.records import NewEvent
from store.verify import verify_log

TODAY = date(2026, 6, 15)
KEYSET_PAGE = 5_000
FOLD_EVENTS = 200
FOLD_REPS = 200
BATCH = 100
ACTOR, ROLE = "sw-0042", "practitioner"

# The targets: events/s (median) and store / bare ratio, or the fold's p95; on the engines named.
# `pathways verify` and `pathways rebuild` run a process per CPU by default.
WORKERS = os.cpu_count() or 1

TARGETS = {
    "append_1_per_tx": {"events_per_s": 2_000, "ratio": 0.8, "engines": ("postgresql",)},
    "append_100_per_tx": {"events_per_s": 10_000, "ratio": 0.9, "engines": ("postgresql",)},
    "catch_up_rebuild": {"events_per_s": 50_000, "ratio": 0.7, "engines": ("sqlite", "postgresql")},
    "catch_up_rebuild_one_process": {"events_per_s": None, "ratio": None, "engines": ()},
    "verify_chain": {"events_per_s": 50_000, "ratio": None, "engines": ("sqlite", "postgresql")},
    "verify_chain_one_process": {"events_per_s": None, "ratio": None, "engines": ()},
    "fold_200_events": {"p95_ms": 2.0, "engines": ("sqlite", "postgresql")},
}
COLUMNS = ("position", "stream", "version", "event_id", "type", "occurred_on", "recorded_at", "actor",
           "actor_role", "command_id", "schema_version", "data", "prev_hash", "hash")


# --- events ------------------------------------------------------------------------------------

def _new_event(rng: random.Random, event: e.Event) -> NewEvent:
    name, occurred_on, data = e.encode(event)
    return NewEvent(str(uuid.UUID(int=rng.getrandbits(128), version=4)), name,
                    date.fromisoformat(occurred_on) if occurred_on else None, ACTOR, ROLE, None,
                    e.SCHEMA_VERSION, data)


def histories(total: int, seed: int = 7) -> list[tuple[str, list[e.Event]]]:
    """Journeys whose histories add up to at least `total` events, about 20 each: the
    histories of bench/queries.py, with more home visits on the journeys that reach a plan."""
    rng, calendar, out, count = random.Random(seed + 3), WorkingDayCalendar(), [], 0
    for summary, _ in population(10 ** 9, seed):
        history = journey_events(rng, summary, calendar)
        planned = [i for i, ev in enumerate(history) if isinstance(ev, e.PlanStarted)]
        if planned:
            start = history[planned[0]].occurred_on
            closing = history[-1] if isinstance(history[-1], e.JourneyClosed) else None
            last = closing.occurred_on if closing else TODAY
            span = max((last - start).days, 1)
            visits = [e.VisitRecorded(start + timedelta(days=rng.randint(0, span)), rng.random() < 0.7)
                      for _ in range(rng.randint(8, 34))]
            body = history[:-1] if closing else history
            history = body + sorted(visits, key=lambda v: v.occurred_on) + ([closing] if closing else [])
        out.append((summary["journey_id"], history))
        count += len(history)
        if count >= total:
            return out
    return out


def padded_event(rng: random.Random, on: date) -> NewEvent:
    """A real event type with about 300 bytes of JSON data (a deadline extension and its reason)."""
    reason = ("Chair unavailable; family asked for a later date so that both parents and the "
              "school nurse can attend. Agreed with the team manager after a call with the LADO.")
    event = e.DeadlineExtended(on, "review_conference", on + timedelta(days=10), on + timedelta(days=10),
                               on + timedelta(days=24), reason, "tm-0007")
    return _new_event(rng, event)


# --- the bare baseline -------------------------------------------------------------------------

class Bare:
    """The raw DBAPI connection: a plain copy of the events table, and keyset reads of the log."""

    def __init__(self, engine: Engine) -> None:
        self.postgres = engine.dialect.name == "postgresql"
        self.raw = engine.raw_connection()
        self.connection = self.raw.driver_connection
        self.cursor = self.connection.cursor()
        mark = "%s" if self.postgres else "?"
        self.insert_sql = (f"INSERT INTO bare_events ({', '.join(COLUMNS)}) VALUES ("
                           + ", ".join(f"{mark}::jsonb" if c == "data" and self.postgres else mark for c in COLUMNS) + ")")
        self.read_sql = (f"SELECT {', '.join(COLUMNS)} FROM events WHERE position > {mark} "
                         f"ORDER BY position LIMIT {mark}")
        self.position = 0
        data_type, time_type = ("JSONB", "TIMESTAMPTZ") if self.postgres else ("JSON", "DATETIME")
        self._begin()
        self.cursor.execute(
            "CREATE TABLE bare_events (position BIGINT PRIMARY KEY, stream VARCHAR(64) NOT NULL, "
            "version INTEGER NOT NULL, event_id VARCHAR(36) NOT NULL, type VARCHAR(64) NOT NULL, "
            f"occurred_on DATE, recorded_at {time_type} NOT NULL, actor VARCHAR(128) NOT NULL, "
            "actor_role VARCHAR(32) NOT NULL, command_id VARCHAR(64), schema_version INTEGER NOT NULL, "
            f"data {data_type} NOT NULL, prev_hash VARCHAR(64) NOT NULL, hash VARCHAR(64) NOT NULL, "
            "CONSTRAINT uq_bare_events_event_id UNIQUE (event_id), "
            "CONSTRAINT uq_bare_events_stream_version UNIQUE (stream, version))")
        self.cursor.execute("CREATE INDEX ix_bare_events_stream_command_id ON bare_events (stream, command_id)")
        self._commit()

    def _begin(self) -> None:
        if not self.postgres:  # the engine's sqlite3 connections run with isolation_level=None
            self.cursor.execute("BEGIN")

    def _commit(self) -> None:
        if self.postgres:
            self.connection.commit()
        else:
            self.cursor.execute("COMMIT")

    def row(self, stream: str, version: int, event: NewEvent, recorded_at: datetime) -> tuple:
        """The row EventStore.append would write, with placeholder hashes."""
        self.position += 1
        occurred = event.occurred_on if self.postgres else event.occurred_on.isoformat()
        recorded = recorded_at if self.postgres else recorded_at.strftime("%Y-%m-%d %H:%M:%S.%f")
        return (self.position, stream, version, event.event_id, event.type, occurred, recorded, event.actor,
                event.actor_role, event.command_id, event.schema_version, json.dumps(event.data),
                "0" * 64, "f" * 64)

    def insert(self, rows: list[tuple]) -> None:
        """One transaction: one execute, or executemany for a batch."""
        self._begin()
        if len(rows) == 1:
            self.cursor.execute(self.insert_sql, rows[0])
        else:
            self.cursor.executemany(self.insert_sql, rows)
        self._commit()

    def read_log(self) -> int:
        after, count = 0, 0
        while True:
            self.cursor.execute(self.read_sql, (after, KEYSET_PAGE))
            rows = self.cursor.fetchall()
            if self.postgres:
                self.connection.commit()  # a short read transaction per page, as the store's readers
            if not rows:
                return count
            count += len(rows)
            after = rows[-1][0]

    def read_stream(self, stream: str) -> int:
        mark = "%s" if self.postgres else "?"
        self.cursor.execute(f"SELECT {', '.join(COLUMNS)} FROM events WHERE stream = {mark} ORDER BY version", (stream,))
        rows = self.cursor.fetchall()
        if self.postgres:
            self.connection.commit()
        return len(rows)

    def close(self) -> None:
        self.cursor.close()
        self.raw.close()


# --- measuring ---------------------------------------------------------------------------------

def _spread(values: list[float]) -> dict:
    return {"min": round(min(values)), "median": round(statistics.median(values)), "max": round(max(values)),
            "runs": len(values)}


def _rate(events: int, call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return events / (time.perf_counter() - started)


def _compare(name: str, events: int, store: Callable[[int], int], bare: Callable[[int], int], reps: int,
             warmup: Callable[[], object] | None = None) -> dict:
    """Events per second of store(i) and bare(i) (each returns the events it handled),
    interleaved rep by rep after the warm-up."""
    if warmup is not None:
        warmup()
    store_rates, bare_rates = [], []
    for i in range(reps):
        for call, rates in ((bare, bare_rates), (store, store_rates)):
            started = time.perf_counter()
            handled = call(i)
            rates.append(handled / (time.perf_counter() - started))
    result = {"measure": name, "events": events, "store_events_per_s": _spread(store_rates),
              "bare_events_per_s": _spread(bare_rates)}
    result["ratio"] = round(result["store_events_per_s"]["median"] / result["bare_events_per_s"]["median"], 2)
    return result


@dataclass
class Appender:
    """Appends through the store to a rotating set of streams, new ones first and then at their heads."""

    store: EventStore
    bare: Bare
    rng: random.Random
    prefix: str

    def __post_init__(self) -> None:
        self.heads: dict[str, int] = {}
        self.bare_heads: dict[str, int] = {}
        self.round = 0
        self.day = date(2026, 1, 5)

    def streams(self, count: int) -> list[str]:
        self.round += 1
        return [f"{self.prefix}-{self.round}-{n}" for n in range(count)]

    def store_run(self, transactions: int, per_tx: int, streams: int) -> int:
        names = self.streams(streams)
        for t in range(transactions):
            stream = names[t % streams]
            version = self.heads.get(stream, 0)
            self.store.append(stream, version, [padded_event(self.rng, self.day) for _ in range(per_tx)])
            self.heads[stream] = version + per_tx
        return transactions * per_tx

    def bare_run(self, transactions: int, per_tx: int, streams: int) -> int:
        names = self.streams(streams)
        recorded_at = datetime.now(timezone.utc)
        for t in range(transactions):
            stream = names[t % streams]
            version = self.bare_heads.get(stream, 0)
            events = [padded_event(self.rng, self.day) for _ in range(per_tx)]
            self.bare.insert([self.bare.row(stream, version + k + 1, ev, recorded_at) for k, ev in enumerate(events)])
            self.bare_heads[stream] = version + per_tx
        return transactions * per_tx


def _workflow_id(state) -> str:
    """Module-level, so that it pickles for the rebuild's worker processes."""
    return f"journey-{state.local_authority}-{state.journey_id}"


def load(store: EventStore, journeys: list[tuple[str, list[e.Event]]], seed: int) -> dict:
    rng = random.Random(seed + 4)
    started = time.perf_counter()
    count = 0
    for stream, history in journeys:
        store.append(stream, 0, [_new_event(rng, ev) for ev in history])
        count += len(history)
    seconds = time.perf_counter() - started
    return {"events": count, "journeys": len(journeys), "seconds": round(seconds, 1),
            "events_per_s": round(count / seconds)}


def measure_engine(engine: Engine, total_events: int, reps: int, seed: int, quiet: bool) -> dict:
    say = (lambda *_: None) if quiet else (lambda m: print(m, flush=True))
    store = EventStore(engine)
    calendar = WorkingDayCalendar()
    journeys = histories(total_events, seed)
    say(f"  loading {sum(len(h) for _, h in journeys):,} events in {len(journeys):,} journeys through EventStore.append ...")
    loaded = load(store, journeys, seed)
    # One journey of exactly FOLD_EVENTS events, for the as-of fold.
    fold_rng = random.Random(seed + 5)
    base = max(journeys, key=lambda j: len(j[1]))[1]
    planned = next((i for i, ev in enumerate(base) if isinstance(ev, e.PlanStarted)), len(base) - 1)
    head = [ev for ev in base[:planned + 1] if not isinstance(ev, e.JourneyClosed)]
    fold_history = head + [e.VisitRecorded(head[-1].occurred_on + timedelta(days=1 + k // 3), fold_rng.random() < 0.7)
                           for k in range(FOLD_EVENTS - len(head))]
    fold_stream = str(uuid.UUID(int=fold_rng.getrandbits(128), version=4))
    fold_history[0] = replace(fold_history[0], journey_id=fold_stream)  # a journey of its own
    store.append(fold_stream, 0, [_new_event(fold_rng, ev) for ev in fold_history])
    log_events = loaded["events"] + FOLD_EVENTS
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.execute(text("VACUUM ANALYZE events" if engine.dialect.name == "postgresql" else "ANALYZE"))
    say(f"  loaded in {loaded['seconds']} s ({loaded['events_per_s']:,} events/s); measuring, {reps} reps ...")

    bare = Bare(engine)
    results = []
    try:
        def rebuilder(workers: int) -> Callable[[int], int]:
            def rebuild(_i: int) -> int:
                return rebuild_read_models(engine, calendar, TODAY, _workflow_id, workers=workers).events
            return rebuild

        def verifier(workers: int) -> Callable[[int], int]:
            def verify(_i: int) -> int:
                outcome = verify_log(engine, workers=workers)
                assert outcome.ok, outcome.first_problem
                return outcome.events_checked
            return verify

        # Reads first, while the log holds only journeys' events (the append runs add others).
        # `pathways rebuild` and `pathways verify` run a process per CPU (store/projections.py,
        # store/verify.py); one process (what the store's own verify() does) alongside, for reference.
        for measure, walk in (("catch_up_rebuild", rebuilder(WORKERS)), ("catch_up_rebuild_one_process", rebuilder(1)),
                              ("verify_chain", verifier(WORKERS)), ("verify_chain_one_process", verifier(1))):
            results.append(_compare(measure, log_events, walk, lambda i: bare.read_log(), reps, warmup=bare.read_log))
            say(f"  {_line(results[-1])}")

        stored = store.read_stream(fold_stream)
        assert len(stored) == FOLD_EVENTS

        # The auditors' as-of fold (domain/history.py, what GET /v1/journeys/{id}/state runs):
        # decode every stored event, then fold those that occurred by a day in the middle of
        # the journey (both axes asked, so every filter runs).
        middle = stored[len(stored) // 2]

        def fold(_i: int) -> None:
            logged = [Logged(ev.event_id, ev.recorded_at, e.decode(ev.type, ev.occurred_on, ev.data), ev.command_id)
                      for ev in stored]
            as_of(logged, recorded_by=stored[-1].recorded_at, occurred_by=middle.occurred_on)

        fold_stats = harness.stats(harness.timed(fold, 20, max(FOLD_REPS, reps)))
        read_stats = harness.stats(harness.timed(lambda i: bare.read_stream(fold_stream), 20, max(FOLD_REPS, reps)))
        results.append({"measure": "fold_200_events", "events": FOLD_EVENTS, "store_ms": fold_stats,
                        "bare_read_ms": read_stats,
                        "ratio": round(fold_stats["p50_ms"] / read_stats["p50_ms"], 2) if read_stats["p50_ms"] else None})
        say(f"  {_line(results[-1])}")

        single = max(50, min(1_000, total_events // 100))
        batched = max(2, min(100, total_events // 1_000))  # transactions of BATCH events
        appender = Appender(store, bare, random.Random(seed + 6), "bench-stream")
        results.append(_compare(
            "append_1_per_tx", single, lambda i: appender.store_run(single, 1, max(single // 10, 1)),
            lambda i: appender.bare_run(single, 1, max(single // 10, 1)), reps,
            warmup=lambda: (appender.store_run(50, 1, 5), appender.bare_run(50, 1, 5))))
        say(f"  {_line(results[-1])}")
        results.append(_compare(
            "append_100_per_tx", batched * BATCH, lambda i: appender.store_run(batched, BATCH, max(batched // 5, 1)),
            lambda i: appender.bare_run(batched, BATCH, max(batched // 5, 1)), reps,
            warmup=lambda: (appender.store_run(2, BATCH, 1), appender.bare_run(2, BATCH, 1))))
        say(f"  {_line(results[-1])}")
    finally:
        bare.close()
    name = engine.dialect.name
    for r in results:
        r.update(_verdict(name, r))
    sample = padded_event(random.Random(0), date(2026, 1, 5))
    return {"load": loaded, "log_events": log_events, "append_event_data_bytes": len(json.dumps(sample.data)),
            "results": results}


def _verdict(engine_name: str, r: dict) -> dict:
    target = TARGETS[r["measure"]]
    if engine_name not in target["engines"]:
        return {"target": None, "met": None}
    if "p95_ms" in target:
        return {"target": f"p95 < {target['p95_ms']:g} ms", "met": r["store_ms"]["p95_ms"] < target["p95_ms"]}
    wanted = f">= {target['events_per_s']:,}/s" + (f" and >= {target['ratio']:g}x bare" if target["ratio"] else "")
    met = r["store_events_per_s"]["median"] >= target["events_per_s"] and (
        target["ratio"] is None or r["ratio"] >= target["ratio"])
    return {"target": wanted, "met": met}


def _line(r: dict) -> str:
    if "store_ms" in r:
        return (f"{r['measure']}: p50 {r['store_ms']['p50_ms']} ms, p95 {r['store_ms']['p95_ms']} ms "
                f"(bare read of the rows p50 {r['bare_read_ms']['p50_ms']} ms)")
    s, b = r["store_events_per_s"], r["bare_events_per_s"]
    return f"{r['measure']}: {s['median']:,} events/s vs bare {b['median']:,} events/s, ratio {r['ratio']}"


# --- the run -----------------------------------------------------------------------------------

def run(events: int = 100_000, engines=("sqlite", "postgresql"), reps: int = 3, out_dir: Path = harness.RESULTS,
        seed: int = 7, quiet: bool = False) -> dict:
    # The service's own logging (JSON lines at info: every append logs one), written to
    # os.devnull: its cost is counted, the terminal's is not.
    previous = structlog.get_config()
    with open(os.devnull, "w") as sink:
        configure_logging("info", stream=sink)
        try:
            return _run(events, engines, reps, out_dir, seed, quiet)
        finally:
            structlog.configure(**previous)


def _run(events: int, engines, reps: int, out_dir: Path, seed: int, quiet: bool) -> dict:
    started = time.perf_counter()
    document = {"benchmark": "store_bench", "events": events, "reps": reps, "targets": TARGETS,
                "environment": harness.environment(), "engines": {},
                # Other work on the machine skews every figure: the 1-minute load average around the run.
                "load_average": {"start": round(os.getloadavg()[0], 2)}}
    for name in engines:
        with harness.DATABASES[name]() as url:
            engine = make_engine(url)
            try:
                if not quiet:
                    print(f"{name}:", flush=True)
                measured = measure_engine(engine, events, reps, seed, quiet)
                with engine.connect() as connection:
                    measured["server"] = (
                        "PostgreSQL " + connection.execute(text("SHOW server_version")).scalar_one()
                        if name == "postgresql" else
                        "SQLite " + connection.execute(text("SELECT sqlite_version()")).scalar_one())
                document["engines"][name] = measured
            finally:
                engine.dispose()
    document["seconds"] = round(time.perf_counter() - started, 1)
    document["load_average"]["end"] = round(os.getloadavg()[0], 2)
    json_path, md_path = harness.write_results("store_bench", document, markdown(document), Path(out_dir))
    document["files"] = [json_path.name, md_path.name]
    return document


def _rows(run_: dict) -> list[list]:
    rows = []
    for r in run_["results"]:
        verdict = "(no target)" if r["target"] is None else f"{r['target']}: {'yes' if r['met'] else 'NO'}"
        if "store_ms" in r:
            s, b = r["store_ms"], r["bare_read_ms"]
            rows.append([r["measure"] + " (ms)", f"p50 {s['p50_ms']} / p95 {s['p95_ms']}",
                         f"read rows p50 {b['p50_ms']} / p95 {b['p95_ms']}", r["ratio"], verdict])
        else:
            s, b = r["store_events_per_s"], r["bare_events_per_s"]
            rows.append([f"{r['measure']} (events/s, {r['events']:,} per run)",
                         f"{s['median']:,} ({s['min']:,}-{s['max']:,})", f"{b['median']:,} ({b['min']:,}-{b['max']:,})",
                         r["ratio"], verdict])
    return rows


def markdown(document: dict) -> str:
    env = document["environment"]
    parts = [
        "# Event store throughput\n",
        (__doc__ or "").split("\n\n", 2)[2].split("\nResults:")[0].strip() + "\n",
        f"Measured {env['measured_at']} on {env['system']} {env['machine']} ({env['cpus']} CPUs), "
        f"Python {env['python']}, SQLAlchemy {env['sqlalchemy']}; {document['reps']} runs each; "
        f"whole run {document.get('seconds', '?')} s; 1-minute load average {document['load_average']['start']} "
        f"at the start, {document['load_average'].get('end', '?')} at the end (other work on the machine "
        "slows every figure). Figures are median (min-max) over the runs.\n",
    ]
    for name, run_ in document["engines"].items():
        load = run_["load"]
        parts.append(f"## {name} ({run_.get('server', name)})\n\n"
                     f"Log: {run_['log_events']:,} events; {load['journeys']:,} journeys loaded through "
                     f"EventStore.append in {load['seconds']} s ({load['events_per_s']:,} events/s, one journey per "
                     f"append). Appended events carry {run_['append_event_data_bytes']} bytes of JSON data.\n")
        parts.append(harness.markdown_table(["measure", "store", "bare baseline", "ratio (store / bare)", "target"],
                                            _rows(run_)))
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.store_bench", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000, help="events in the log (default 100,000)")
    parser.add_argument("--reps", type=int, default=3, help="timed runs of each measure (default 3)")
    parser.add_argument("--engines", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    document = run(args.events, tuple(n for n in args.engines.split(",") if n), args.reps)
    for name, run_ in document["engines"].items():
        print(f"\n### {name}\n\n" + harness.markdown_table(
            ["measure", "store", "bare baseline", "ratio", "target"], _rows(run_)))
    print(f"whole run: {document['seconds']} s; results: bench/results/{document['files'][1]} and {document['files'][0]}")
    missed = [f"{n}/{r['measure']}" for n, run_ in document["engines"].items() for r in run_["results"] if r["met"] is False]
    if missed:
        print("targets missed: " + ", ".join(missed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
