"""The sealed-against-plain benchmark runs end to end, tiny: no timings asserted."""

from __future__ import annotations

import json

import pytest

from bench import codec_bench


@pytest.mark.slow
def test_codec_benchmark_produces_results(tmp_path):
    document = codec_bench.run(clients=2, commands=2, repeats=1, out_dir=tmp_path, quiet=True)
    figures = document["commands"]
    assert figures["sealed_per_s"]["median"] > 0 and figures["plain_per_s"]["median"] > 0 and figures["ratio"] > 0
    assert json.loads((tmp_path / "codec_bench.json").read_text())["parameters"]["clients"] == 2
    assert "sealed (AES-256-GCM per LA)" in (tmp_path / "codec_bench.md").read_text()
