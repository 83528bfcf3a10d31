"""The query benchmark runs end to end on a tiny population (SQLite only): no timings asserted."""

from __future__ import annotations

import json

from bench import queries


def test_query_benchmark_produces_results(tmp_path):
    document = queries.run(journeys_count=500, engines=("sqlite",), reps=3, warmup=1, out_dir=tmp_path, quiet=True)
    results = document["engines"]["sqlite"]["results"]
    assert {r["query"] for r in results} >= {"overdue", "caseload", "journey_page"}
    for r in results:
        assert r["store"]["reps"] == r["bare_sql"]["reps"] == 3 and r["plan"]
    assert {r["query"]: r["rows"] for r in results}["journey_page"] == 1
    written = json.loads((tmp_path / "queries.json").read_text())
    assert written["journeys"] == 500 and "overdue" in (tmp_path / "queries.md").read_text()


def test_the_population_keeps_the_read_models_invariants():
    for summary, rows in queries.population(300):
        assert summary["closed"] == (summary["stage"] == "closed")
        assert summary["overdue"] == any(r["status"] == "missed" and r["met_on"] is None for r in rows)
        owed = [r for r in rows if r["met_on"] is None]
        assert summary["next_due_on"] == (min(r["due_on"] for r in owed) if owed else None)
