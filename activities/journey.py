"""The journey's one side effect: append its events and update the read models, atomically.

Thin on purpose: the workflow has already decided everything (events, ids, read-model rows);
this turns plain payloads into the store's records and makes one transaction. Retrying it is
safe because the store ignores a batch whose event ids it already holds; a failure that
retrying could not mend (store/errors.py is_deterministic) is not retried. Context cases
(workflows/contexts.py) persist their events through it too, with no read models.

An append that may give way (the journey's clock, workflows/journey.py) goes through a store
whose engine waits at most GIVE_WAY_SECONDS for the database's lock and fails rather than
wait longer, so that the clock does not hold its journey while commands queue behind it.
"""

from __future__ import annotations

import contextlib
import threading

import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.codec import from_data
from activities.names import (
    CHECK_LOG_TAKES_APPENDS, COMMAND_ID_REUSED, NOT_RECORDABLE, PERSIST_JOURNEY_EVENTS, READ_STREAM_AFTER, STREAM_AHEAD,
)
from observability.metrics import DEADLINES_MISSED, EVENTS_APPENDED
from store.errors import CommandIdReused, StaleVersion, is_deterministic
from store.port import EventStore
from store.records import CommandRequest, DeadlineRow, JourneySummary, NewEvent, Notification, event_view


# How long an append that may give way waits for the database (and this worker's queue).
GIVE_WAY_SECONDS = 2.0

logger = structlog.get_logger(__name__)


class JourneyActivities:
    def __init__(self, store: EventStore, give_way: EventStore | None = None) -> None:
        """`give_way`: the same database through an engine waiting at most GIVE_WAY_SECONDS
        for a lock (worker.py makes it); without it, such appends wait as any other."""
        self._store = store
        self._give_way = give_way or store
        # SQLite has one writer at a time, and a writer that finds the lock taken sleeps in
        # growing steps (its busy timeout) instead of waking when the lock frees: with a few
        # commands at once, appends spent most of their time asleep. This worker's appends
        # queue here instead and follow each other at once. Appends are serialised by the
        # store in any case (R4), so nothing that could run in parallel waits.
        sqlite = store.engine.dialect.name == "sqlite"
        self._append_turn = threading.Lock() if sqlite else None

    @activity.defn(name=PERSIST_JOURNEY_EVENTS)
    def persist_journey_events(self, request: dict) -> list[dict]:
        try:
            return self._persist(request)
        except Exception as error:
            if not is_deterministic(error):
                raise  # retried: it may pass once the database is back
            # Retrying would fail the same way for ever, and the journey would wait on it:
            # the workflow refuses the command instead (workflows/refusals.py). Named by its
            # type only: the message may quote the value the database refused.
            logger.warning("append_refused", stream=request.get("stream"), error=type(error).__name__)
            raise ApplicationError(
                f"the event log cannot store these events ({type(error).__name__})",
                type=NOT_RECORDABLE, non_retryable=True,
            ) from None

    def _persist(self, request: dict) -> list[dict]:
        events = [from_data(NewEvent, e) for e in request["events"]]
        # A context case's stream (workflows/contexts.py) has no journey read models: its
        # summary and deadlines are None, which the store takes as "leave them alone".
        summary = None if request["summary"] is None else from_data(JourneySummary, request["summary"])
        deadlines = None if request["deadlines"] is None else [from_data(DeadlineRow, d) for d in request["deadlines"]]
        notifications = [from_data(Notification, n) for n in request["notifications"]]
        command = None if request.get("request") is None else from_data(CommandRequest, request["request"])
        store = self._give_way if request.get("give_way") else self._store
        try:
            with self._turn(request.get("give_way")):
                stored = store.append(
                    request["stream"], request["expected_version"], events,
                    summary=summary, deadlines=deadlines, notifications=notifications, request=command,
                )
        except CommandIdReused:
            # Deterministic: the workflow refuses the command (workflows/refusals.py), no retry.
            raise ApplicationError("command id answered another request", type=COMMAND_ID_REUSED,
                                   non_retryable=True) from None
        except StaleVersion as stale:
            if stale.actual < stale.expected:
                raise  # the log behind the workflow: not for a retry to mend, but not to hide either
            # The log holds events the workflow has not seen: retrying the same append would
            # fail the same way for ever; the workflow reads them and decides again.
            raise ApplicationError(f"the stream is at version {stale.actual}", type=STREAM_AHEAD,
                                   non_retryable=True) from None
        _count(stored, summary.local_authority if summary else "")
        return [event_view(e) for e in stored]

    @activity.defn(name=READ_STREAM_AFTER)
    def read_stream_after(self, stream: str, version: int) -> list[dict]:
        """The stream's events after `version`, as the persist activity answers them."""
        return [event_view(e) for e in self._store.read_stream(stream, version)]

    @activity.defn(name=CHECK_LOG_TAKES_APPENDS)
    def check_log_takes_appends(self) -> bool:
        """Whether the log takes appends again (the clock asks after giving way); writes nothing."""
        return self._give_way.takes_appends()

    @contextlib.contextmanager
    def _turn(self, give_way: bool):
        """This worker's queue for SQLite's one writer; an append that may give way waits in
        it at most GIVE_WAY_SECONDS, as it would for the database's lock."""
        if self._append_turn is None:
            yield
            return
        if not self._append_turn.acquire(timeout=GIVE_WAY_SECONDS if give_way else -1):
            raise TimeoutError("this worker's appends did not make way in time")
        try:
            yield
        finally:
            self._append_turn.release()


def _count(stored, local_authority: str) -> None:
    """For Prometheus: events appended, and statutory deadlines recorded missed, by LA (a
    context case's stream carries no summary, so its events count under no LA)."""
    EVENTS_APPENDED.labels(local_authority).inc(len(stored))
    missed = sum(1 for e in stored if e.type == "DeadlineMissed")
    if missed:
        DEADLINES_MISSED.labels(local_authority).inc(missed)
