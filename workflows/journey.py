"""JourneyWorkflow: one young person's journey in one LA, durable for as long as it is open.

Commands arrive as Temporal updates whose update id is the caller's command_id, so a retry
is answered from the first result. The validator runs the decider, so a refused command
leaves no trace in history; the handler decides again under the lock if the state has moved
since validation (otherwise it takes the validator's decision), then awaits the local
activity that appends the events and updates the read models in one transaction, within the
same workflow task. Between commands the run loop sleeps until the next reminder or due
date, and records what the clock finds as events of its own.

The clock judges only after a quiet period without commands (`settle_seconds`), and silence
the client could not break is not quiet: in runs started under RECOVERY_PATCH a timer handled
long after it fell due (the worker, Temporal or the database was down, so no command could be
taken) grants the quiet period again, commands that got to the workflow while the clock
waited for its lock go first, and the clock's append gives way rather than hold the lock
while the database keeps it waiting (then it looks again, backing off, and once the log takes
appends it grants the quiet period again before recording anything).
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey
from temporalio.exceptions import ActivityError, ApplicationError, TimeoutError as ActivityTimedOut

with workflow.unsafe.imports_passed_through():
    from activities.names import CHECK_LOG_TAKES_APPENDS, PERSIST_JOURNEY_EVENTS
    from domain.calendar import WorkingDayCalendar
    from domain.codec import from_data, to_data
    from domain.commands import ObserveDay, StartJourney, parse_command
    from domain.deadlines import next_wake
    from domain.decider import decide, evolve
    from domain.errors import DomainError
    from domain.events import NOTIFIED, SCHEMA_VERSION, encode
    from domain.model import Actor, JourneyState, initial_state
    from domain.views import journey_view, read_model_rows
    from workflows.local_time import iso_dates, london_date, start_of_day, wake_time

from workflows.notifications import start_deliveries
from workflows.refusals import (
    VALUE_CHECKS_PATCH, clock_wake, persisted, refusal, refusing_the_unforeseen,
)

CLOCK = Actor("journey-clock", "system")
# Event ids are uuid5 names under this namespace: the same command always yields the same ids.
EVENT_NAMESPACE = uuid.UUID("6f1c1d1e-3c1a-4c55-9a57-0d5b3c2f7a10")
# How long a workflow waits for its start command before giving up (a refused start).
START_GRACE = timedelta(minutes=10)
# Answers kept whole for retries after continue-as-new; older command ids are kept bare.
ANSWERS_CARRIED = 50
# Runs that pass this patch persist with a local activity: the append runs on this worker
# inside the workflow task that accepted the command, so a command costs one workflow task
# instead of a task, an activity task and a second task (each a round trip through the
# server's queues). Runs recorded before it keep the activity task when they replay.
LOCAL_PERSIST_PATCH = "persist-in-workflow-task"
# Wakes spread over the small hours (workflows/local_time.py wake_time). Runs recorded
# before it keep waking at midnight when they replay.
SPREAD_WAKES_PATCH = "spread-wakes-over-small-hours"
# Journeys started by runs that pass this patch follow the ROTH practice rules that refuse a
# command older journeys' histories accepted (a ROTH conference needs an independent chair
# from the pool); runs recorded before it replay their start without the rule.
PRACTICE_RULES_PATCH = "roth-practice-rules"
# Runs started under this patch give the commands a client sent first place before the
# clock records what it finds, also after an outage (see the module's docstring). Asked once,
# when a run starts: runs recorded before it replay, and go on, as they ran.
RECOVERY_PATCH = "clock-gives-way-after-recovery"
PERSIST_TIMEOUT = timedelta(seconds=30)
PERSIST_RETRY = RetryPolicy(maximum_interval=timedelta(seconds=30))
# The clock's append is tried once: when the database does not take it promptly (the worker
# bounds its wait, activities/journey.py), the clock gives way and looks again later.
GIVE_WAY_RETRY = RetryPolicy(maximum_attempts=1)
# How a local activity's failure reaches the workflow (its own error, not always wrapped).
ACTIVITY_FAILED = (ActivityError, ApplicationError, ActivityTimedOut)
# Between looks at a database that did not take the clock's append: from the quiet period,
# doubling up to this.
DATABASE_BACKOFF_MAX = timedelta(minutes=5)
# What the clock did when it looked (_observe_clock).
OBSERVED, COMMANDS_FIRST, DATABASE_BUSY = "observed", "commands first", "database busy"

LA_ATTRIBUTE = SearchAttributeKey.for_keyword("PathwaysLocalAuthority")
PATHWAY_ATTRIBUTE = SearchAttributeKey.for_keyword("PathwaysPathway")
STAGE_ATTRIBUTE = SearchAttributeKey.for_keyword("PathwaysStage")
NEXT_DUE_ATTRIBUTE = SearchAttributeKey.for_datetime("PathwaysNextDueOn")
SEARCH_ATTRIBUTES = (LA_ATTRIBUTE, PATHWAY_ATTRIBUTE, STAGE_ATTRIBUTE, NEXT_DUE_ATTRIBUTE)


@dataclass
class JourneyInput:
    local_authority: str
    calendar: dict = field(default_factory=dict)
    # Only where the server has our search attributes registered: an unknown one fails the
    # workflow task for ever.
    search_attributes: bool = False
    # Continue-as-new well below Temporal's limit of 2,000 updates in a run.
    max_updates_per_run: int = 500
    # After a command, the clock waits for this much quiet before judging deadlines: a case
    # system back-filling a journey sends its steps in a burst, and a deadline the next
    # command meets must not be recorded (and notified) as missed in between.
    settle_seconds: float = 5.0
    state: dict | None = None
    answers: dict = field(default_factory=dict)
    command_ids: list = field(default_factory=list)


def journey_id_for(workflow_id: str, start_command_id: str) -> str:
    """A journey's id: one per start command, so a later referral of the same young person
    (a new run of the same workflow id) opens a new journey with a stream of its own."""
    return str(uuid.uuid5(EVENT_NAMESPACE, f"{workflow_id}/{start_command_id}"))


def event_id(journey_id: str, command_id: str, index: int) -> str:
    return str(uuid.uuid5(EVENT_NAMESPACE, f"{journey_id}/{command_id}/{index}"))


@workflow.defn
class JourneyWorkflow:
    @workflow.init
    def __init__(self, input: JourneyInput) -> None:
        # Update-with-start can run the start handler before run(), so all state is set here.
        self._input = input
        self._calendar = WorkingDayCalendar.from_dict(input.calendar)
        self._state: JourneyState = from_data(JourneyState, input.state) if input.state else initial_state()
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
        # Asked here, not where the start is decided: validators may not record a patch.
        self._practice_rules = workflow.patched(PRACTICE_RULES_PATCH)
        self._clock_gives_way = workflow.patched(RECOVERY_PATCH)

    @workflow.run
    async def run(self, input: JourneyInput) -> dict:
        if not self._started():
            if not await self._wait_for(self._started, START_GRACE):
                return {"started": False}
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
            wake = clock_wake(next_wake(self._state, self._state.policy, self._calendar, today),
                              self._clock_refused_on, today)
            timeout = None if wake is None else max(self._wake_time(wake) - workflow.now(), timedelta(seconds=1))
            self._changed = False
            since = workflow.now()
            if await self._wait_for(lambda: self._changed or self._time_to_continue_as_new(), timeout):
                await self._settle()
            elif self._handled_late(since, timeout):
                await self._settle(afresh=True)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._view()

    def _wake_time(self, day: date) -> datetime:
        if workflow.patched(SPREAD_WAKES_PATCH):
            return wake_time(day, workflow.info().workflow_id)
        return start_of_day(day)

    async def _wait_for(self, condition, timeout: timedelta | None) -> bool:
        """True if `condition` came true, False if the timeout passed first."""
        try:
            await workflow.wait_condition(condition, timeout=timeout)
            return True
        except asyncio.TimeoutError:
            return False

    async def _settle(self, afresh: bool = False) -> None:
        """Wait until `settle_seconds` pass without a command, if one has been taken since the
        last wait (or, `afresh`, in any case). A quiet period whose timer was handled long
        after it fell due was not quiet, and is waited again."""
        quiet = self._quiet_period()
        again = afresh
        while (self._changed or again) and not self._state.closed and not self._time_to_continue_as_new():
            self._changed = False
            since = workflow.now()
            again = not await self._wait_for(lambda: self._changed, quiet) and self._handled_late(since, quiet)

    def _quiet_period(self) -> timedelta:
        return timedelta(seconds=self._input.settle_seconds)

    def _handled_late(self, since: datetime, timeout: timedelta | None) -> bool:
        """Whether a timer set at `since` for `timeout` is being handled more than a quiet
        period after it fell due: the worker, Temporal or the database under it was down,
        and no client could send the commands the quiet period waits for."""
        quiet = self._quiet_period()
        if not self._clock_gives_way or timeout is None or quiet <= timedelta(0):
            return False
        return workflow.now() - (since + timeout) > quiet

    async def _wait_for_database(self) -> None:
        """After the database did not take the clock's append: look again, backing off,
        until the log takes appends (or a command's append shows that it does), then grant
        the quiet period afresh: the clients the outage turned away are sending again."""
        delay = max(self._quiet_period(), timedelta(seconds=1))
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

    # --- commands ------------------------------------------------------------------------

    @workflow.update(name="start_journey")
    async def start_journey(self, request: dict) -> dict:
        return await self._handle(request, self._start_command)

    @start_journey.validator
    def validate_start(self, request: dict) -> None:
        self._validate(request, self._start_command)

    @workflow.update(name="record")
    async def record(self, request: dict) -> dict:
        return await self._handle(request, parse_command)

    @record.validator
    def validate_record(self, request: dict) -> None:
        self._validate(request, parse_command)

    @workflow.query(name="state")
    def state(self) -> dict:
        return self._view()

    @workflow.query(name="raw_state")
    def raw_state(self) -> dict:
        return to_data(self._state)

    def _start_command(self, request: dict) -> StartJourney:
        journey_id = journey_id_for(workflow.info().workflow_id, str(request.get("command_id")))
        fixed = {"journey_id": journey_id, "local_authority": self._input.local_authority,
                 "chairs_required": self._practice_rules}
        try:
            return from_data(StartJourney, {**request, **fixed})
        except (TypeError, ValueError, KeyError, AttributeError) as err:
            raise DomainError("invalid_value", f"The start_journey command is malformed: {err}.") from None

    def _validate(self, request: dict, parse) -> None:
        if request.get("command_id") in self._seen:
            return  # a retry: the handler answers it
        try:
            self._decide(request, parse, check_values=True)
        except DomainError as err:
            raise refusal(err, self._state.journey_id) from None

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
            lambda: decide(self._state, command, today, self._calendar, check_values=check_values))
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
            command_id = request.get("command_id")
            if command_id in self._answers:
                # Answers carried over from an earlier run keep their events but not their
                # state (it would make continue-as-new's input too large): the journey as it
                # stands now goes with them.
                return {"state": self._view(), **self._answers[command_id]}
            if command_id in self._seen:
                return {"journey_id": self._state.journey_id, "events": [], "state": self._view(), "duplicate": True}
            # Asked for every new command, at the same point on replay: runs recorded before
            # the checks decide the commands they accepted as they did then.
            check_values = workflow.patched(VALUE_CHECKS_PATCH)
            try:
                command, events = self._decide(request, parse, check_values)
                stored, view = await self._persist(command.command_id, command.actor, events,
                                                   request_hash=request.get("request_hash"))
            except DomainError as err:
                # Nothing was written and the state is as it was: the next command is taken.
                raise refusal(err, self._state.journey_id) from None
            answer = {"journey_id": self._state.journey_id, "events": stored, "state": view}
            self._answers[command_id] = answer
            self._seen.add(command_id)
            self._changed = True
            return answer

    # --- the clock -----------------------------------------------------------------------

    async def _observe_clock(self) -> str:
        """Record what the day brings (OBSERVED), unless commands got to the workflow while
        the clock waited for the lock or are queued behind it (COMMANDS_FIRST: they were sent
        before its judgement), or the database kept its append waiting (DATABASE_BUSY)."""
        async with self._lock:
            if self._clock_gives_way and (self._changed or self._commands_in_hand):
                return COMMANDS_FIRST
            today = self._today()
            if self._clock_refused_on == today:
                return OBSERVED
            # The version makes the id unique for each append the clock makes on one day.
            command = ObserveDay(f"clock:{today.isoformat()}:v{self._state.version}", CLOCK, today)
            try:
                events = decide(self._state, command, today, self._calendar)
                if events and not self._clock_gives_way:
                    await self._persist(command.command_id, CLOCK, events)
                elif events:
                    try:
                        await self._persist(command.command_id, CLOCK, events, give_way=True)
                    except ACTIVITY_FAILED:
                        return DATABASE_BUSY
            except DomainError as err:
                # What the clock finds is made of dates the journey already holds, so this
                # should never happen; if it does, the journey goes on taking commands and
                # the clock looks again tomorrow (not every second, nor never again).
                workflow.logger.warning("journey clock refused: %s", err.code)
                self._clock_refused_on = today
            return OBSERVED

    # --- persistence ---------------------------------------------------------------------

    async def _persist(self, command_id: str, actor: Actor, events: list, give_way: bool = False,
                       request_hash: str | None = None) -> tuple[list[dict], dict]:
        """Append `events` with the read models; the stored events and the journey's view.
        `give_way`: tried once, failing (ACTIVITY_FAILED) if the database keeps it waiting.
        `request_hash`: the client's request's (api/idempotency.py), recorded with the events
        under the LA's command id (store/events.py R7)."""
        state, request, summary = refusing_the_unforeseen(lambda: self._append_request(command_id, actor, events))
        if give_way:
            request["give_way"] = True
        if request_hash:
            request["request"] = command_request(state.local_authority, command_id, request_hash)
        if workflow.patched(LOCAL_PERSIST_PATCH):
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
        self._upsert_search_attributes(summary["next_due_on"])
        # Webhooks: each notification gets a delivery workflow of its own, started, not awaited.
        await start_deliveries([n["notification_id"] for n in request["notifications"]])
        # The summary's view is the journey's view as of now (same state, same day): the
        # answer reuses it rather than deriving the deadlines again.
        return stored, summary["view"]

    def _append_request(self, command_id: str, actor: Actor, events: list) -> tuple[JourneyState, dict, dict]:
        """The state after `events`, the persist activity's request, and the journey's summary row."""
        state = self._state
        for ev in events:
            state = evolve(state, ev)
        journey_id = state.journey_id
        today = self._today()
        new_events = []
        notifications = []
        for i, ev in enumerate(events):
            name, occurred_on, data = encode(ev)
            eid = event_id(journey_id, command_id, i)
            new_events.append({
                "event_id": eid, "type": name, "occurred_on": occurred_on,
                "actor": actor.id, "actor_role": actor.role, "command_id": command_id,
                "schema_version": SCHEMA_VERSION, "data": data,
            })
            if name in NOTIFIED:
                notifications.append({
                    "notification_id": eid, "journey_id": journey_id, "local_authority": state.local_authority,
                    "type": NOTIFIED[name], "event_id": eid,
                    # Notifications leave the service: ids, kinds and dates only, never personal details.
                    "payload": {"journey_id": journey_id, "local_authority": state.local_authority,
                                "event_type": name, "kind": data.get("kind"), "due_on": data.get("due_on"),
                                "reason": data.get("reason"), "occurred_on": occurred_on},
                })
        summary, deadlines = read_model_rows(state, workflow.info().workflow_id, self._calendar, today)
        request = {
            "stream": journey_id,
            "expected_version": self._state.version,
            "events": new_events,
            # Rows are plain data but for their dates, so that is all that is converted:
            # to_data's generic walk over every value was most of the workflow's own time.
            "summary": iso_dates(summary),
            "deadlines": [iso_dates(row) for row in deadlines],
            "notifications": notifications,
        }
        return state, request, summary

    def _upsert_search_attributes(self, next_due_on: date | None) -> None:
        if not self._input.search_attributes:
            return
        updates = [
            LA_ATTRIBUTE.value_set(self._state.local_authority),
            STAGE_ATTRIBUTE.value_set(self._state.stage),
            PATHWAY_ATTRIBUTE.value_set(self._state.pathway) if self._state.pathway else PATHWAY_ATTRIBUTE.value_unset(),
            NEXT_DUE_ATTRIBUTE.value_set(start_of_day(next_due_on))
            if next_due_on else NEXT_DUE_ATTRIBUTE.value_unset(),
        ]
        workflow.upsert_search_attributes(updates)

    # --- helpers -------------------------------------------------------------------------

    def _started(self) -> bool:
        return self._state.journey_id is not None

    def _today(self) -> date:
        return london_date(workflow.now())

    def _view(self) -> dict:
        if not self._started():
            return {"journey_id": None, "stage": self._state.stage}
        return journey_view(self._state, self._calendar, self._today())

    def _time_to_continue_as_new(self) -> bool:
        return (
            workflow.info().is_continue_as_new_suggested()
            or self._updates_this_run >= self._input.max_updates_per_run
        )

    def _carry_over(self) -> JourneyInput:
        recent = list(self._answers)[-ANSWERS_CARRIED:]
        return JourneyInput(
            local_authority=self._input.local_authority,
            calendar=self._input.calendar,
            search_attributes=self._input.search_attributes,
            max_updates_per_run=self._input.max_updates_per_run,
            settle_seconds=self._input.settle_seconds,
            state=to_data(self._state),
            answers={k: {"journey_id": self._answers[k]["journey_id"], "events": self._answers[k]["events"]} for k in recent},
            command_ids=sorted(self._seen),
        )


def command_request(local_authority: str, command_id: str, request_hash: str) -> dict:
    """What the append records of the client's request (store/events.py R7)."""
    return {"local_authority": local_authority, "command_id": command_id, "request_hash": request_hash}
