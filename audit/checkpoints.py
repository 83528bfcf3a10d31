"""Signed checkpoints over the whole event log, and checking the live log against them.

The per-journey hash chains (store/chain.py) show that nothing inside the log was altered,
but not that the newest events are all still there, nor that the whole log was not rewritten
with freshly computed hashes: the hashes carry no secret. A checkpoint does: the RFC 6962
Merkle root (audit/merkle.py) over the hashes of events 1..tree_size, with its size and time,
signed with an Ed25519 key that lives in a file outside the database (audit/statements.py).
Someone who can change the database but not read that file cannot make a checkpoint agree
with a rewritten history, and a checkpoint kept elsewhere (an export bundle, an auditor's
note of the root) pins the log as it was.

What a checkpoint covers: the first `tree_size` positions, all committed. Positions are
assigned in commit order under the append lock (R4 in store/events.py), so every position up
to the largest one a snapshot sees is committed and none can appear below it later; the
checkpoint takes that largest position and reads positions 1.. up to it in keyset pages,
refusing if any is missing.

A new checkpoint must extend the latest one: `write_checkpoint` recomputes the latest one's
root from the same leaves and refuses to sign anything if the log has since lost events or
changed below it (`CheckpointRefused`, naming the position). `check_log` (run by
`pathways verify`) compares every stored checkpoint with the live log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from typing import Callable

import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError

from audit.merkle import MerkleTree
from audit.statements import Checkpoint, event_leaf, format_time, key_id, sign_checkpoint
from store import log
from store.schema import checkpoints, events

logger = structlog.get_logger(__name__)

PAGE_SIZE = 20_000


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class CheckpointRefused(Exception):
    """The live log does not extend the latest checkpoint: nothing was signed."""

    def __init__(self, position: int, reason: str) -> None:
        super().__init__(f"position {position}: {reason}")
        self.position = position
        self.reason = reason


# --- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Leaves:
    """The log's event hashes in position order, as stored."""

    hashes: list[str]
    # The first position that is not the one after its predecessor (a removed or moved
    # event), and what was there instead; None when positions run 1, 2, 3 ... without a gap.
    first_gap: int | None = None
    found_at_gap: int | None = None

    def leaves(self) -> list[bytes]:
        return [event_leaf(h) for h in self.hashes]


def _hash_page(connection: Connection, after: int, limit: int, up_to: int | None = None) -> list:
    query = select(events.c.position, events.c.hash).where(events.c.position > after)
    if up_to is not None:
        query = query.where(events.c.position <= up_to)
    return connection.execute(query.order_by(events.c.position).limit(limit)).all()


def read_leaves(engine: Engine, up_to: int | None = None, page_size: int = PAGE_SIZE) -> Leaves:
    """The hashes of the events at positions up to `up_to` (all of them if None), in position
    order, read in keyset pages (each its own short read transaction)."""
    hashes: list[str] = []
    first_gap = found = None
    expected = 1
    for page in log.read_ahead(engine, partial(_hash_page, up_to=up_to), page_size):
        for position, event_hash in page:
            if position != expected and first_gap is None:
                first_gap, found = expected, position
            hashes.append(event_hash)
            expected = position + 1
    return Leaves(hashes, first_gap, found)


def _checkpoint(row) -> Checkpoint:
    return Checkpoint(row.tree_size, row.root_hash, format_time(row.signed_at), row.key_id, row.signature)


def latest_checkpoint(engine: Engine) -> Checkpoint | None:
    with engine.connect() as connection:
        return _latest(connection)


def _latest(connection: Connection) -> Checkpoint | None:
    row = connection.execute(select(checkpoints).order_by(checkpoints.c.tree_size.desc()).limit(1)).first()
    return _checkpoint(row) if row is not None else None


def all_checkpoints(engine: Engine) -> list[Checkpoint]:
    """Every stored checkpoint, smallest first."""
    with engine.connect() as connection:
        return [_checkpoint(row) for row in connection.execute(select(checkpoints).order_by(checkpoints.c.tree_size))]


def checkpoint_of_size(engine: Engine, tree_size: int) -> Checkpoint | None:
    with engine.connect() as connection:
        row = connection.execute(select(checkpoints).where(checkpoints.c.tree_size == tree_size)).first()
    return _checkpoint(row) if row is not None else None


def first_checkpoint_covering(engine: Engine, position: int) -> Checkpoint | None:
    """The earliest checkpoint whose tree includes `position`."""
    with engine.connect() as connection:
        row = connection.execute(
            select(checkpoints).where(checkpoints.c.tree_size >= position)
            .order_by(checkpoints.c.tree_size).limit(1)
        ).first()
    return _checkpoint(row) if row is not None else None


# --- writing ----------------------------------------------------------------------------------


def write_checkpoint(
    engine: Engine, key: Ed25519PrivateKey, *, clock: Callable[[], datetime] = utc_now,
    page_size: int = PAGE_SIZE,
) -> Checkpoint | None:
    """Sign and store a checkpoint over every committed event; None while the log is empty.

    Idempotent: if the latest checkpoint already covers the whole log, it is returned as it
    is; two writers racing for the same size store one row and both return it. Raises
    `CheckpointRefused` if the log does not extend the latest checkpoint.
    """
    with engine.connect() as connection:
        size = log.last_position(connection)
        latest = _latest(connection)
    if latest is not None and latest.tree_size >= size:
        if latest.tree_size > size:
            raise CheckpointRefused(
                size + 1, f"the log ends at position {size}, but checkpoint {latest.tree_size} "
                f"(signed {latest.signed_at}) covers positions 1..{latest.tree_size}",
            )
        return latest
    if size == 0:
        return None

    found = read_leaves(engine, size, page_size)
    if found.first_gap is not None:
        raise CheckpointRefused(
            found.first_gap, f"position {found.first_gap} missing: the log jumps to {found.found_at_gap}"
        )
    tree = MerkleTree(found.leaves())
    if latest is not None and tree.root(latest.tree_size).hex() != latest.root_hash:
        raise CheckpointRefused(
            1, f"the first {latest.tree_size} events no longer hash to checkpoint {latest.tree_size}'s root "
            f"(signed {latest.signed_at}): the log was changed at or before position {latest.tree_size}",
        )
    checkpoint = sign_checkpoint(key, size, tree.root().hex(), clock())
    return _store(engine, checkpoint)


def _store(engine: Engine, checkpoint: Checkpoint) -> Checkpoint:
    row = {
        **checkpoint.as_json(),
        "signed_at": datetime.fromisoformat(checkpoint.signed_at),
        "created_at": utc_now(),
    }
    try:
        with engine.begin() as connection:
            connection.execute(checkpoints.insert().values(row))
    except IntegrityError:
        # Another writer signed the same size first: theirs stands.
        stored = checkpoint_of_size(engine, checkpoint.tree_size)
        if stored is None:
            raise
        if stored.root_hash != checkpoint.root_hash:
            raise CheckpointRefused(
                1, f"checkpoint {checkpoint.tree_size} was stored meanwhile with another root"
            ) from None
        return stored
    logger.info("checkpoint_written", tree_size=checkpoint.tree_size, root_hash=checkpoint.root_hash,
                key_id=checkpoint.key_id)
    return checkpoint


# --- checking the live log ----------------------------------------------------------------------


@dataclass(frozen=True)
class LogProblem:
    """The first place the live log disagrees with a stored checkpoint."""

    position: int | None  # the first position the disagreement can be pinned to
    tree_size: int  # the checkpoint it disagrees with
    reason: str


@dataclass(frozen=True)
class LogCheck:
    ok: bool
    checkpoints_checked: int  # checkpoints that agree with the log, before the first problem
    signatures_checked: int  # of those, how many signatures were verified (with `public_key`)
    latest: Checkpoint | None  # the largest checkpoint found sound
    problem: LogProblem | None


def check_log(
    engine: Engine, public_key: Ed25519PublicKey | None = None, page_size: int = PAGE_SIZE
) -> LogCheck:
    """Every stored checkpoint against the live log, smallest first: its signature (if
    `public_key` is given and signed it), that the log still reaches its size, and that the
    log's first tree_size events still hash to its root. Names the first disagreement.

    A changed root can only be narrowed to the positions since the previous sound checkpoint
    (a root does not say which leaf differs); `pathways verify` checks the hash chains first,
    which name the exact event for everything but a consistently rehashed history."""
    stored = all_checkpoints(engine)
    if not stored:
        return LogCheck(True, 0, 0, None, None)
    found = read_leaves(engine, stored[-1].tree_size, page_size)
    tree = MerkleTree(found.leaves())
    ours = key_id(public_key) if public_key is not None else None
    sound: Checkpoint | None = None
    signatures = 0
    for index, checkpoint in enumerate(stored):
        problem = None
        if public_key is not None:
            # Strict: there is one signing key (rotating it is not supported yet), so a
            # checkpoint under any other key was not written by this service.
            if checkpoint.key_id != ours:
                problem = LogProblem(None, checkpoint.tree_size, f"checkpoint {checkpoint.tree_size} names key "
                                     f"{checkpoint.key_id}, not this service's key {ours}")
            elif not checkpoint.verifies_with(public_key):
                problem = LogProblem(None, checkpoint.tree_size, f"checkpoint {checkpoint.tree_size}'s signature does not verify")
            else:
                signatures += 1
        if problem is None:
            problem = _disagreement(checkpoint, found, tree, sound)
        if problem is not None:
            logger.warning("checkpoint_check_failed", tree_size=problem.tree_size, position=problem.position,
                           reason=problem.reason)
            return LogCheck(False, index, signatures, sound, problem)
        sound = checkpoint
    logger.info("checkpoints_checked", checkpoints=len(stored), latest=sound.tree_size if sound else 0)
    return LogCheck(True, len(stored), signatures, sound, None)


def _disagreement(
    checkpoint: Checkpoint, found: Leaves, tree: MerkleTree, sound: Checkpoint | None
) -> LogProblem | None:
    size = checkpoint.tree_size
    if found.first_gap is not None and found.first_gap <= size:
        return LogProblem(found.first_gap, size, f"position {found.first_gap} missing (the log jumps to "
                          f"{found.found_at_gap}), but checkpoint {size} covers positions 1..{size}")
    if tree.size < size:
        return LogProblem(tree.size + 1, size, f"the log ends at position {tree.size}, but checkpoint {size} "
                          f"(signed {checkpoint.signed_at}) covers positions 1..{size}: events removed from the end")
    if tree.root(size).hex() != checkpoint.root_hash:
        since = sound.tree_size + 1 if sound is not None else 1
        return LogProblem(since, size, f"the events at positions 1..{size} no longer hash to checkpoint {size}'s root "
                          f"(signed {checkpoint.signed_at}): something at positions {since}..{size} changed")
    return None
