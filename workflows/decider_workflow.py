"""The skeleton a journey's and a context case's workflows share: a decider held durably.

Each workflow holds one stream's state and the rules' `decide` and `evolve` for it. A
command arrives as a Temporal update whose update id is the caller's command_id: the
validator decides it, so a refused command leaves no trace in history; the handler, under
the lock, takes the validator's decision unless the state or the day moved in between (then
it decides again), and awaits the append of the events (with the read models, in one
transaction) before it answers. Answers are kept for retries, also across continue-as-new.
Between commands the run loop sleeps until the next day the rules name, and the clock
records what it finds there as events of its own (once a day at most if the log refuses
them). Each run ends in continue-as-new before Temporal's limit of updates in a run.

What differs between journeys and context cases is named by the subclass: the rules, the
opening command, what the append carries besides the events, the view, and the input a
next run starts from. The clock that gives way to commands after an outage
(`_clock_gives_way`) lives here too, switched on by the subclass for the runs that have it.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime, timedelta
from typing import Any, Callable

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, TimeoutError as ActivityTimedOut

with workflow.unsafe.imports_passed_through():
    from activities.names import CHECK_LOG_TAKES_APPENDS, PERSIST_JOURNEY_EVENTS, READ_STREAM_AFTER
    from domain.calendar import WorkingDayCalendar
    from domain.codec import from_data
    from domain.errors import DomainError
    from domain.events import SCHEMA_VERSION, encode
    from domain.model import Actor
    from workflows.local_time import london_date, wake_time

from workflows.refusals import (
    VALUE_CHECKS_PATCH, LogAhead, clock_wake, persisted, refusal, refusing_the_unforeseen,
)

CLOCK = Actor("journey-clock", "system")
# Stream and event ids are uuid5 names under this namespace: the same command always yields
# the same ids, so a retried append inserts nothing twice.
EVENT_NAMESPACE = uuid.UUID("6f1c1d1e-3c1a-4c55-9a57-0d5b3c2f7a10")
# How long a workflow waits for its opening command before giving up (a refused opening).
START_GRACE = timedelta(minutes=10)
# Answers kept whole for retries after continue-as-new; older command ids are kept bare.
ANSWERS_CARRIED = 50
PERSIST_TIMEOUT = timedelta(seconds=30)
PERSIST_RETRY = RetryPolicy(maximum_interval=timedelta(seconds=30))
# The clock's append is tried once when it gives way: if the database does not take it
# promptly (the worker bounds its wait, activities/journey.py), it looks again later.
GIVE_WAY_RETRY = RetryPolicy(maximum_attempts=1)
# How a local activity's failure reaches the workflow (its own error, not always wrapped).
ACTIVITY_FAILED = (ActivityError, ApplicationError, ActivityTimedOut)
# Between looks at a database that did not take the clock's append: from the quiet period,
# doubling up to this.
DATABASE_BACKOFF_MAX = timedelta(minutes=5)
# What the clock did when it looked (_observe_clock).
OBSERVED, COMMANDS_FIRST, DATABASE_BUSY = "observed", "commands first", "database busy"
# Runs that pass this patch take in what the log holds beyond their version (LogAhead) and
# go on; asked only when it happens.
CATCH_UP_PATCH = "catch-up-with-the-log"
# Runs that pass this patch have the clock read the log after their version before it judges:
# a lost workflow task's events are taken in even when no later append meets them.
CLOCK_READS_LOG_PATCH = "clock-reads-the-log-first"


def stream_id_for(workflow_id: str, opening_command_id: str) -> str:
    """A stream's id (a journey's or a context case's): one per opening command, so a later
    referral (a new run of the same workflow id) opens a new stream of its own."""
    return str(uuid.uuid5(EVENT_NAMESPACE, f"{workflow_id}/{opening_command_id}"))


def event_id(stream_id: str, command_id: str, index: int) -> str:
    return str(uuid.uuid5(EVENT_NAMESPACE, f"{stream_id}/{command_id}/{index}"))


def command_request(local_authority: str, command_id: str, request_hash: str) -> dict:
    """What the append records of the client's request (R7, store/port.py)."""
    return {"local_authority": local_authority, "command_id": command_id, "request_hash": request_hash}


def event_rows(stream_id: str, command_id: str, actor: Actor, events: list) -> list[dict]:
    """The events as the persist activity appends them."""
    rows = []
    for i, ev in enumerate(events):
        name, occurred_on, data = encode(ev)
        rows.append({
            "event_id": event_id(stream_id, command_id, i), "type": name, "occurred_on": occurred_on,
            "actor": actor.id, "actor_role": actor.role, "command_id": command_id,
            "schema_version": SCHEMA_VERSION, "data": data,
        })
    return rows


class DeciderWorkflow:
    """The shared mechanics; a subclass is the `@workflow.defn` and names its updates."""

    # The answer's key for the stream's id ("journey_id", "case_id").
    STREAM_KEY = "stream_id"
    # Who the clock is, in the log's warnings.
    KIND = "stream"

    def __init__(self, input: Any, state: Any, decide: Callable, evolve: Callable) -> None:
        # Update-with-start can run the opening handler before run(), so all state is set here.
        self._input = input
        self._calendar = WorkingDayCalendar.from_dict(input.calendar)
        self._state = state
        self._decide_with = decide
        self._evolve_with = evolve
        self._answers: dict[str, dict] = dict(input.answers)
        self._seen: set[str] = set(input.command_ids) | set(self._answers)
        self._lock = asyncio.Lock()
        # The validator's decision, kept for the handler (see _decide).
        self._validated: tuple | None = None
        self._changed = False
        # Commands waiting for the lock or holding it (the clock gives way to them).
        self._commands_in_hand = 0
        self._updates_this_run = 0
        # The day the log last refused what the clock found (see _observe_clock).
        self._clock_refused_on: date | None = None
        # Set by subclasses whose runs have them (see the journey's RECOVERY_PATCH).
        self._clock_gives_way = False
        # Whether reaching the run's update cap wakes the run loop to continue as new at
        # once (rather than after the next accepted command or wake).
        self._cap_wakes_the_loop = True

    # --- what a subclass names -------------------------------------------------------------

    def _stream_id(self) -> str | None:
        raise NotImplementedError

    def _started(self) -> bool:
        raise NotImplementedError

    def _view(self) -> dict:
        raise NotImplementedError

    def _next_wake(self, today: date) -> date | None:
        """The next day the rules want the clock to look, from `today`."""
        raise NotImplementedError

    def _clock_command(self, command_id: str, today: date):
        """The command by which the clock asks the rules what `today` brings."""
        raise NotImplementedError

    def _append_request(self, command_id: str, actor: Actor, events: list) -> tuple[Any, dict, Any]:
        """The state after `events`, the persist activity's request, and whatever
        `_after_append` needs of it."""
        raise NotImplementedError

    async def _after_append(self, request: dict, summary: Any) -> dict:
        """Done once the log holds the events (the new state is held): the view to answer with."""
        return self._view()

    def _event_from(self, row: dict):
        """A stored event (as the log's activities answer it) as the rules' event."""
        raise NotImplementedError

    def _carry_over(self) -> Any:
        """The input the next run starts from (see `_answers_to_carry`)."""
        raise NotImplementedError

    def _quiet_period(self) -> timedelta | None:
        """How long the clock waits without a command before it judges; None: it does not wait."""
        return None

    def _wake_time(self, day: date) -> datetime:
        return wake_time(day, workflow.info().workflow_id)

    def _persists_in_workflow_task(self) -> bool:
        """False where a run recorded its appends as activity tasks (old journeys' runs)."""
        return True

    # --- the run loop ----------------------------------------------------------------------

    async def _run(self, not_opened: dict) -> dict:
        """Sleep and observe until the stream closes; `not_opened` if no opening command came."""
        if not self._started():
            if not await self._wait_for(self._started, START_GRACE):
                return not_opened
        while not self._state.closed:
            looked = await self._observe_clock()
            if self._state.closed:
                break
            if self._time_to_continue_as_new():
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(self._carry_over())
            if looked == COMMANDS_FIRST:
                await self._settle(afresh=True)
                continue
            if looked == DATABASE_BUSY:
                await self._wait_for_database()
                continue
            today = self._today()
            wake = clock_wake(self._next_wake(today), self._clock_refused_on, today)
            timeout = None if wake is None else max(self._wake_time(wake) - workflow.now(), timedelta(seconds=1))
            self._changed = False
            since = workflow.now()
            if await self._wait_for(self._woken, timeout):
                await self._settle()
            elif self._handled_late(since, timeout):
                await self._settle(afresh=True)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._view()

    def _woken(self) -> bool:
        return self._changed or (self._cap_wakes_the_loop and self._time_to_continue_as_new())

    async def _wait_for(self, condition, timeout: timedelta | None) -> bool:
        """True if `condition` came true, False if the timeout passed first."""
        try:
            await workflow.wait_condition(condition, timeout=timeout)
            return True
        except asyncio.TimeoutError:
            return False

    async def _settle(self, afresh: bool = False) -> None:
        """Wait until the quiet period passes without a command, if one has been taken since
        the last wait (or, `afresh`, in any case). A quiet period whose timer was handled
        long after it fell due was not quiet, and is waited again."""
        quiet = self._quiet_period()
        if quiet is None:
            return
        again = afresh
        while (self._changed or again) and not self._state.closed and not self._time_to_continue_as_new():
            self._changed = False
            since = workflow.now()
            again = not await self._wait_for(lambda: self._changed, quiet) and self._handled_late(since, quiet)

    def _handled_late(self, since: datetime, timeout: timedelta | None) -> bool:
        """Whether a timer set at `since` for `timeout` is being handled more than a quiet
        period after it fell due: the worker, Temporal or the database under it was down,
        and no client could send the commands the quiet period waits for."""
        quiet = self._quiet_period()
        if not self._clock_gives_way or timeout is None or quiet is None or quiet <= timedelta(0):
            return False
        return workflow.now() - (since + timeout) > quiet

    async def _wait_for_database(self) -> None:
        """After the database did not take the clock's append: look again, backing off,
        until the log takes appends (or a command's append shows that it does), then grant
        the quiet period afresh: the clients the outage turned away are sending again."""
        delay = max(self._quiet_period() or timedelta(0), timedelta(seconds=1))
        while not self._state.closed and not self._time_to_continue_as_new():
            self._changed = False
            if await self._wait_for(lambda: self._changed or self._time_to_continue_as_new(), delay):
                break
            if await self._log_takes_appends():
                break
            delay = min(delay * 2, DATABASE_BACKOFF_MAX)
        await self._settle(afresh=True)

    async def _log_takes_appends(self) -> bool:
        try:
            return await workflow.execute_local_activity(
                CHECK_LOG_TAKES_APPENDS, start_to_close_timeout=PERSIST_TIMEOUT, retry_policy=GIVE_WAY_RETRY,
                result_type=bool,
            )
        except ACTIVITY_FAILED:
            return False

    def _time_to_continue_as_new(self) -> bool:
        return (
            workflow.info().is_continue_as_new_suggested()
            or self._updates_this_run >= self._input.max_updates_per_run
        )

    def _answers_to_carry(self) -> dict[str, dict]:
        """The latest answers, without their state (it would make continue-as-new's input too
        large): a retry is answered with the stream as it stands then."""
        recent = list(self._answers)[-ANSWERS_CARRIED:]
        return {k: {key: v for key, v in self._answers[k].items() if key != "state"} for k in recent}

    # --- commands --------------------------------------------------------------------------

    def _opening_stream_id(self, request: dict) -> str:
        return stream_id_for(workflow.info().workflow_id, str(request.get("command_id")))

    def _opening_command(self, kind: type, name: str, request: dict, fixed: dict):
        """The opening command (`name` in the refusal) with what the workflow fixes (`fixed`:
        its stream id, the LA) over the request's."""
        try:
            return from_data(kind, {**request, **fixed})
        except (TypeError, ValueError, KeyError, AttributeError) as err:
            raise DomainError("invalid_value", f"The {name} command is malformed: {err}.") from None

    def _validate(self, request: dict, parse) -> None:
        if request.get("command_id") in self._seen:
            return  # a retry: the handler answers it
        try:
            self._decide(request, parse, check_values=True)
        except DomainError as err:
            raise refusal(err, self._stream_id()) from None

    def _decide(self, request: dict, parse, check_values: bool):
        """The command and its events. The handler runs straight after its validator unless
        another command or the clock got in between; then the state and the day are those
        the validator decided on, and deciding again would give the same events, so its
        decision is reused. Replay runs no validators and simply decides here: the same."""
        today = self._today()
        kept = self._validated
        # (The SDK decodes the handler's argument afresh, so the request is compared by value.)
        if kept is not None and kept[0] == request and kept[1] is self._state and kept[2] == today:
            self._validated = None
            return kept[3], kept[4]
        command = refusing_the_unforeseen(lambda: parse(request))
        events = refusing_the_unforeseen(
            lambda: self._decide_with(self._state, command, today, self._calendar, check_values=check_values))
        self._validated = (request, self._state, today, command, events)
        return command, events

    async def _handle(self, request: dict, parse) -> dict:
        self._updates_this_run += 1  # every update counts towards Temporal's per-run limit
        self._commands_in_hand += 1
        try:
            return await self._handle_in_turn(request, parse)
        finally:
            self._commands_in_hand -= 1

    async def _handle_in_turn(self, request: dict, parse) -> dict:
        async with self._lock:
            while True:
                try:
                    return await self._answer(request, parse)
                except LogAhead:
                    await self._catch_up()  # then the command is answered on the log's state

    async def _answer(self, request: dict, parse) -> dict:
        """The answer to a command (under the lock): a retry's first answer, or the command
        decided and appended."""
        command_id = request.get("command_id")
        if command_id in self._answers:
            # An answer carried over from an earlier run has no state: the stream as it
            # stands now goes with it.
            return {"state": self._view(), **self._answers[command_id]}
        if command_id in self._seen:
            return {self.STREAM_KEY: self._stream_id(), "events": [], "state": self._view(), "duplicate": True}
        # Asked for every new command, at the same point on replay: runs recorded before
        # the checks decide the commands they accepted as they did then.
        check_values = workflow.patched(VALUE_CHECKS_PATCH)
        try:
            command, events = self._decide(request, parse, check_values)
            stored, view = await self._persist(command.command_id, command.actor, events,
                                               request_hash=request.get("request_hash"))
        except DomainError as err:
            # Nothing was written and the state is as it was: the next command is taken.
            raise refusal(err, self._stream_id()) from None
        answer = {self.STREAM_KEY: self._stream_id(), "events": stored, "state": view}
        self._answers[command_id] = answer
        self._seen.add(command_id)
        self._changed = True
        return answer

    # --- the clock -------------------------------------------------------------------------

    async def _observe_clock(self) -> str:
        """Record what the day brings (OBSERVED), unless commands got to the workflow while
        the clock waited for the lock or are queued behind it (COMMANDS_FIRST: they were sent
        before its judgement), or the database kept its append waiting (DATABASE_BUSY); the
        last two only where the clock gives way."""
        async with self._lock:
            try:
                return await self._observe_in_turn()
            except LogAhead:
                await self._catch_up()
                # What the clock would record is judged again, after a quiet period where the
                # run has one: the log's new events came from commands.
                return COMMANDS_FIRST

    async def _observe_in_turn(self) -> str:
        """What `_observe_clock` does under the lock."""
        if self._clock_gives_way and (self._changed or self._commands_in_hand):
            return COMMANDS_FIRST
        if workflow.patched(CLOCK_READS_LOG_PATCH) and await self._took_in_the_log():
            # The log held what a lost workflow task appended: commands' events, which the
            # clock judges again after the quiet period, as after any command.
            return COMMANDS_FIRST
        today = self._today()
        if self._clock_refused_on == today:
            return OBSERVED
        # The version makes the id unique for each append the clock makes on one day.
        command = self._clock_command(f"clock:{today.isoformat()}:v{self._state.version}", today)
        try:
            events = self._decide_with(self._state, command, today, self._calendar)
            if events and not self._clock_gives_way:
                await self._persist(command.command_id, CLOCK, events)
            elif events:
                try:
                    await self._persist(command.command_id, CLOCK, events, give_way=True)
                except ACTIVITY_FAILED:
                    return DATABASE_BUSY
        except DomainError as err:
            # What the clock finds is made of dates the stream already holds, so this
            # should never happen; if it does, the workflow goes on taking commands and
            # the clock looks again tomorrow (not every second, nor never again).
            workflow.logger.warning("%s clock refused: %s", self.KIND, err.code)
            self._clock_refused_on = today
        return OBSERVED

    # --- persistence -----------------------------------------------------------------------

    async def _persist(self, command_id: str, actor: Actor, events: list, give_way: bool = False,
                       request_hash: str | None = None) -> tuple[list[dict], dict]:
        """Append `events` with the read models; the stored events and the view to answer with.
        `give_way`: tried once, failing (ACTIVITY_FAILED) if the database keeps it waiting.
        `request_hash`: the client's request's (api/idempotency.py), recorded with the events
        under the LA's command id (R7, store/port.py)."""
        state, request, summary = refusing_the_unforeseen(lambda: self._append_request(command_id, actor, events))
        if give_way:
            request["give_way"] = True
        if request_hash:
            request["request"] = command_request(self._input.local_authority, command_id, request_hash)
        if self._persists_in_workflow_task():
            # Safe to run again: a retry (or a replacement worker's rerun after a crash)
            # finds its event ids stored and writes nothing.
            stored = await persisted(workflow.execute_local_activity(
                PERSIST_JOURNEY_EVENTS, request, start_to_close_timeout=PERSIST_TIMEOUT,
                retry_policy=GIVE_WAY_RETRY if give_way else PERSIST_RETRY, result_type=list,
            ))
        else:
            stored = await persisted(workflow.execute_activity(
                PERSIST_JOURNEY_EVENTS, request,
                start_to_close_timeout=PERSIST_TIMEOUT, retry_policy=PERSIST_RETRY, result_type=list,
            ))
        self._state = state
        return stored, await self._after_append(request, summary)

    async def _catch_up(self) -> None:
        """Take in the events the log holds after this run's version (see LogAhead): the state
        is evolved with them and their commands count as seen, as if the workflow task that
        appended them had completed. Runs recorded before it were never here: an append that
        met a log ahead of them retried for ever."""
        if not workflow.patched(CATCH_UP_PATCH):
            raise ApplicationError("the event log is ahead of this run", type="stream_ahead")
        rows = await self._log_after(PERSIST_RETRY)
        if not rows:  # never expected: the append said the log was ahead
            raise ApplicationError("the event log was ahead of this run, then was not", type="stream_ahead",
                                   non_retryable=True)
        self._take_in(rows)

    async def _took_in_the_log(self) -> bool:
        """Whether the log held events after this run's version, now taken in. Looked at
        once: a database that does not answer is the clock's append's to meet (and give way
        to), not this look's to wait for with the lock held."""
        try:
            rows = await self._log_after(GIVE_WAY_RETRY)
        except ACTIVITY_FAILED:
            return False
        if rows:
            self._take_in(rows)
        return bool(rows)

    async def _log_after(self, retry: RetryPolicy) -> list[dict]:
        return await workflow.execute_local_activity(
            READ_STREAM_AFTER, args=[self._stream_id(), self._state.version],
            start_to_close_timeout=PERSIST_TIMEOUT, retry_policy=retry, result_type=list,
        )

    def _take_in(self, rows: list[dict]) -> None:
        self._state = self._evolved([self._event_from(row) for row in rows])
        self._seen.update(row["command_id"] for row in rows if row["command_id"])
        self._validated = None
        self._changed = True
        workflow.logger.warning("%s caught up with %d events the log held", self.KIND, len(rows))

    def _evolved(self, events: list):
        state = self._state
        for ev in events:
            state = self._evolve_with(state, ev)
        return state

    def _today(self) -> date:
        return london_date(workflow.now())
