"""`pathways rebuild`: the read models again, folded from the event log.

For an operator: after restoring a backup, after a release that changes how the read
models are computed, or to prove they agree with the log. Stop the workers first: a
journey that appends while the tables are replaced would keep the rebuilt (older) row
until its next command.
"""

from __future__ import annotations

import time
from pathlib import Path

from cli.service import settings_for
from services import rebuild as read_models
from services.wiring import open_store
from observability.logs import configure_logging


def rebuild(data_dir: Path, batch_size: int, workers: int = 1) -> int:
    settings = settings_for(data_dir)
    store = open_store(settings)
    started = time.perf_counter()
    result = read_models.rebuild(store, settings, batch_size, workers)
    seconds = time.perf_counter() - started
    print(f"Rebuilt the read models of {result.journeys} journeys from {result.events} events "
          f"in {seconds:.1f} s.")
    return 0


def main(args) -> int:
    configure_logging("warning")
    return rebuild(Path(args.data_dir), args.batch_size, args.workers)
