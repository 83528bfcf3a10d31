"""Commands a deployment runs: `pathways migrate` (the one-shot schema job), `pathways probe`
(the image's HEALTHCHECK) and `pathways release check` (the gate before new code rolls out)."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from settings import DEFAULT_DATA_DIR

# The application role the migrations create on PostgreSQL (store/migrations/versions/0001).
APP_ROLE = "pathways_app"
# A plain PostgreSQL role name: it is put into a GRANT statement, which takes no parameters.
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
DEFAULT_PROBE_URL = "http://127.0.0.1:8000/healthz"


def register(subparsers) -> None:
    migrate = subparsers.add_parser(
        "migrate", help="bring the database's schema up to this release (a deployment's one-shot job)")
    migrate.add_argument("--grant-to", metavar="ROLE",
                         help=f"PostgreSQL: let this login role act as {APP_ROLE} (what workers and the API connect as)")
    migrate.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR), help="the embedded service's data folder (default ./var)")
    migrate.set_defaults(run=migrate_main)
    probe = subparsers.add_parser(
        "probe", help="exit 0 if a health URL answers 200 ($PATHWAYS_PROBE_URL, default the API's /healthz)")
    probe.add_argument("url", nargs="?", help="the URL to ask (default $PATHWAYS_PROBE_URL or " + DEFAULT_PROBE_URL + ")")
    probe.set_defaults(run=probe_main)
    keys = subparsers.add_parser("keys", help="the sealing key ring: Temporal payloads and webhook secrets")
    keys_commands = keys.add_subparsers(dest="keys_command", required=True)
    for name, help_ in (("show", "the ring's key ids and which one seals (never a key)"),
                        ("rotate", "add a fresh key and make it current; earlier keys still open what they sealed")):
        command = keys_commands.add_parser(name, help=help_)
        command.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR), help="the embedded service's data folder (default ./var)")
        command.set_defaults(run=keys_main)
    release = subparsers.add_parser("release", help="before rolling out new code: will the open journeys replay with it?")
    check = release.add_subparsers(dest="release_command", required=True).add_parser(
        "check", help="replay every open workflow's history on the task queue with this code; exit 1 if any fails")
    check.add_argument("--limit", type=int, help="replay at most this many open workflows (default: all)")
    check.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR), help="the embedded service's data folder (default ./var)")
    check.set_defaults(run=release_check_main)


def migrate_main(args) -> int:
    from sqlalchemy import text

    from cli.service import settings_for
    from sealing.keys import provider_for
    from store.engine import execute_autocommit, make_engine, migrate

    if args.grant_to is not None and not ROLE_NAME.match(args.grant_to):
        print(f"pathways migrate: {args.grant_to!r} is not a plain role name (lower case letters, digits, _)",
              file=sys.stderr)
        return 2
    settings = settings_for(Path(args.data_dir))
    url = settings.database_url
    migrate(url, keys=provider_for(settings))
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            dialect = connection.dialect.name
            revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()
    print(f"The database schema is at {revision}.")
    if args.grant_to is not None:
        if dialect != "postgresql":
            print("pathways migrate: --grant-to is for PostgreSQL (SQLite has no roles)", file=sys.stderr)
            return 2
        execute_autocommit(url, f'GRANT {APP_ROLE} TO "{args.grant_to}"')
        print(f"{args.grant_to} may act as {APP_ROLE}.")
    return 0


def probe_main(args) -> int:
    import httpx

    url = args.url or os.environ.get("PATHWAYS_PROBE_URL") or DEFAULT_PROBE_URL
    try:
        status = httpx.get(url, timeout=5).status_code
    except httpx.HTTPError as err:
        print(f"{url}: {type(err).__name__}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"{url}: {status}", file=sys.stderr)
        return 1
    return 0


def release_check_main(args) -> int:
    import asyncio

    from workflows.release_gate import check_release
    from cli.service import settings_for
    from observability.logs import configure_logging
    from workflows.connection import TemporalUnreachable, connect

    configure_logging("warning")
    settings = settings_for(Path(args.data_dir))

    async def check() -> int:
        try:
            client = await connect(settings)
        except TemporalUnreachable as err:
            print(err, file=sys.stderr)
            return 2
        report = await check_release(client, settings.task_queue, limit=args.limit)
        print(report.describe())
        return 0 if report.ok else 1

    return asyncio.run(check())


def keys_main(args) -> int:
    """`show`, or `rotate`: in place for the data folder's ring; a deployment's ring (given as
    a secret) is printed rotated, to be stored as the secret's new value before the next
    restart of every process (each must hold every key that sealed something still kept)."""
    from cli.service import settings_for
    from sealing.keys import KeyFile, provider_for

    settings = settings_for(Path(args.data_dir))
    provider = provider_for(settings)
    ring = provider.key_ring()
    if args.keys_command == "show":
        for key_id in ring.keys:
            print(f"{key_id}{'  (current: seals)' if key_id == ring.current else '  (opens only)'}")
        return 0
    rotated = ring.rotated()
    if isinstance(provider, KeyFile):
        provider.write(rotated)
        print(f"The ring now seals with {rotated.current}; restart the service's processes to use it.")
        return 0
    print("The ring is given to the service as a secret (PATHWAYS_SEALING_KEYS): store this as its new value, "
          "then restart every process.", file=sys.stderr)
    print(rotated.to_json())
    return 0
