"""Benchmarks: each module times one area of the service and reports against a baseline
measured in the same run (ARCHITECTURE.md). `python -m bench` runs them all; `python -m
bench.<name>` runs one. Results go to bench/results/ (not committed)."""
