"""rebuild_read_models: journeys folded in ranges, in worker processes, give the read models
one fold of the whole log gives."""

from __future__ import annotations

from datetime import date
from functools import partial

import pytest
from sqlalchemy import Engine, select

from bench.store_bench import histories, load
from domain.calendar import WorkingDayCalendar
from store import projections
from store.events import EventStore
from store.schema import deadlines, journeys
from workflows.client import workflow_id_of_state

TODAY = date(2026, 6, 15)
name_workflow = partial(workflow_id_of_state, b"test key")


@pytest.fixture
def loaded(store_engine: Engine) -> int:
    """About 40 journeys of realistic histories (strategy discussions, conferences, visits,
    reminders, closures); returns how many events."""
    return load(EventStore(store_engine), histories(800), seed=3)["events"]


def tables(engine: Engine) -> tuple[list[dict], list[dict]]:
    """Both read models, ordered here (not by the database's collation)."""
    with engine.connect() as connection:
        summaries = [
            {k: v for k, v in row._mapping.items() if k != "updated_at"}
            for row in connection.execute(select(journeys))
        ]
        rows = [dict(row._mapping) for row in connection.execute(select(deadlines))]
    return in_order(summaries, rows)


def in_order(summaries: list[dict], rows: list[dict]) -> tuple[list[dict], list[dict]]:
    return (sorted(summaries, key=lambda s: s["journey_id"]),
            sorted(rows, key=lambda r: (r["journey_id"], r["seq"])))


def test_worker_processes_rebuild_what_one_fold_rebuilds(
    store_engine: Engine, loaded: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    calendar = WorkingDayCalendar()
    one = projections.rebuild_read_models(store_engine, calendar, TODAY, name_workflow)
    expected = tables(store_engine)
    assert one.events == loaded and len(expected[0]) == one.journeys >= 30
    assert expected[1], "the journeys have deadlines to compare"
    # What was written (by INSERTs on SQLite, COPY on PostgreSQL) reads back as the rows derived.
    states, count = projections.fold_log(store_engine)
    derived = projections._read_models(states, count, calendar, TODAY, name_workflow)
    assert expected == in_order(derived.summaries, derived.deadline_rows)

    monkeypatch.setattr(projections, "MIN_JOURNEYS_PER_WORKER", 1)
    ranges = projections._journey_ranges(store_engine, 2)
    assert len(ranges) == 2 * projections.RANGES_PER_WORKER
    many = projections.rebuild_read_models(store_engine, calendar, TODAY, name_workflow, workers=2)
    assert many == one
    assert tables(store_engine) == expected


def test_a_range_of_journeys_reads_across_pages_and_stops_at_its_end(
    store_engine: Engine, loaded: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    states, _ = projections.fold_log(store_engine)
    every = sorted(states)
    monkeypatch.setattr(projections, "PAGE", 7)  # journeys split across pages

    folded, count = projections.fold_range(store_engine, every[4], every[20])
    inside = every[5:21]
    assert sorted(folded) == inside
    assert folded == {journey: states[journey] for journey in inside}
    assert count == sum(states[journey].version for journey in inside)

    assert projections.fold_range(store_engine, None, None) == (states, loaded)
    assert projections.fold_range(store_engine, None, every[0])[0] == {every[0]: states[every[0]]}
    assert projections.fold_range(store_engine, every[-1], None) == ({}, 0)


def test_the_commands_run_their_worker_processes(
    store_url: str, store_engine: Engine, loaded: int, monkeypatch: pytest.MonkeyPatch, capsys, tmp_path,
    keep_logging,
) -> None:
    """`pathways rebuild` and `pathways verify` with two workers on a log big enough to cut:
    what they send to their processes (the workflow naming, the LA's calendar) must pickle."""
    from cli.main import main as cli_main
    from store import verify

    monkeypatch.setenv("PATHWAYS_DATABASE_URL", store_url)
    monkeypatch.setenv("PATHWAYS_ID_KEY", "ab" * 32)
    monkeypatch.setenv("PATHWAYS_CLOSURE_DAYS", "2025-12-29,2025-12-30")
    monkeypatch.setattr(projections, "MIN_JOURNEYS_PER_WORKER", 1)
    monkeypatch.setattr(verify, "MIN_EVENTS_PER_WORKER", 1)
    monkeypatch.setattr(verify, "SLICES_PER_WORKER", 20)  # slices shorter than a page
    data = ["--data-dir", str(tmp_path)]

    assert cli_main(["rebuild", *data, "--workers", "2"]) == 0
    journeys_rebuilt = len(tables(store_engine)[0])
    assert f"Rebuilt the read models of {journeys_rebuilt} journeys from {loaded} events" in capsys.readouterr().out

    assert cli_main(["verify", *data, "--workers", "2", "--page-size", "10"]) == 0
    assert capsys.readouterr().out.startswith(f"OK: {loaded} events in {journeys_rebuilt} journeys")
