"""The `pathways` command line."""

from __future__ import annotations

import argparse
import importlib
import os

from domain.roles import ROLES
from settings import DEFAULT_DATA_DIR, exit_directly

# Modules whose register(subparsers) adds subcommands to `pathways audit`.
AUDIT_COMMANDS = ("cli.audit", "cli.audit_replay")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="pathways", description="Safeguarding Pathways: child protection and ROTH journeys.")
    sub = top.add_subparsers(dest="command", required=True)

    def command(name: str, help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_)
        p.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR), help="the embedded service's data folder (default ./var)")
        return p

    up = command("up", "run the embedded service: Temporal dev server, worker, SQLite event log")
    up.add_argument("--temporal-port", type=int, default=7233, help="Temporal's gRPC port; its UI is on this + 1000")
    up.add_argument("--http-port", type=int, default=8000, help="the HTTP service's port")
    command("demo", "drive a few fictional, backdated journeys through the running service")
    journey = command("journey", "print a journey's state, deadlines and chronology (or as it stood: --as-of options)")
    journey.add_argument("journey_id")
    from cli.show import add_as_of_options

    add_as_of_options(journey)
    verify = command("verify", "re-check every hash chain in the event log, then the log against its signed checkpoints")
    verify.add_argument("--page-size", type=int, default=5000,
                        help="events read per query (default 5,000; see docs/deployment.md's operator knobs)")
    verify.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="processes hashing slices of a large log at once (default: one per CPU)")
    rebuild = command("rebuild", "rebuild the read models (journeys, deadlines) from the event log; stop the workers first")
    rebuild.add_argument("--batch-size", type=int, default=1000,
                         help="rows written per INSERT on SQLite (default 1,000; PostgreSQL loads the tables with COPY)")
    rebuild.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                         help="processes folding ranges of journeys at once (default: one per CPU)")
    # `pathways audit ...`: each module in AUDIT_COMMANDS adds its subcommands with register().
    audit = sub.add_parser("audit", help="tamper evidence: signed checkpoints, journey bundles and their offline check")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    for module in AUDIT_COMMANDS:
        importlib.import_module(module).register(audit_commands)
    report = sub.add_parser("report", help="reports from the event log: the ROTH dataset as CSV or XLSX")
    importlib.import_module("cli.report").register(report.add_subparsers(dest="report_command", required=True))
    importlib.import_module("cli.operate").register(sub)
    importlib.import_module("cli.subject_access").register(sub)
    token = sub.add_parser("token", help="bearer tokens for the embedded service's HTTP API")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    create = token_sub.add_parser("create", help="print a new bearer token for one role in one LA")
    create.add_argument("--role", required=True, choices=ROLES, help="the token's role")
    create.add_argument("--la", required=True, help="the LA's three-digit DfE code, e.g. 873")
    create.add_argument("--name", help="who or what will use it (recorded as the actor on what it sends)")
    create.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR), help="the embedded service's data folder (default ./var)")
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "up":
        from cli import up as run
        return run.main(args)
    if args.command == "demo":
        from cli import demo
        return demo.main(args)
    if args.command == "journey":
        from cli import show
        return show.journey_main(args)
    if args.command == "verify":
        # The chains (cli/show.py), then the signed checkpoints (cli/audit.py).
        from cli import audit
        return audit.verify_main(args)
    if args.command in ("audit", "report", "migrate", "probe", "release", "keys", "subject-access"):
        return args.run(args)
    if args.command == "rebuild":
        from cli import rebuild
        return rebuild.main(args)
    if args.command == "token":
        from cli import tokens
        return tokens.create_main(args)
    return 2


def entry() -> None:
    """The installed `pathways` script: run the command, then leave without interpreter
    teardown (settings.exit_directly says why)."""
    exit_directly(main())


if __name__ == "__main__":
    entry()
