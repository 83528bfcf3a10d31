"""`pathways rebuild`: the read models again, folded from the event log.

For an operator: after restoring a backup, after a release that changes how the read
models are computed, or to prove they agree with the log. Stop the workers first: a
journey that appends while the tables are replaced would keep the rebuilt (older) row
until its next command.
"""

from __future__ import annotations

import time
from functools import partial
from datetime import datetime, timezone
from pathlib import Path

from cli.service import settings_for
from domain.calendar import WorkingDayCalendar
from settings import configure_logging
from store.engine import make_engine
from store.projections import rebuild_read_models
from workflows.client import workflow_id_of_state
from workflows.local_time import london_date


def rebuild(data_dir: Path, batch_size: int, workers: int = 1) -> int:
    settings = settings_for(data_dir)
    engine = make_engine(settings.database_url)
    started = time.perf_counter()
    result = rebuild_read_models(
        engine, WorkingDayCalendar(settings.closure_days), london_date(datetime.now(timezone.utc)),
        partial(workflow_id_of_state, settings.id_key), batch=batch_size, workers=workers,
    )
    seconds = time.perf_counter() - started
    print(f"Rebuilt the read models of {result.journeys} journeys from {result.events} events "
          f"in {seconds:.1f} s.")
    return 0


def main(args) -> int:
    configure_logging("warning")
    return rebuild(Path(args.data_dir), args.batch_size, args.workers)
