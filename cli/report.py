"""`pathways report ...`: reports read from the log and its read models, no service needed.

    pathways report roth-dataset --la 873 --from 2026-04-01 --to 2027-03-31 --format xlsx --out roth.xlsx

The ROTH dataset (reports/roth_dataset.py) hands over a row of a young person's data per
journey, so each journey exported is recorded in the access log (channel "cli", the operating
system user as the actor, what "roth_dataset") before the file is written; if that cannot be
recorded, nothing is written.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from settings import DEFAULT_DATA_DIR

ROTH_DATASET = "roth_dataset"  # the access log's code, as the HTTP API's (api/routes/reports.py)


def register(commands: argparse._SubParsersAction) -> None:
    """Add the report subcommands to `commands` (the `report` group's subparsers)."""
    help_ = "write the ROTH dataset (one row per young person per plan overlapping the period) as CSV or XLSX"
    roth = commands.add_parser("roth-dataset", help=help_, description=help_)
    roth.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR), help="the embedded service's data folder (default ./var)")
    roth.add_argument("--la", metavar="CODE", required=True, help="the LA's three-digit DfE code, e.g. 873")
    roth.add_argument("--from", dest="period_from", metavar="DATE", required=True, type=date.fromisoformat,
                      help="first day of the period (YYYY-MM-DD)")
    roth.add_argument("--to", dest="period_to", metavar="DATE", required=True, type=date.fromisoformat,
                      help="last day of the period, included (YYYY-MM-DD)")
    roth.add_argument("--format", choices=("csv", "xlsx"), default="csv", help="csv (default) or xlsx")
    roth.add_argument("--out", metavar="FILE", required=True, help="the file to write (- for stdout, csv only)")
    roth.set_defaults(run=roth_dataset_main)


def roth_dataset_main(args) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from cli.service import settings_for
    from cli.show import OPERATOR_ROLE, operator
    from reports.roth_dataset import dataset_rows, to_csv, to_xlsx
    from settings import configure_logging
    from store.access_log import CLI, Access, record_access
    from store.engine import make_engine

    configure_logging("warning")
    if args.period_to < args.period_from:
        print("The period ends before it starts.", file=sys.stderr)
        return 2
    if args.out == "-" and args.format == "xlsx":
        print("An XLSX workbook cannot go to stdout; give --out a file name.", file=sys.stderr)
        return 2
    engine = make_engine(settings_for(Path(args.data_dir)).database_url)
    rows = dataset_rows(engine, args.la, args.period_from, args.period_to)
    content = to_csv(rows) if args.format == "csv" else to_xlsx(rows)
    # One row per journey exported, in one transaction, before anything is handed over.
    entries = [Access(actor=operator(), actor_role=OPERATOR_ROLE, local_authority=args.la,
                      journey_id=row["journey_id"], what=ROTH_DATASET, channel=CLI) for row in rows]
    try:
        record_access(engine, entries)
    except (SQLAlchemyError, ValueError) as err:
        print(f"Could not record this export in the access log ({type(err).__name__}), so nothing is written.",
              file=sys.stderr)
        return 1
    if args.out == "-":
        sys.stdout.write(content)
    elif isinstance(content, bytes):
        Path(args.out).write_bytes(content)
    else:
        Path(args.out).write_text(content, encoding="utf-8", newline="")
    if args.out != "-":
        print(f"{len(rows)} rows written to {args.out}")
    return 0
