"""The event store benchmark runs end to end on a tiny log (SQLite only): no timings asserted."""

from __future__ import annotations

import json

from bench import store_bench

MEASURES = {"append_1_per_tx", "append_100_per_tx", "catch_up_rebuild", "catch_up_rebuild_one_process",
            "verify_chain", "verify_chain_one_process", "fold_200_events"}


def test_store_benchmark_produces_results(tmp_path):
    document = store_bench.run(events=500, engines=("sqlite",), reps=2, out_dir=tmp_path, quiet=True)
    run = document["engines"]["sqlite"]
    results = {r["measure"]: r for r in run["results"]}
    assert set(results) == MEASURES
    assert run["load"]["events"] >= 500 and run["log_events"] == run["load"]["events"] + store_bench.FOLD_EVENTS
    for name in MEASURES - {"fold_200_events"}:
        r = results[name]
        assert r["store_events_per_s"]["runs"] == r["bare_events_per_s"]["runs"] == 2
        assert r["store_events_per_s"]["median"] > 0 and r["bare_events_per_s"]["median"] > 0 and r["ratio"] > 0
    assert results["fold_200_events"]["store_ms"]["reps"] >= 2
    written = json.loads((tmp_path / "store_bench.json").read_text())
    assert set(written["engines"]) == {"sqlite"}
    assert "verify_chain" in (tmp_path / "store_bench.md").read_text()


def test_the_generated_journeys_fold_and_reach_the_asked_size():
    journeys = store_bench.histories(2_000)
    assert sum(len(history) for _, history in journeys) >= 2_000
    assert len({journey_id for journey_id, _ in journeys}) == len(journeys)
    assert all(history[0].journey_id == journey_id for journey_id, history in journeys)
