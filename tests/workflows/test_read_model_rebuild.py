"""Three consumers, one fold: read models rebuilt from the log equal those the workflow kept."""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import timedelta

from sqlalchemy import select

from domain.calendar import WorkingDayCalendar
from store.projections import rebuild_read_models
from cli.main import main as cli_main
from store.schema import deadlines, journeys
from store.schema import journeys as journeys_table
from temporal_fixtures import chair_the_case
from support import command, start_request


def snapshot(engine, journey_ids):
    with engine.connect() as connection:
        summaries = [dict(r._mapping) for r in connection.execute(
            select(journeys).where(journeys.c.journey_id.in_(journey_ids)).order_by(journeys.c.journey_id))]
        rows = [dict(r._mapping) for r in connection.execute(
            select(deadlines).where(deadlines.c.journey_id.in_(journey_ids)).order_by(deadlines.c.journey_id, deadlines.c.seq))]
    for summary in summaries:
        summary.pop("updated_at")
    return summaries, rows


async def test_rebuilt_read_models_equal_the_ones_the_workflow_kept(journeys, store, clock):
    today = await clock.today()
    ids = []
    for outcome, extra in (("s47_roth", True), ("s47_cp", False), ("early_help", False)):
        answer = await journeys.start(start_request(f"C{uuid.uuid4().hex[:10]}", today.replace(year=today.year - 14), today - timedelta(days=30)))
        ids.append(answer["journey_id"])
        await journeys.send(answer["workflow_id"], command("record_strategy_discussion", occurred_on=today - timedelta(days=29), outcome=outcome))
        if extra:
            await chair_the_case(journeys, answer["workflow_id"])
            icpc = today - timedelta(days=10)
            await journeys.send(answer["workflow_id"], command("record_initial_conference", occurred_on=icpc, decision="plan", categories=["sexual"]))
            # The practice columns (chair, linked contexts, plan findings) are rebuilt too.
            await journeys.send(answer["workflow_id"], command("record_context_weighting", occurred_on=icpc, at="initial_conference", contexts=[
                {"context_id": "riverside-park", "kind": "public_place", "name": "Riverside park", "harm": True, "safety": False, "weight": 8, "affects": []}]))
            await journeys.send(answer["workflow_id"], command("update_plan", occurred_on=icpc, made_at="initial_conference", needs=["education_access"], goals=[
                {"goal_id": "g1", "heading": "needs", "description": "Back in school", "need": "education_access", "outcome": None,
                 "actions": [{"description": "Mentor", "owner": "School", "due_on": today.isoformat(), "targets": ["young_person"]}]}]))
            await journeys.send(answer["workflow_id"], command("record_visit", occurred_on=today - timedelta(days=2), seen_alone=True))
    # Let each journey's clock settle (5 s of quiet after a command) and record what it
    # finds, so nothing moves underneath the comparison.
    versions = None
    while versions != (versions := [store.stream_version(j) for j in ids]):
        await asyncio.sleep(6)
    before = snapshot(store.engine, ids)
    workflow_ids = {s["journey_id"]: s["workflow_id"] for s in before[0]}

    rebuilt = rebuild_read_models(store.engine, WorkingDayCalendar(), today, lambda state: workflow_ids.get(state.journey_id, "unknown"))
    assert rebuilt.journeys >= 3 and rebuilt.events >= 10
    assert snapshot(store.engine, ids) == before


async def test_the_rebuild_command_restores_wiped_read_models(journeys, store, clock, settings, monkeypatch, capsys, keep_logging):
    today = await clock.today()
    answer = await journeys.start(start_request(f"C{uuid.uuid4().hex[:10]}", today.replace(year=today.year - 13), today - timedelta(days=3)))
    journey_id = answer["journey_id"]
    await journeys.send(answer["workflow_id"], command("record_strategy_discussion", occurred_on=today - timedelta(days=2), outcome="s47_cp"))
    versions = None
    while versions != (versions := store.stream_version(journey_id)):
        await asyncio.sleep(6)
    [kept], kept_deadlines = snapshot(store.engine, [journey_id])
    with store.engine.begin() as connection:
        connection.execute(deadlines.delete())
        connection.execute(journeys_table.delete())

    monkeypatch.setattr("os.environ", {**os.environ, **settings.env()})
    assert cli_main(["rebuild", "--batch-size", "7"]) == 0

    assert "Rebuilt the read models" in capsys.readouterr().out
    [rebuilt], rebuilt_deadlines = snapshot(store.engine, [journey_id])
    # The command judges deadlines on today's date, which the test server's skipped clock
    # may be past; what does not depend on the date must be restored exactly.
    for column in ("workflow_id", "local_authority", "pathway", "stage", "opened_on", "version"):
        assert rebuilt[column] == kept[column], column
    assert [d["kind"] for d in rebuilt_deadlines] == [d["kind"] for d in kept_deadlines]
