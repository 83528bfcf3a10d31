"""JourneyWorkflow: one young person's journey in one LA, durable for as long as it is open.

A decider workflow (workflows/decider_workflow.py: commands as updates, decided in the
validator and again under the lock only if the state moved, appended within the workflow
task, answers kept for retries; the clock between commands) over the journey's rules
(domain/decider.py). What is a journey's own: its start, the read models and notifications
its appends carry, its search attributes, and the clock's quiet period.

The clock judges only after a quiet period without commands (`settle_seconds`), and silence
the client could not break is not quiet: in runs started under RECOVERY_PATCH a timer handled
long after it fell due (the worker, Temporal or the database was down, so no command could be
taken) grants the quiet period again, commands that got to the workflow while the clock
waited for its lock go first, and the clock's append gives way rather than hold the lock
while the database keeps it waiting (then it looks again, backing off, and once the log takes
appends it grants the quiet period again before recording anything).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from temporalio import workflow
from temporalio.common import SearchAttributeKey

with workflow.unsafe.imports_passed_through():
    from domain.codec import from_data, to_data
    from domain.commands import ObserveDay, StartJourney, parse_command
    from domain.deadlines import next_wake
    from domain.decider import decide, evolve
    from domain.events import decode as decode_event
    from domain.model import Actor, JourneyState, initial_state
    from domain.notifications import notification
    from domain.views import journey_view, read_model_rows
    from workflows.local_time import iso_dates, start_of_day, wake_time

from workflows.decider_workflow import CLOCK, DeciderWorkflow, event_rows, stream_id_for
from workflows.notifications import start_deliveries

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
    return stream_id_for(workflow_id, start_command_id)


@workflow.defn
class JourneyWorkflow(DeciderWorkflow):
    STREAM_KEY = "journey_id"
    KIND = "journey"

    @workflow.init
    def __init__(self, input: JourneyInput) -> None:
        state = from_data(JourneyState, input.state) if input.state else initial_state()
        super().__init__(input, state, decide, evolve)
        self._state: JourneyState
        # Asked here, not where the start is decided: validators may not record a patch.
        self._practice_rules = workflow.patched(PRACTICE_RULES_PATCH)
        self._clock_gives_way = workflow.patched(RECOVERY_PATCH)

    @workflow.run
    async def run(self, input: JourneyInput) -> dict:
        return await self._run(not_opened={"started": False})

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
        fixed = {"journey_id": self._opening_stream_id(request), "local_authority": self._input.local_authority,
                 "chairs_required": self._practice_rules}
        return self._opening_command(StartJourney, "start_journey", request, fixed)

    # --- what the skeleton asks of a journey -----------------------------------------------

    def _stream_id(self) -> str | None:
        return self._state.journey_id

    def _started(self) -> bool:
        return self._state.journey_id is not None

    def _view(self) -> dict:
        if not self._started():
            return {"journey_id": None, "stage": self._state.stage}
        return journey_view(self._state, self._calendar, self._today())

    def _next_wake(self, today: date) -> date | None:
        return next_wake(self._state, self._state.policy, self._calendar, today)

    def _clock_command(self, command_id: str, today: date) -> ObserveDay:
        return ObserveDay(command_id, CLOCK, today)

    def _event_from(self, row: dict):
        return decode_event(row["type"], row["occurred_on"], row["data"])

    def _quiet_period(self) -> timedelta:
        return timedelta(seconds=self._input.settle_seconds)

    def _wake_time(self, day: date) -> datetime:
        if workflow.patched(SPREAD_WAKES_PATCH):
            return wake_time(day, workflow.info().workflow_id)
        return start_of_day(day)

    def _persists_in_workflow_task(self) -> bool:
        return workflow.patched(LOCAL_PERSIST_PATCH)

    def _append_request(self, command_id: str, actor: Actor, events: list) -> tuple[JourneyState, dict, dict]:
        """The state after `events`, the persist activity's request, and the journey's summary row."""
        state = self._evolved(events)
        journey_id = state.journey_id
        rows = event_rows(journey_id, command_id, actor, events)
        notifications = [n for n in (
            notification(row["event_id"], row["type"], row["occurred_on"], row["data"], journey_id, state.local_authority)
            for row in rows) if n is not None]
        summary, deadlines = read_model_rows(state, workflow.info().workflow_id, self._calendar, self._today())
        request = {
            "stream": journey_id,
            "expected_version": self._state.version,
            "events": rows,
            # Rows are plain data but for their dates, so that is all that is converted:
            # to_data's generic walk over every value was most of the workflow's own time.
            "summary": iso_dates(summary),
            "deadlines": [iso_dates(row) for row in deadlines],
            "notifications": notifications,
        }
        return state, request, summary

    async def _after_append(self, request: dict, summary: dict) -> dict:
        self._upsert_search_attributes(summary["next_due_on"])
        # Webhooks: each notification gets a delivery workflow of its own, started, not awaited.
        await start_deliveries([n["notification_id"] for n in request["notifications"]])
        # The summary's view is the journey's view as of now (same state, same day): the
        # answer reuses it rather than deriving the deadlines again.
        return summary["view"]

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

    def _carry_over(self) -> JourneyInput:
        return JourneyInput(
            local_authority=self._input.local_authority,
            calendar=self._input.calendar,
            search_attributes=self._input.search_attributes,
            max_updates_per_run=self._input.max_updates_per_run,
            settle_seconds=self._input.settle_seconds,
            state=to_data(self._state),
            answers=self._answers_to_carry(),
            command_ids=sorted(self._seen),
        )
