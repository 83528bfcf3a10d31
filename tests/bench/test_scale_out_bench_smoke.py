"""The one-worker-against-two benchmark runs end to end, tiny: no timings asserted."""

from __future__ import annotations

import json

import pytest

from bench import scale_out


@pytest.mark.slow
def test_scale_out_benchmark_produces_results(tmp_path):
    document = scale_out.run(clients=2, commands=2, repeats=1, out_dir=tmp_path, quiet=True)
    figures = document["commands"]
    assert figures["one_worker_per_s"]["median"] > 0 and figures["two_workers_per_s"]["median"] > 0
    assert figures["ratio_two_to_one"] > 0
    assert json.loads((tmp_path / "scale_out.json").read_text())["parameters"]["clients"] == 2
    assert "2 processes" in (tmp_path / "scale_out.md").read_text()
