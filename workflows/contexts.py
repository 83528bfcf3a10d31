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

import asyncio
from dataclasses import dataclass, field
from datetime import date, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.names import PERSIST_JOURNEY_EVENTS
    from domain import contexts as ctx
    from domain.calendar import WorkingDayCalendar
    from domain.codec import from_data, to_data
    from domain.commands import parse_command
    from domain.errors import DomainError
    from domain.events import SCHEMA_VERSION, encode
    from domain.model import Actor
    from workflows.local_time import london_date, wake_time

from workflows.journey import CLOCK, PERSIST_RETRY, PERSIST_TIMEOUT, START_GRACE, command_request, event_id, journey_id_for
from workflows.refusals import (
    VALUE_CHECKS_PATCH, clock_wake, persisted, refusal, refusing_the_unforeseen,
)


@dataclass
class ContextInput:
    local_authority: str
    calendar: dict = field(default_factory=dict)
    state: dict | None = None
    command_ids: list = field(default_factory=list)


def context_workflow_id(local_authority: str, context_id: str) -> str:
    # Context ids are the LA's names for places and groups (slugs), never a person's details.
    return f"context-{local_authority}-{context_id}"


@workflow.defn
class ContextWorkflow:
    @workflow.init
    def __init__(self, input: ContextInput) -> None:
        self._input = input
        self._calendar = WorkingDayCalendar.from_dict(input.calendar)
        self._case = from_data(ctx.ContextCase, input.state) if input.state else ctx.ContextCase()
        self._answers: dict[str, dict] = {}
        self._seen: set[str] = set(input.command_ids)
        self._lock = asyncio.Lock()
        self._changed = False
        self._updates_this_run = 0
        self._clock_refused_on: date | None = None  # as in JourneyWorkflow

    @workflow.run
    async def run(self, input: ContextInput) -> dict:
        if self._case.referred_on is None:
            try:
                await workflow.wait_condition(lambda: self._case.referred_on is not None, timeout=START_GRACE)
            except asyncio.TimeoutError:
                return {"referred": False}  # the referral was refused
        while not self._case.closed:
            await self._observe_clock()
            if self._case.closed:
                break
            if workflow.info().is_continue_as_new_suggested() or self._updates_this_run >= 500:
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(ContextInput(
                    input.local_authority, input.calendar, to_data(self._case), sorted(self._seen)))
            today = self._today()
            wake = clock_wake(ctx.next_wake(self._case, self._calendar, today), self._clock_refused_on, today)
            timeout = None if wake is None else max(
                wake_time(wake, workflow.info().workflow_id) - workflow.now(), timedelta(seconds=1))
            self._changed = False
            try:
                await workflow.wait_condition(lambda: self._changed, timeout=timeout)
            except asyncio.TimeoutError:
                pass
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._view()

    @workflow.update(name="refer_context")
    async def refer_context(self, request: dict) -> dict:
        return await self._handle(request, self._refer_command)

    @refer_context.validator
    def validate_refer(self, request: dict) -> None:
        self._validate(request, self._refer_command)

    @workflow.update(name="record")
    async def record(self, request: dict) -> dict:
        return await self._handle(request, _parse)

    @record.validator
    def validate_record(self, request: dict) -> None:
        self._validate(request, _parse)

    @workflow.query(name="state")
    def state(self) -> dict:
        return self._view()

    def _refer_command(self, request: dict) -> ctx.ReferContext:
        case_id = journey_id_for(workflow.info().workflow_id, str(request.get("command_id")))
        try:
            return from_data(ctx.ReferContext, {**request, "case_id": case_id, "local_authority": self._input.local_authority})
        except (TypeError, ValueError, KeyError, AttributeError) as err:
            raise DomainError("invalid_value", f"The refer_context command is malformed: {err}.") from None

    def _validate(self, request: dict, parse) -> None:
        if request.get("command_id") in self._seen:
            return
        try:
            self._decide(request, parse, check_values=True)
        except DomainError as err:
            raise refusal(err, self._case.case_id) from None

    def _decide(self, request: dict, parse, check_values: bool):
        command = refusing_the_unforeseen(lambda: parse(request))
        events = refusing_the_unforeseen(
            lambda: ctx.decide(self._case, command, self._today(), self._calendar, check_values=check_values))
        return command, events

    async def _handle(self, request: dict, parse) -> dict:
        self._updates_this_run += 1
        async with self._lock:
            command_id = request.get("command_id")
            if command_id in self._answers:
                return self._answers[command_id]
            if command_id in self._seen:
                return {"case_id": self._case.case_id, "events": [], "state": self._view(), "duplicate": True}
            check_values = workflow.patched(VALUE_CHECKS_PATCH)  # as in JourneyWorkflow._handle
            try:
                command, events = self._decide(request, parse, check_values)
                stored = await self._persist(command.command_id, command.actor, events, request.get("request_hash"))
            except DomainError as err:
                raise refusal(err, self._case.case_id) from None
            answer = {"case_id": self._case.case_id, "events": stored, "state": self._view()}
            self._answers[command_id] = answer
            self._seen.add(command_id)
            self._changed = True
            return answer

    async def _observe_clock(self) -> None:
        async with self._lock:
            today = self._today()
            if self._clock_refused_on == today:
                return
            command = ctx.ObserveContextDay(f"clock:{today.isoformat()}:v{self._case.version}", CLOCK, today)
            try:
                events = ctx.decide(self._case, command, today, self._calendar)
                if events:
                    await self._persist(command.command_id, CLOCK, events)
            except DomainError as err:
                # As in JourneyWorkflow._observe_clock: look again tomorrow.
                workflow.logger.warning("context clock refused: %s", err.code)
                self._clock_refused_on = today

    async def _persist(self, command_id: str, actor: Actor, events: list, request_hash: str | None = None) -> list[dict]:
        case, request = refusing_the_unforeseen(lambda: self._append_request(command_id, actor, events))
        if request_hash:  # the client's request, recorded under its command id (store/events.py R7)
            request["request"] = command_request(self._input.local_authority, command_id, request_hash)
        stored = await persisted(workflow.execute_local_activity(
            PERSIST_JOURNEY_EVENTS, request,
            start_to_close_timeout=PERSIST_TIMEOUT, retry_policy=PERSIST_RETRY, result_type=list,
        ))
        self._case = case
        return stored

    def _append_request(self, command_id: str, actor: Actor, events: list) -> tuple[ctx.ContextCase, dict]:
        case = self._case
        for ev in events:
            case = ctx.evolve(case, ev)
        new_events = []
        for i, ev in enumerate(events):
            name, occurred_on, data = encode(ev)
            new_events.append({
                "event_id": event_id(case.case_id, command_id, i), "type": name, "occurred_on": occurred_on,
                "actor": actor.id, "actor_role": actor.role, "command_id": command_id,
                "schema_version": SCHEMA_VERSION, "data": data,
            })
        request = {"stream": case.case_id, "expected_version": self._case.version, "events": new_events,
                   "summary": None, "deadlines": None, "notifications": []}
        return case, request

    def _today(self) -> date:
        return london_date(workflow.now())

    def _view(self) -> dict:
        return ctx.context_view(self._case, self._calendar, self._today())


def _parse(request: dict):
    return parse_command(request, ctx.CONTEXT_COMMAND_TYPES, (ctx.ReferContext,))
