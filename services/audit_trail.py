"""The auditors' tools over the event log (audit/): signed checkpoints, a journey's bundle for
offline verification, a consistency proof between two checkpoints, and the live log checked
against every checkpoint, for the `pathways audit` and `pathways verify` commands. The
signing key is the caller's to load; these hand the tools the store's database."""

from __future__ import annotations

from audit import bundle, checkpoints
from store.events import EventStore


def write_checkpoint(store: EventStore, key):
    """Sign the log as it stands (None if it is empty); raises CheckpointRefused."""
    return checkpoints.write_checkpoint(store.engine, key)


def export_bundle(store: EventStore, journey_id: str, key) -> str:
    """The journey's events with their proofs against the latest checkpoint; raises NothingToExport."""
    return bundle.export_bundle(store.engine, journey_id, key)


def consistency_document(store: EventStore, from_size: int, to_size: int, key) -> str:
    return bundle.consistency_document(store.engine, from_size, to_size, key)


def check_log(store: EventStore, public_key):
    """The live log against every signed checkpoint."""
    return checkpoints.check_log(store.engine, public_key)
