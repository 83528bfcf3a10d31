"""ContextWorkflow: a place, peer group or school as a durable case of its own.

One workflow per context per LA for as long as its case is open, like a journey: commands
arrive as updates whose id is the caller's command_id (a retry is answered from the first
result), the rules are domain/contexts.py's decide and evolve, each accepted command's events
go into the same append-only log as journeys' (a stream of its own), and between commands
the run loop sleeps until the next context conference's reminder or due date and records
what the clock finds. Which young people the context links comes from their journeys'
weightings (the read models), not from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain import contexts as ctx
    from domain.codec import from_data, to_data
    from domain.commands import parse_command
    from domain.model import Actor

from workflows.decider_workflow import CLOCK, DeciderWorkflow, event_rows

# Context runs started under this patch wake their run loop when the update cap is reached
# (to continue as new at once), as journeys do; runs recorded before it waited for the next
# accepted command or wake, and replay, and go on, as they ran. (The answers carried into
# the next run need no patch: replay does not compare continue-as-new's input.)
CAP_WAKES_PATCH = "context-wakes-at-update-cap"


@dataclass
class ContextInput:
    local_authority: str
    calendar: dict = field(default_factory=dict)
    state: dict | None = None
    command_ids: list = field(default_factory=list)
    # As a journey's (workflows/journey.py JourneyInput).
    max_updates_per_run: int = 500
    answers: dict = field(default_factory=dict)


def context_workflow_id(local_authority: str, context_id: str) -> str:
    # Context ids are the LA's names for places and groups (slugs), never a person's details.
    return f"context-{local_authority}-{context_id}"


@workflow.defn
class ContextWorkflow(DeciderWorkflow):
    STREAM_KEY = "case_id"
    KIND = "context"

    @workflow.init
    def __init__(self, input: ContextInput) -> None:
        case = from_data(ctx.ContextCase, input.state) if input.state else ctx.ContextCase()
        super().__init__(input, case, ctx.decide, ctx.evolve)
        self._state: ctx.ContextCase
        # Asked when a run starts, as the journey's RECOVERY_PATCH is.
        self._cap_wakes_the_loop = workflow.patched(CAP_WAKES_PATCH)

    @workflow.run
    async def run(self, input: ContextInput) -> dict:
        return await self._run(not_opened={"referred": False})  # the referral was refused

    @workflow.update(name="refer_context")
    async def refer_context(self, request: dict) -> dict:
        return await self._handle(request, self._refer_command)

    @refer_context.validator
    def validate_refer(self, request: dict) -> None:
        self._validate(request, self._refer_command)

    @workflow.update(name="record")
    async def record(self, request: dict) -> dict:
        return await self._handle(request, parse_context_command)

    @record.validator
    def validate_record(self, request: dict) -> None:
        self._validate(request, parse_context_command)

    @workflow.query(name="state")
    def state(self) -> dict:
        return self._view()

    def _refer_command(self, request: dict) -> ctx.ReferContext:
        fixed = {"case_id": self._opening_stream_id(request), "local_authority": self._input.local_authority}
        return self._opening_command(ctx.ReferContext, "refer_context", request, fixed)

    # --- what the skeleton asks of a context case -------------------------------------------

    def _stream_id(self) -> str | None:
        return self._state.case_id

    def _started(self) -> bool:
        return self._state.referred_on is not None

    def _view(self) -> dict:
        return ctx.context_view(self._state, self._calendar, self._today())

    def _next_wake(self, today: date) -> date | None:
        return ctx.next_wake(self._state, self._calendar, today)

    def _clock_command(self, command_id: str, today: date) -> ctx.ObserveContextDay:
        return ctx.ObserveContextDay(command_id, CLOCK, today)

    def _event_from(self, row: dict):
        return ctx.decode(row["type"], row["occurred_on"], row["data"])

    def _append_request(self, command_id: str, actor: Actor, events: list) -> tuple[ctx.ContextCase, dict, None]:
        # A context case has no read-model rows of its own (its links come from journeys'
        # weightings) and tells the LA's systems nothing.
        case = self._evolved(events)
        request = {"stream": case.case_id, "expected_version": self._state.version,
                   "events": event_rows(case.case_id, command_id, actor, events),
                   "summary": None, "deadlines": None, "notifications": []}
        return case, request, None

    def _carry_over(self) -> ContextInput:
        return ContextInput(
            local_authority=self._input.local_authority,
            calendar=self._input.calendar,
            state=to_data(self._state),
            command_ids=sorted(self._seen),
            max_updates_per_run=self._input.max_updates_per_run,
            answers=self._answers_to_carry(),
        )


def parse_context_command(request: dict):
    return parse_command(request, ctx.CONTEXT_COMMAND_TYPES, (ctx.ReferContext,))
