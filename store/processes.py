"""Reading the log in several processes at once, each with its own engine on the database.

Walking the whole log (verification, catch-up) is Python work per event, so one process
uses one CPU however many the machine has. The slices of work are sent to fresh (spawned)
processes: nothing of the caller's threads, connections or locks is inherited.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context
from typing import Iterator

from sqlalchemy import Engine

from store.engine import make_engine

_engines: dict[str, Engine] = {}


def reachable_from_another_process(engine: Engine) -> bool:
    """False for an in-memory SQLite database, which only its own connection can see."""
    return not (engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:"))


def url_of(engine: Engine) -> str:
    """The engine's URL, password included, for a worker process to connect with."""
    return engine.url.render_as_string(hide_password=False)


def engine_for(url: str) -> Engine:
    """In a worker process: one engine per database, kept for the process's later slices."""
    engine = _engines.get(url)
    if engine is None:
        engine = _engines[url] = make_engine(url)
    return engine


@contextmanager
def pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    executor = ProcessPoolExecutor(workers, mp_context=get_context("spawn"))
    try:
        yield executor
    finally:
        # A caller that stops early (a broken chain found) needs none of the slices not yet started.
        executor.shutdown(cancel_futures=True)
