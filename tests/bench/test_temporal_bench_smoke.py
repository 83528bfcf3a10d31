"""The Temporal benchmark runs end to end, tiny, on the real dev server: no timings asserted."""

from __future__ import annotations

import json

import pytest

from bench import temporal_bench


@pytest.mark.slow
def test_temporal_benchmark_produces_results(tmp_path):
    document = temporal_bench.run(commands=6, concurrency=2, journeys=2, repeats=1, warmup=2, out_dir=tmp_path, quiet=True)
    sequential = document["commands"]["sequential"]
    assert sequential["api"]["reps_per_run"] == sequential["bare_update"]["reps_per_run"] == 6
    assert sequential["api"]["p95_ms"]["median"] > 0 and sequential["bare_update"]["p95_ms"]["median"] > 0
    throughput = document["commands"]["throughput"]
    assert throughput["api_per_s"]["median"] > 0 and throughput["bare_update_per_s"]["median"] > 0
    journeys = document["journeys"]
    assert journeys["api_per_s"]["median"] > 0 and journeys["bare_10_updates_per_s"]["median"] > 0
    assert document["events_logged"] > 0
    written = json.loads((tmp_path / "temporal_bench.json").read_text())
    assert written["parameters"]["concurrency"] == 2
    assert "commands/s" in (tmp_path / "temporal_bench.md").read_text()
