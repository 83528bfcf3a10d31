"""The v1 contract's shapes (../shared/API.md), checked before anything reaches a journey.

A body of the wrong shape is answered 422 with pydantic's detail; the journey's rules then
refuse what is well-formed but not allowed (409). Unknown fields are refused too, so a
misspelt field is reported rather than silently ignored.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal, Union
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.model import ETHNICITIES

Sex = Literal["M", "F", "U"]
Ethnicity = Literal[ETHNICITIES]  # type: ignore[valid-type]
Category = Literal["physical", "emotional", "sexual", "neglect"]
StepDown = Literal["child_in_need", "early_help", "none"]
DeadlineKind = Literal["initial_conference", "first_core_group", "core_group", "review_conference", "visit"]
LaCode = Annotated[str, Field(pattern=r"^\d{3}$", examples=["873"])]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class YoungPersonIn(Strict):
    id: Annotated[str, Field(min_length=1, max_length=20, description="the LA's child id (CIN census LAchildID)")]
    date_of_birth: date
    sex: Sex
    ethnicity: Ethnicity


class StartJourney(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "command_id": "6a1f3f0e-0c2b-4f55-9d0e-3d7a8f1e2b41", "local_authority": "873",
        "young_person": {"id": "LCS0012345", "date_of_birth": "2010-05-14", "sex": "M", "ethnicity": "MWBC"},
        "referral_date": "2026-03-02"}]})
    command_id: UUID
    local_authority: LaCode
    young_person: YoungPersonIn
    referral_date: date


class _Command(Strict):
    command_id: UUID


class RecordStrategyDiscussion(_Command):
    type: Literal["record_strategy_discussion"]
    occurred_on: date
    outcome: Literal["s47_roth", "s47_cp", "child_in_need", "early_help", "no_further_action"]


class RecordInitialConference(_Command):
    type: Literal["record_initial_conference"]
    occurred_on: date
    decision: Literal["plan", "no_plan"]
    categories: list[Category] = []
    step_down: StepDown | None = None


class RecordCoreGroup(_Command):
    type: Literal["record_core_group"]
    occurred_on: date


class RecordVisit(_Command):
    type: Literal["record_visit"]
    occurred_on: date
    seen_alone: bool


class RecordReviewConference(_Command):
    type: Literal["record_review_conference"]
    occurred_on: date
    decision: Literal["continue", "transfer_to_roth", "transfer_to_cp", "end_plan"]
    categories: list[Category] = []
    step_down: StepDown | None = None


class ExtendDeadline(_Command):
    type: Literal["extend_deadline"]
    deadline: DeadlineKind
    new_due_on: date
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


class CloseJourney(_Command):
    type: Literal["close_journey"]
    occurred_on: date
    reason: Literal["transferred_out", "looked_after", "died", "moved_to_adult_services", "other"]
    note: Annotated[str, Field(max_length=2000)] | None = None


class ChangePolicy(_Command):
    type: Literal["change_policy"]
    policy: Literal["national", "roth-cadence"]


Command = Annotated[
    Union[RecordStrategyDiscussion, RecordInitialConference, RecordCoreGroup, RecordVisit,
          RecordReviewConference, ExtendDeadline, CloseJourney, ChangePolicy],
    Field(discriminator="type"),
]

COMMAND_EXAMPLES = {
    "strategy discussion": {"value": {"command_id": "0b8f5c1e-7d44-4a57-8a0c-1f2e3d4c5b6a", "type": "record_strategy_discussion", "occurred_on": "2026-03-19", "outcome": "s47_roth"}},
    "initial conference with a plan": {"value": {"command_id": "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f", "type": "record_initial_conference", "occurred_on": "2026-04-02", "decision": "plan", "categories": ["physical"]}},
    "review transferring to CP": {"value": {"command_id": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "type": "record_review_conference", "occurred_on": "2026-07-01", "decision": "transfer_to_cp", "categories": ["emotional"]}},
    "manager's extension": {"value": {"command_id": "9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f", "type": "extend_deadline", "deadline": "initial_conference", "new_due_on": "2026-04-14", "reason": "Family bereavement; chair agreed a new date"}},
}


class Deadline(BaseModel):
    kind: str
    due_on: date
    original_due_on: date
    reminder_on: date | None = None
    status: Literal["open", "met", "missed", "extended"]
    met_on: date | None = None


class Plan(BaseModel):
    categories: list[str]
    outside_home: bool
    started_on: date


class JourneyState(BaseModel):
    journey_id: str
    local_authority: str
    young_person: dict[str, Any]
    referral_date: date | None = None
    pathway: Literal["roth", "cp"] | None
    stage: str
    plan: Plan | None
    deadlines: list[Deadline]
    policy: str | None = None
    transfers: int = 0
    closed: bool
    closed_on: date | None = None
    closure_reason: str | None
    step_down: str | None = None
    version: int


class Event(BaseModel):
    event_id: str
    position: int
    version: int
    type: str
    occurred_on: date | None
    recorded_at: str
    actor: str
    actor_role: str
    command_id: str | None
    schema_version: int
    data: dict[str, Any]
    prev_hash: str
    hash: str


class CommandAnswer(BaseModel):
    journey_id: str
    events: list[Event]
    state: JourneyState


class JourneySummary(BaseModel):
    journey_id: str
    local_authority: str
    pathway: str | None
    stage: str
    opened_on: date
    closed: bool
    closed_on: date | None
    closure_reason: str | None
    next_deadline_kind: str | None
    next_due_on: date | None
    overdue: bool


class JourneyPage(BaseModel):
    journeys: list[JourneySummary]
    next_cursor: str | None


class Chronology(BaseModel):
    journey_id: str
    events: list[Event]


class ErrorDetail(BaseModel):
    code: str
    message: str
    journey_id: str | None = None  # with journey_already_open: the journey that is open


class ErrorAnswer(BaseModel):
    error: ErrorDetail
