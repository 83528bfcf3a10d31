"""`pathways audit ...`: signed checkpoints of the log, journey bundles and their offline check;
and `pathways verify`, which checks the hash chains and then the log against every checkpoint.

    pathways audit checkpoint              sign a checkpoint over every event now
    pathways audit export JOURNEY_ID       write the journey's bundle (a fresh checkpoint first)
    pathways audit verify BUNDLE           check a bundle (or a consistency proof) offline
    pathways audit consistency --from N    the proof that the latest checkpoint extends checkpoint N
    pathways audit public-key              the checkpoint key's public half, to publish

`register` adds these to the `audit` group (cli/main.py); other modules can add theirs the same
way. Imports are made when a command runs, so that `pathways --help` stays quick and
`audit verify` loads no database code.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from settings import DEFAULT_DATA_DIR


AUDIT_BUNDLE = "audit_bundle"  # the access log's code for an exported bundle


def register(commands: argparse._SubParsersAction) -> None:
    """Add the audit subcommands to `commands` (the `audit` group's subparsers)."""

    def command(name: str, help_: str, run, data_dir: bool = True) -> argparse.ArgumentParser:
        p = commands.add_parser(name, help=help_, description=help_)
        if data_dir:
            p.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR),
                           help="the embedded service's data folder (default ./var)")
        p.set_defaults(run=run)
        return p

    command("checkpoint", "sign and store a checkpoint over every event in the log now", checkpoint_main)
    export = command("export", "write a journey's audit bundle: its events, the latest checkpoint, "
                     "inclusion proofs and the public key", export_main)
    export.add_argument("journey_id")
    export.add_argument("-o", "--output", help="where to write it (default JOURNEY_ID.audit.jsonl; - for stdout)")
    export.add_argument("--no-checkpoint", action="store_true",
                        help="use the latest stored checkpoint instead of signing a fresh one first")
    verify = command("verify", "check an audit bundle (or a consistency proof) offline: no database, no service",
                     verify_bundle_main, data_dir=False)
    verify.add_argument("bundle", help="the bundle file (- for stdin)")
    verify.add_argument("--key", help="a PEM public key to trust instead of the one in the bundle")
    consistency = command("consistency", "print the proof (JSON) that a later stored checkpoint extends an "
                          "earlier one", consistency_main)
    consistency.add_argument("--from", dest="from_size", type=int, required=True,
                             help="tree size of the earlier checkpoint")
    consistency.add_argument("--to", dest="to_size", type=int, help="tree size of the later one (default: the latest)")
    command("public-key", "print the checkpoint signing key's public half (PEM) and its key id", public_key_main)


def _settings(args):
    from cli.service import settings_for

    return settings_for(Path(args.data_dir))


def _store(settings):
    from services.wiring import open_store

    return open_store(settings)


def _key(settings):
    """The signing key from its file; a clear exit if there is none."""
    from audit.statements import load_private_key

    path = settings.checkpoint_key_path
    if not path.exists():
        raise SystemExit(f"No checkpoint signing key at {path}: start the service once (pathways up, or "
                         "python -m worker), or set PATHWAYS_CHECKPOINT_KEY_FILE.")
    return load_private_key(path)


def _describe(checkpoint) -> str:
    return (f"positions 1..{checkpoint.tree_size}, root {checkpoint.root_hash}, signed {checkpoint.signed_at} "
            f"with key {checkpoint.key_id}")


def checkpoint_main(args) -> int:
    from audit.checkpoints import CheckpointRefused
    from services.audit_trail import write_checkpoint
    from observability.logs import configure_logging

    configure_logging("warning")
    settings = _settings(args)
    try:
        checkpoint = write_checkpoint(_store(settings), _key(settings))
    except CheckpointRefused as refused:
        print(f"REFUSED at position {refused.position}: {refused.reason}. Nothing was signed; see pathways verify.")
        return 1
    if checkpoint is None:
        print("The event log is empty: nothing to sign yet.")
        return 0
    print(f"Checkpoint: {_describe(checkpoint)}")
    return 0


def export_main(args) -> int:
    from audit.bundle import NothingToExport, verify_bundle
    from audit.checkpoints import CheckpointRefused
    from cli.show import record_cli_read
    from services.audit_trail import export_bundle, write_checkpoint
    from observability.logs import configure_logging

    configure_logging("warning")
    settings = _settings(args)
    store, key = _store(settings), _key(settings)
    if not args.no_checkpoint:
        try:
            write_checkpoint(store, key)
        except CheckpointRefused as refused:
            # Export against the latest checkpoint all the same: the bundle shows the problem.
            print(f"No fresh checkpoint (refused at position {refused.position}: {refused.reason}); "
                  "exporting against the latest stored one.", file=sys.stderr)
    try:
        text = export_bundle(store, args.journey_id, key)
    except NothingToExport as nothing:
        print(f"Nothing exported: {nothing}.", file=sys.stderr)
        return 1
    # A bundle hands over the journey's events: a read like any other, recorded first
    # (a context case's bundle is about a place, not a young person).
    journey = store.journey(args.journey_id)
    if journey is not None and not record_cli_read(store, args.journey_id, journey.local_authority, AUDIT_BUNDLE):
        return 1
    output = args.output or f"{args.journey_id}.audit.jsonl"
    if output == "-":
        sys.stdout.write(text)
    else:
        Path(output).write_text(text, encoding="utf-8")
    result = verify_bundle(text)
    where = "stdout" if output == "-" else output
    if result.ok:
        print(f"Exported {result.events_checked} events of journey {args.journey_id} to {where}, against checkpoint "
              f"{_describe(result.checkpoint)}.", file=sys.stderr)
        return 0
    print(f"Exported journey {args.journey_id} to {where}, but it does NOT verify: {_problem(result.problem)}. "
          "The live log no longer matches the checkpoint; run pathways verify.", file=sys.stderr)
    return 1


def _problem(problem) -> str:
    where = []
    if problem.position is not None:
        where.append(f"position {problem.position}")
    if problem.version is not None:
        where.append(f"version {problem.version}")
    if problem.event_id is not None:
        where.append(f"event {problem.event_id}")
    if problem.line is not None:
        where.append(f"line {problem.line}")
    return (f"at {', '.join(where)}: " if where else "") + problem.reason


def verify_bundle_main(args) -> int:
    """Offline: reads files only."""
    from audit.bundle import CONSISTENCY_KIND, verify_bundle, verify_consistency_document

    data = sys.stdin.buffer.read() if args.bundle == "-" else Path(args.bundle).read_bytes()
    pinned = Path(args.key).read_text() if args.key else None
    if _kind_of_first_line(data) == CONSISTENCY_KIND:
        checked = verify_consistency_document(data, pinned)
        if checked.ok:
            print("OK: the later checkpoint extends the earlier one; both signatures verify.")
            return 0
        print(f"BROKEN: {checked.reason}")
        return 1
    result = verify_bundle(data, pinned)
    if result.ok:
        checkpoint = result.checkpoint
        print(f"OK: journey {result.journey_id}, {result.events_checked} events; every hash recomputes, the chain "
              f"links, and each event is in the log signed by checkpoint {_describe(checkpoint)}.")
        if not pinned:
            print(f"Compare key id {result.key_id} with the one the local authority publishes "
                  "(or pass --key with its public key).")
        return 0
    print(f"BROKEN {_problem(result.problem)}")
    return 1


def _kind_of_first_line(data: bytes) -> object:
    import json

    try:
        first = json.loads(data.split(b"\n", 1)[0])
    except ValueError:
        return None
    return first.get("kind") if isinstance(first, dict) else None


def consistency_main(args) -> int:
    from audit.bundle import NothingToExport
    from services.audit_trail import consistency_document
    from observability.logs import configure_logging

    configure_logging("warning")
    settings = _settings(args)
    try:
        sys.stdout.write(consistency_document(_store(settings), args.from_size, args.to_size, _key(settings)))
    except NothingToExport as nothing:
        print(f"No proof: {nothing}.", file=sys.stderr)
        return 1
    return 0


def public_key_main(args) -> int:
    from audit.statements import key_id, public_key_pem

    key = _key(_settings(args))
    sys.stdout.write(public_key_pem(key))
    print(f"key id {key_id(key)}", file=sys.stderr)
    return 0


def verify_main(args) -> int:
    """`pathways verify`: the hash chains (store/verify.py, naming the first broken event),
    then the live log against every signed checkpoint (audit/checkpoints.py), which finds what
    the chains cannot: events removed from the end, or a history rewritten with fresh hashes."""
    from concurrent.futures import ThreadPoolExecutor

    from cli import show
    from services.audit_trail import check_log
    from observability.logs import configure_logging

    configure_logging("warning")
    settings = _settings(args)
    public_key = None
    if settings.checkpoint_key_path.exists():
        from audit.statements import load_private_key

        public_key = load_private_key(settings.checkpoint_key_path).public_key()
    # The checkpoints are checked on a thread while the chains are (mostly in other
    # processes): reading the hashes and building the tree then costs almost no extra time.
    with ThreadPoolExecutor(1, thread_name_prefix="checkpoints") as pool:
        checking = pool.submit(check_log, _store(settings), public_key)
        chains = show.verify(Path(args.data_dir), args.page_size, args.workers)
        checked = checking.result()
    if not checked.ok:
        problem = checked.problem
        at = f"position {problem.position}" if problem.position is not None else f"checkpoint {problem.tree_size}"
        print(f"BROKEN at {at}: {problem.reason}")
        return 1
    if checked.checkpoints_checked == 0:
        print("No signed checkpoints yet (pathways audit checkpoint).")
    else:
        signed = ("every signature verifies" if public_key is not None
                  else "signatures not checked: no key file here")
        print(f"OK: the log agrees with all {checked.checkpoints_checked} signed checkpoints, the latest covering "
              f"positions 1..{checked.latest.tree_size} ({signed}).")
    return chains
