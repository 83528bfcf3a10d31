"""`pathways report ...`: reports read from the log and its read models, no service needed.

    pathways report roth-dataset --la 873 --from 2026-04-01 --to 2027-03-31 --format xlsx --out roth.xlsx
    pathways report cin-census --la 873 --year 2025-26 --out cin.xml [--companion roth.csv] [--check]

The ROTH dataset (reports/roth_dataset.py) hands over a row of a young person's data per
journey, and the CIN census return (reports/cin_census.py) every young person's identifiers
and history, so each journey exported is recorded in the access log (channel "cli", the
operating system user as the actor, what "roth_dataset" or "cin_census") before the file is
written; if that cannot be recorded, nothing is written.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from settings import DEFAULT_DATA_DIR


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

    help_ = "write the CIN census return for a collection year as DfE's XML, with the companion file keeping the ROTH mark"
    census = commands.add_parser("cin-census", help=help_, description=help_)
    census.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR), help="the embedded service's data folder (default ./var)")
    census.add_argument("--la", metavar="CODE", required=True, help="the LA's three-digit DfE code, e.g. 873")
    census.add_argument("--year", required=True, help="the collection year, like 2025-26 (1 April 2025 to 31 March 2026)")
    census.add_argument("--out", metavar="FILE", required=True, help="the XML file to write")
    census.add_argument("--companion", metavar="FILE",
                        help="the companion CSV to write (default: the XML's name with -roth.csv)")
    census.add_argument("--check", action="store_true",
                        help="check the return with DfE's rules and list what to put right, journey by journey "
                             "(exit status 1 if DfE would refuse it)")
    census.add_argument("--ruleset", help="DfE's rules to check with (default: the year's own, e.g. cin2025_26)")
    census.set_defaults(run=cin_census_main)


def _recorded(store, la: str, record) -> bool:
    """The export recorded in the access log by `record(store, reader)` (services/ says what
    is recorded: one row per journey, in one transaction); False (with the reason on stderr)
    if it could not be, and then nothing may be written."""
    from sqlalchemy.exc import SQLAlchemyError

    from cli.show import operator_reader

    try:
        record(store, operator_reader(la))
    except (SQLAlchemyError, ValueError) as err:
        print(f"Could not record this export in the access log ({type(err).__name__}), so nothing is written.",
              file=sys.stderr)
        return False
    return True


def roth_dataset_main(args) -> int:
    from cli.service import settings_for
    from domain.periods import period_problem
    from reports.roth_dataset import to_csv, to_xlsx
    from services import reports
    from services.wiring import open_store
    from observability.logs import configure_logging

    configure_logging("warning")
    problem = period_problem(args.period_from, args.period_to, max_months=None)
    if problem is not None:
        print(problem[1], file=sys.stderr)
        return 2
    if args.out == "-" and args.format == "xlsx":
        print("An XLSX workbook cannot go to stdout; give --out a file name.", file=sys.stderr)
        return 2
    store = open_store(settings_for(Path(args.data_dir)))
    rows = reports.roth_dataset_unrecorded(store, args.la, args.period_from, args.period_to)
    content = to_csv(rows) if args.format == "csv" else to_xlsx(rows)
    if not _recorded(store, args.la, lambda store, reader: reports.record_roth_dataset(store, reader, rows)):
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


def cin_census_main(args) -> int:
    from cli.service import settings_for
    from domain.calendar import WorkingDayCalendar
    from reports import cin_census, cin_readiness
    from reports.cin_validation import RULESETS, CinValidatorError
    from services import census
    from services.wiring import open_store
    from observability.logs import configure_logging

    configure_logging("warning")
    try:
        year = cin_census.collection_year(args.year)
    except ValueError as err:
        print(err, file=sys.stderr)
        return 2
    ruleset = args.ruleset or year.ruleset
    if args.check and ruleset not in RULESETS:
        print(f"There are no DfE rules for {ruleset} here; give --ruleset as one of {', '.join(RULESETS)}.", file=sys.stderr)
        return 2
    settings = settings_for(Path(args.data_dir))
    store = open_store(settings)
    found, xml, rows = census.census_unrecorded(store, args.la, year, WorkingDayCalendar(settings.closure_days))
    if not _recorded(store, args.la, lambda store, reader: census.record_census(store, reader, found)):
        return 1
    out = Path(args.out)
    companion = Path(args.companion) if args.companion else out.with_name(out.stem + "-roth.csv")
    out.write_bytes(xml)
    companion.write_text(cin_census.companion_csv(found), encoding="utf-8", newline="")
    plans = sum(1 for x in found if x.plan is not None)
    print(f"{len(found)} CIN episodes ({plans} child protection plans) written to {out}; the ROTH mark to {companion}")
    if not args.check:
        return 0
    try:
        findings = census.checked(xml, rows, ruleset, settings.cin_validator_python)
    except CinValidatorError as err:
        print(err, file=sys.stderr)
        return 1
    totals = cin_readiness.summary(findings)
    print(f"{ruleset}: {totals['errors']} errors, {totals['queries']} queries, {totals['journeys_to_fix']} journeys to put right")
    for f in findings:
        where = f"{f.child_id} journey {', '.join(f.journey_ids)}" if f.journey_ids else "the return"
        print(f"  {f.severity} {f.rule_code} ({where}): {f.message}" + (f" {f.fix}" if f.fix else ""))
    return 0 if totals["ready"] else 1
