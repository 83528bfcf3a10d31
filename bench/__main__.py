"""Run the benchmarks: `python -m bench` runs every one with its defaults (what `make bench`
does); `python -m bench queries` runs only the ones named. Options for one benchmark go to
its own module: `python -m bench.queries --help`.

A benchmark is a module of this package with `main(argv) -> int`; add its name here.
"""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = ("queries", "temporal_bench", "store_bench", "scale_out", "codec_bench")
# Run only when named (`python -m bench scale`, or `make bench-scale`): too long for `make bench`.
ON_REQUEST = ("scale",)


def main(argv: list[str] | None = None) -> int:
    names = (sys.argv[1:] if argv is None else argv) or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS + ON_REQUEST]
    if unknown:
        print(f"unknown benchmark {', '.join(unknown)}; there are: {', '.join(BENCHMARKS + ON_REQUEST)}", file=sys.stderr)
        return 2
    status = 0
    for name in names:
        print(f"== bench.{name}", flush=True)
        status = importlib.import_module(f"bench.{name}").main([]) or status
    return status


if __name__ == "__main__":
    raise SystemExit(main())
