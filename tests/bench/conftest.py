"""`bench` is a folder of the project, not an installed package: `python -m pytest` (what
`make test` runs) finds it from the working directory, the bare `pytest` script does not (and
would take this tests/bench folder for it). Put the project's root first so both work."""

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
