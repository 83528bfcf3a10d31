"""`pathways subject-access`: everything held about one young person, as JSON and HTML files.

    pathways subject-access --la 873 --child-id LCS0012345 [--json FILE] [--html FILE]

Reads the log and its read models (services/subject_access.py), no service needed. Like the
other exports at the command line, it is the operator's, who holds the data folder: recorded
in the access log (channel "cli", the operating system user as the actor, role "operator",
what "subject_access", a row per journey) before any file is written; if that cannot be
recorded, nothing is written. The files are named by the LA and the time, never by the child
id: a file name is seen by more people than the file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from settings import DEFAULT_DATA_DIR


def register(commands: argparse._SubParsersAction) -> None:
    """Add `subject-access` to the top-level commands."""
    help_ = "write everything held about one young person (their journeys in the LA) as JSON and HTML files"
    p = commands.add_parser("subject-access", help=help_, description=help_)
    p.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR), help="the embedded service's data folder (default ./var)")
    p.add_argument("--la", metavar="CODE", required=True, help="the LA's three-digit DfE code, e.g. 873")
    p.add_argument("--child-id", required=True, help="the LA's child id of the young person (CIN census LAchildID)")
    p.add_argument("--json", metavar="FILE", help="the JSON file to write (default subject-access-LA-TIME.json)")
    p.add_argument("--html", metavar="FILE", help="the HTML file to write (default subject-access-LA-TIME.html)")
    p.set_defaults(run=main)


def main(args) -> int:
    from domain.calendar import WorkingDayCalendar
    from cli.service import settings_for
    from cli.show import operator_reader
    from observability.logs import configure_logging
    from reports.subject_access import to_html, to_json
    from services import subject_access
    from services.clock import now
    from services.errors import NotFound
    from services.wiring import close_store, open_store
    from sqlalchemy.exc import SQLAlchemyError

    configure_logging("warning")
    settings = settings_for(Path(args.data_dir))
    store = open_store(settings)
    try:
        try:
            found = subject_access.export_unrecorded(store, args.la, settings.id_key, args.child_id,
                                                     WorkingDayCalendar(settings.closure_days))
        except NotFound as err:
            print(err.message, file=sys.stderr)
            return 1
        try:
            subject_access.record_export(store, operator_reader(args.la), found, "json+html")
        except (SQLAlchemyError, ValueError) as err:
            print(f"Could not record this export in the access log ({type(err).__name__}), so nothing is written.",
                  file=sys.stderr)
            return 1
    finally:
        close_store(store)
    stamp = f"subject-access-{args.la}-{now():%Y%m%dT%H%M%S}"
    json_file, html_file = Path(args.json or f"{stamp}.json"), Path(args.html or f"{stamp}.html")
    json_file.write_text(to_json(found), encoding="utf-8")
    html_file.write_text(to_html(found), encoding="utf-8")
    print(f"{len(found['journeys'])} journeys written to {json_file} and {html_file}")
    return 0
