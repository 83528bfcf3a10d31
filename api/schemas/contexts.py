"""Context cases: the referral and the commands a case records (mirroring domain/contexts.py's
commands, as the journeys' do theirs), and what the contexts resource answers."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from api.fields import RecordDate, record_text
from api.schemas.common import CommandIn, ContextId, ShortText, Strict, Text, discriminated, example_config
from api.schemas.events import EVENT_EXAMPLE, Event
from api.schemas.journeys import JOURNEY_ID
from domain import contexts as ctx
from domain.weighting import CONTEXT_KINDS, HOME_FAMILY

# A context case is about a place or group outside the home: never the family.
OutsideKind = Literal[tuple(k for k in CONTEXT_KINDS if k != HOME_FAMILY)]  # type: ignore[valid-type]


class ReferContext(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "command_id": "0d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a", "context_id": "riverside-park", "kind": "public_place",
        "name": "Riverside park", "referred_on": "2026-03-30"}]})
    command_id: UUID
    context_id: ContextId
    kind: OutsideKind
    name: ShortText
    referred_on: RecordDate


REFER_EXAMPLES = {"a park": {"summary": "Refer a park to a context conference", "value": {
    "command_id": "0d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a", "context_id": "riverside-park", "kind": "public_place",
    "name": "Riverside park", "referred_on": "2026-03-30"}}}


class RecordContextConference(CommandIn):
    type: Literal["record_context_conference"]
    occurred_on: RecordDate
    decision: Literal[ctx.CONFERENCE_DECISIONS]  # type: ignore[valid-type]
    note: Text | None = None


class RecordContextAction(CommandIn):
    type: Literal["record_context_action"]
    action_id: record_text(64, min_length=1) = Field(  # type: ignore[valid-type]
        description="the LA's id for the action: recording it again (with done_on) updates it")
    kind: Literal[ctx.ACTION_KINDS]  # type: ignore[valid-type]
    description: Text
    owner: ShortText = Field(description="the organisation that owns the action")
    due_on: RecordDate
    done_on: RecordDate | None = None


class CloseContext(CommandIn):
    type: Literal["close_context"]
    occurred_on: RecordDate
    reason: Literal[ctx.CLOSE_REASONS]  # type: ignore[valid-type]


# As for journeys, which commands a caller may send is the domain's to say.
CONTEXT_COMMAND_TYPES = ctx.SENT_CONTEXT_COMMAND_TYPES
ContextCommand = discriminated(CONTEXT_COMMAND_TYPES, (RecordContextConference, RecordContextAction, CloseContext))

CONTEXT_COMMAND_EXAMPLES = {
    "context conference": {"summary": "record_context_conference", "value": {
        "command_id": "1e2f3a4b-5c6d-4e7f-9a8b-0c1d2e3f4a5b", "type": "record_context_conference",
        "occurred_on": "2026-04-17", "decision": "continue",
        "note": "Wardens, youth work and lighting agreed; three young people linked"}},
    "context action": {"summary": "record_context_action (again with done_on when it is done)", "value": {
        "command_id": "2f3a4b5c-6d7e-4f8a-8b9c-1d2e3f4a5b6c", "type": "record_context_action",
        "action_id": "river-path-lighting", "kind": "environmental",
        "description": "Repair the lighting on the river path", "owner": "Parks service", "due_on": "2026-05-29",
        "done_on": None}},
    "closure": {"summary": "close_context", "value": {
        "command_id": "3a4b5c6d-7e8f-4a9b-9c0d-2e3f4a5b6c7d", "type": "close_context", "occurred_on": "2026-09-30",
        "reason": "safety_improved"}},
}


CASE_ID = "5b2e9d14-7c3a-5f60-8e1d-4a9b0c2d3e4f"
CASE_EXAMPLE = {
    "case_id": CASE_ID, "local_authority": "873", "context_id": "riverside-park", "kind": "public_place",
    "name": "Riverside park", "referred_on": "2026-03-30", "conferences_held": 1, "last_conference_on": "2026-04-17",
    "next_conference": {"kind": "context_review", "due_on": "2026-07-17", "reminder_on": "2026-07-10", "status": "open"},
    "actions": [{"action_id": "river-path-lighting", "kind": "environmental",
                 "description": "Repair the lighting on the river path", "owner": "Parks service",
                 "due_on": "2026-05-29", "done_on": None}],
    "closed": False, "closed_on": None, "closure_reason": None, "version": 3,
}
CONTEXT_EVENT_EXAMPLE = {
    **EVENT_EXAMPLE, "event_id": "9d3c1b2a-4e5f-5a6b-8c7d-0e1f2a3b4c5d", "position": 1057, "version": 2,
    "type": "ContextConferenceHeld", "occurred_on": "2026-04-17", "command_id": "1e2f3a4b-5c6d-4e7f-9a8b-0c1d2e3f4a5b",
    "actor": "sw-0042", "actor_role": "practitioner",
    "data": {"decision": "continue", "note": "Wardens, youth work and lighting agreed; three young people linked",
             "due_on": "2026-04-21", "on_time": True},
}
CONTEXT_ANSWER_EXAMPLE = {"case_id": CASE_ID, "events": [CONTEXT_EVENT_EXAMPLE], "state": CASE_EXAMPLE}
LINKED_EXAMPLE = {
    "journey_id": JOURNEY_ID, "child_id": "LCS0012345", "pathway": "roth", "stage": "plan", "closed": False,
    "next_deadline_kind": "core_group", "next_due_on": "2026-05-14", "plan_findings": [],
}
CONTEXT_EXAMPLE = {"context_id": "riverside-park", "case": CASE_EXAMPLE, "linked_journeys": [LINKED_EXAMPLE]}
CONTEXT_LIST_EXAMPLE = {"min_open_journeys": 2, "contexts": [
    {"context_id": "riverside-park", "open_journeys": 3, "open_case": True, "case_id": CASE_ID},
    {"context_id": "high-street-station", "open_journeys": 2, "open_case": False, "case_id": None}]}


class ContextDeadline(BaseModel):
    kind: Literal[ctx.CONTEXT_CONFERENCE, ctx.CONTEXT_REVIEW]
    due_on: date
    reminder_on: date
    status: Literal["open", "missed"]


class ContextAction(BaseModel):
    action_id: str
    kind: str
    description: str
    owner: str
    due_on: date
    done_on: date | None


class ContextCase(BaseModel):
    model_config = example_config(CASE_EXAMPLE)
    case_id: str
    local_authority: str
    context_id: str
    kind: str
    name: str
    referred_on: date
    conferences_held: int
    last_conference_on: date | None
    next_conference: ContextDeadline | None = Field(description="the context conference the case owes next; null once closed")
    actions: list[ContextAction]
    closed: bool
    closed_on: date | None
    closure_reason: str | None
    version: int


class ContextAnswer(BaseModel):
    model_config = example_config(CONTEXT_ANSWER_EXAMPLE)
    case_id: str
    events: list[Event]
    state: ContextCase


class LinkedJourney(BaseModel):
    journey_id: str
    child_id: str
    pathway: str | None
    stage: str
    closed: bool
    next_deadline_kind: str | None
    next_due_on: date | None
    plan_findings: list[str] = Field(description="the codes of the plan quality check's findings on the journey's plan")


class ContextAnswerRead(BaseModel):
    model_config = example_config(CONTEXT_EXAMPLE)
    context_id: str
    case: ContextCase | None = Field(description="the context's case (the latest, if it was referred again); null if never referred")
    linked_journeys: list[LinkedJourney] = Field(description="the caller's LA's journeys whose latest weighting names it")


class LinkedContext(BaseModel):
    context_id: str
    open_journeys: int = Field(description="open journeys whose latest context weighting names it")
    open_case: bool = Field(description="whether the context has an open context case")
    case_id: str | None = Field(description="the open case's id, if any")


class LinkedContexts(BaseModel):
    model_config = example_config(CONTEXT_LIST_EXAMPLE)
    min_open_journeys: int
    contexts: list[LinkedContext]
