"""Whether the event log is as it was written: every journey's hash chain checked from its
first event (store/verify.py), for `pathways verify`."""

from __future__ import annotations

from store.events import EventStore
from store.verify import PAGE_SIZE, Verification, verify_log

__all__ = ["PAGE_SIZE", "verify"]


def verify(store: EventStore, page_size: int = PAGE_SIZE, workers: int = 1) -> Verification:
    return verify_log(store.engine, page_size, workers)
