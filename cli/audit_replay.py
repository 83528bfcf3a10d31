"""`pathways audit replay JOURNEY_ID`: a journey's Temporal history against the event log.

Fetches the runs of the journey's (or context case's) workflow from the running Temporal
service, replays them with this code (so a release that would break the journey shows here
first) and checks that the events they produced are the log's, same ids, same order
(workflows/replay.py). Exit status 0 when both hold, 1 when a run does not replay or the log
differs (the first difference is printed), 2 when the journey or the service cannot be found.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from cli.service import settings_for
from workflows.connection import TemporalUnreachable, connect
from observability.logs import configure_logging
from settings import DEFAULT_DATA_DIR


def register(subparsers) -> None:
    """`replay` under the `audit` group's subparsers (cli/main.py AUDIT_COMMANDS)."""
    add_replay_parser(subparsers)


def add_replay_parser(subparsers) -> None:
    replay = subparsers.add_parser(
        "replay", help="replay a journey's Temporal history with this code and check its events are the log's")
    replay.add_argument("journey_id", help="a journey id or context case id (or the workflow id)")
    replay.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR), help="the embedded service's data folder (default ./var)")
    replay.set_defaults(run=replay_main)


async def audit_replay(data_dir: Path, identifier: str) -> int:
    from services.wiring import close_store, open_store
    from workflows.replay import JourneyNotFound, replay_journey

    settings = settings_for(data_dir)
    store = open_store(settings)
    try:
        client = await connect(settings)
    except TemporalUnreachable as err:  # refused, unknown namespace, TLS: nothing to audit against
        print(f"{err}. Is the service running?")
        return 2
    try:
        report = await replay_journey(client, store, identifier)
    except JourneyNotFound as err:
        print(err)
        return 2
    finally:
        close_store(store)
    print(report.describe())
    return 0 if report.ok else 1


def replay_main(args) -> int:
    configure_logging("warning")
    return asyncio.run(audit_replay(Path(args.data_dir), args.journey_id))
