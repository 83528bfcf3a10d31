"""The v1 contract's shapes (../shared/API.md), checked before anything reaches a journey.

A body of the wrong shape is answered 422 with pydantic's detail; the journey's rules then
refuse what is well-formed but not allowed (409). Unknown fields are refused too, so a
misspelt field is reported rather than silently ignored. Dates must be ISO `YYYY-MM-DD`
strings and booleans JSON booleans: a case system that sends `"yes"`, `1` or a timestamp
has a bug that should surface now, not as a wrong date in a child's chronology.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal, Union
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool
from pydantic_core import PydanticCustomError

from domain.model import ETHNICITIES

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date_only(value: Any) -> Any:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise PydanticCustomError("date_format", "Input should be a date in the format YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date_only)]
Sex = Literal["M", "F", "U"]
Ethnicity = Literal[ETHNICITIES]  # type: ignore[valid-type]
Category = Literal["physical", "emotional", "sexual", "neglect"]
StepDown = Literal["child_in_need", "early_help", "none"]
# Every kind the contract names; the rules refuse one that is not open (deadline_not_open),
# the eighteenth birthday included.
DeadlineKind = Literal["initial_conference", "first_core_group", "core_group", "review_conference", "visit",
                       "eighteenth_birthday"]
Stage = Literal["referral", "section_47", "plan", "closed"]
LaCode = Annotated[str, Field(pattern=r"^\d{3}$", examples=["873"])]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class YoungPersonIn(Strict):
    id: Annotated[str, Field(min_length=1, max_length=20, description="the LA's child id (CIN census LAchildID)")]
    date_of_birth: IsoDate
    sex: Sex
    ethnicity: Ethnicity


START_EXAMPLE = {
    "command_id": "6a1f3f0e-0c2b-4f55-9d0e-3d7a8f1e2b41", "local_authority": "873",
    "young_person": {"id": "LCS0012345", "date_of_birth": "2010-05-14", "sex": "M", "ethnicity": "MWBC"},
    "referral_date": "2026-03-02",
}


class StartJourney(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [START_EXAMPLE]})
    command_id: UUID
    local_authority: LaCode
    young_person: YoungPersonIn
    referral_date: IsoDate


START_EXAMPLES = {"a referral": {"summary": "Start a journey at referral", "value": START_EXAMPLE}}


class _Command(Strict):
    command_id: UUID


class RecordStrategyDiscussion(_Command):
    type: Literal["record_strategy_discussion"]
    occurred_on: IsoDate
    outcome: Literal["s47_roth", "s47_cp", "child_in_need", "early_help", "no_further_action"]


class RecordInitialConference(_Command):
    type: Literal["record_initial_conference"]
    occurred_on: IsoDate
    decision: Literal["plan", "no_plan"]
    categories: list[Category] = Field(default_factory=list, description="with `plan`: one or more")
    step_down: StepDown | None = Field(None, description="with `no_plan`: required")


class RecordCoreGroup(_Command):
    type: Literal["record_core_group"]
    occurred_on: IsoDate


class RecordVisit(_Command):
    type: Literal["record_visit"]
    occurred_on: IsoDate
    seen_alone: StrictBool


class RecordReviewConference(_Command):
    type: Literal["record_review_conference"]
    occurred_on: IsoDate
    decision: Literal["continue", "transfer_to_roth", "transfer_to_cp", "end_plan"]
    categories: list[Category] = Field(default_factory=list, description="optional: the plan's categories from now on")
    step_down: StepDown | None = Field(None, description="with `end_plan`: required")


class ExtendDeadline(_Command):
    type: Literal["extend_deadline"]
    deadline: DeadlineKind
    new_due_on: IsoDate
    # An empty reason is the rules' refusal (409 reason_required), with a sentence a
    # manager can act on, rather than a shape error.
    reason: Annotated[str, Field(max_length=2000)]


class CloseJourney(_Command):
    type: Literal["close_journey"]
    occurred_on: IsoDate
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
COMMAND_TYPES = ("record_strategy_discussion", "record_initial_conference", "record_core_group", "record_visit",
                 "record_review_conference", "extend_deadline", "close_journey", "change_policy")

COMMAND_EXAMPLES = {
    "strategy discussion": {"summary": "record_strategy_discussion opening a ROTH s.47 enquiry", "value": {
        "command_id": "0b8f5c1e-7d44-4a57-8a0c-1f2e3d4c5b6a", "type": "record_strategy_discussion",
        "occurred_on": "2026-03-19", "outcome": "s47_roth"}},
    "initial conference with a plan": {"summary": "record_initial_conference making a plan", "value": {
        "command_id": "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f", "type": "record_initial_conference",
        "occurred_on": "2026-04-02", "decision": "plan", "categories": ["physical"]}},
    "initial conference without a plan": {"summary": "record_initial_conference stepping down", "value": {
        "command_id": "3e4f5a6b-7c8d-4e9f-8a0b-1c2d3e4f5a6b", "type": "record_initial_conference",
        "occurred_on": "2026-04-02", "decision": "no_plan", "step_down": "child_in_need"}},
    "core group": {"summary": "record_core_group", "value": {
        "command_id": "5d6e7f8a-9b0c-4d1e-8f2a-3b4c5d6e7f8a", "type": "record_core_group", "occurred_on": "2026-04-15"}},
    "visit": {"summary": "record_visit", "value": {
        "command_id": "8a9b0c1d-2e3f-4a4b-9c5d-6e7f8a9b0c1d", "type": "record_visit", "occurred_on": "2026-04-09",
        "seen_alone": True}},
    "review transferring to CP": {"summary": "record_review_conference transferring to the CP pathway", "value": {
        "command_id": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "type": "record_review_conference",
        "occurred_on": "2026-07-01", "decision": "transfer_to_cp", "categories": ["emotional"]}},
    "review ending the plan": {"summary": "record_review_conference ending the plan", "value": {
        "command_id": "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e", "type": "record_review_conference",
        "occurred_on": "2026-10-01", "decision": "end_plan", "step_down": "early_help"}},
    "manager's extension": {"summary": "extend_deadline (managers only)", "value": {
        "command_id": "9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f", "type": "extend_deadline",
        "deadline": "initial_conference", "new_due_on": "2026-04-14",
        "reason": "Family bereavement; chair agreed a new date"}},
    "closure": {"summary": "close_journey", "value": {
        "command_id": "4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f", "type": "close_journey", "occurred_on": "2026-05-20",
        "reason": "transferred_out", "note": "Moved to another LA; records sent"}},
    "timescale policy": {"summary": "change_policy to the LA's ROTH cadence", "value": {
        "command_id": "6e7f8a9b-0c1d-4e2f-8a3b-4c5d6e7f8a9b", "type": "change_policy", "policy": "roth-cadence"}},
}


# --- answers ---------------------------------------------------------------------------

JOURNEY_ID = "0f3c6a55-1b7e-5c2d-9a4f-8e6d2b1c0a97"
HASH_1 = "5e0c2a0b7f3f1d9c4b6a8e2d1c0f9a7b3e5d4c2b1a0f9e8d7c6b5a4f3e2d1c0b"
HASH_2 = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"

STATE_EXAMPLE = {
    "journey_id": JOURNEY_ID, "local_authority": "873",
    "young_person": {"id": "LCS0012345", "date_of_birth": "2010-05-14", "sex": "M", "ethnicity": "MWBC"},
    "referral_date": "2026-03-02", "pathway": "roth", "stage": "section_47", "plan": None,
    "deadlines": [
        {"kind": "initial_conference", "due_on": "2026-04-10", "original_due_on": "2026-04-10",
         "reminder_on": "2026-04-07", "status": "open", "met_on": None},
        {"kind": "eighteenth_birthday", "due_on": "2028-05-14", "original_due_on": "2028-05-14",
         "reminder_on": "2028-04-13", "status": "open", "met_on": None},
    ],
    "policy": "national/2023-12-15", "transfers": 0, "closed": False, "closed_on": None,
    "closure_reason": None, "step_down": None, "version": 2,
}
EVENT_EXAMPLE = {
    "event_id": "c8f1a0de-2f5b-5b71-8d3e-6a9c0b1e2d34", "position": 1042, "version": 2,
    "type": "StrategyDiscussionHeld", "occurred_on": "2026-03-19", "recorded_at": "2026-03-19T14:02:11.384211+00:00",
    "actor": "lcs-integration", "actor_role": "system", "command_id": "0b8f5c1e-7d44-4a57-8a0c-1f2e3d4c5b6a",
    "schema_version": 1, "data": {"outcome": "s47_roth", "pathway": "roth"}, "prev_hash": HASH_1, "hash": HASH_2,
}
ANSWER_EXAMPLE = {"journey_id": JOURNEY_ID, "events": [EVENT_EXAMPLE], "state": STATE_EXAMPLE}
SUMMARY_EXAMPLE = {
    "journey_id": JOURNEY_ID, "local_authority": "873", "pathway": "roth", "stage": "section_47",
    "opened_on": "2026-03-02", "closed": False, "closed_on": None, "closure_reason": None,
    "next_deadline_kind": "initial_conference", "next_due_on": "2026-04-10", "overdue": False,
}


def _example(value: dict) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [value]})


class YoungPerson(BaseModel):
    id: str
    date_of_birth: date
    sex: str
    ethnicity: str


class Deadline(BaseModel):
    kind: str = Field(description="initial_conference, first_core_group, core_group, review_conference, visit, "
                                  "eighteenth_birthday (and more as policies add them)")
    due_on: date = Field(description="the working due date: an approved extension moves it")
    original_due_on: date = Field(description="the statutory due date, kept for timeliness reporting")
    reminder_on: date | None = None
    status: Literal["open", "met", "missed", "extended"]
    met_on: date | None = None


class Plan(BaseModel):
    categories: list[str]
    outside_home: bool
    started_on: date


class JourneyState(BaseModel):
    model_config = _example(STATE_EXAMPLE)
    journey_id: str
    local_authority: str
    young_person: YoungPerson
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
    model_config = _example(EVENT_EXAMPLE)
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
    model_config = _example(ANSWER_EXAMPLE)
    journey_id: str
    events: list[Event]
    state: JourneyState


class JourneySummary(BaseModel):
    model_config = _example(SUMMARY_EXAMPLE)
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
    model_config = _example({"journeys": [SUMMARY_EXAMPLE], "next_cursor": "MGYzYzZhNTUtMWI3ZS01YzJkLTlhNGYtOGU2ZDJiMWMwYTk3"})
    journeys: list[JourneySummary]
    next_cursor: str | None = Field(description="pass back as `cursor` for the next page; null on the last page")


class Chronology(BaseModel):
    model_config = _example({"journey_id": JOURNEY_ID, "events": [EVENT_EXAMPLE]})
    journey_id: str
    events: list[Event]


class ErrorDetail(BaseModel):
    code: str = Field(description="stable snake_case code to branch on")
    message: str = Field(description="a sentence a practitioner can read")
    journey_id: str | None = Field(None, description="with journey_already_open: the journey that is open")


class ErrorAnswer(BaseModel):
    model_config = _example({"error": {"code": "strategy_discussion_required",
                                       "message": "An initial conference needs a strategy discussion that opened a s.47 enquiry."}})
    error: ErrorDetail


class ValidationIssue(BaseModel):
    type: str
    loc: list[str | int]
    msg: str
    input: Any = None
    ctx: dict[str, Any] | None = None


class ValidationAnswer(BaseModel):
    """pydantic's detail: what was wrong with the request's shape, field by field."""

    model_config = _example({"detail": [{"type": "literal_error", "loc": ["body", "record_strategy_discussion", "outcome"],
                                         "msg": "Input should be 's47_roth', 's47_cp', 'child_in_need', 'early_help' or 'no_further_action'",
                                         "input": "s47", "ctx": {"expected": "'s47_roth', 's47_cp', 'child_in_need', 'early_help' or 'no_further_action'"}}]})
    detail: list[ValidationIssue]


def error_examples(*cases: tuple[str, str]) -> dict:
    """OpenAPI examples of error answers: (code, message) pairs."""
    return {code: {"summary": code, "value": {"error": {"code": code, "message": message}}} for code, message in cases}
