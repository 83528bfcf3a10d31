"""What the journeys resource answers: a journey's state, a command's answer, pages of
summaries and the chronology."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from api.schemas.common import example_config
from api.schemas.events import EVENT_EXAMPLE, Event
from domain import deadlines
from domain.model import PATHWAYS, STAGES
from domain.weighting import FAMILY_SIDE, OUTSIDE_SIDE

Stage = Literal[STAGES]  # type: ignore[valid-type]

JOURNEY_ID = "0f3c6a55-1b7e-5c2d-9a4f-8e6d2b1c0a97"

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
    "closure_reason": None, "step_down": None,
    "allocation": {"social_worker": "sw-0042", "team_manager": "tm-0007"}, "chair": "chair-0003",
    "context_weightings": [{"occurred_on": "2026-03-26", "at": "assessment", "most_influential": "outside", "contexts": [
        {"context_id": "riverside-park", "kind": "public_place", "name": "Riverside park", "harm": True, "safety": False,
         "weight": 9, "affects": ["year-10-peers"]},
        {"context_id": "family-home", "kind": "home_family", "name": "Home and family", "harm": False, "safety": True,
         "weight": 6, "affects": ["riverside-park"]}]}],
    "transfer_prompt": None, "care_plan": None, "plan_findings": [], "participation": [],
    "consents": [{"occurred_on": "2026-03-26", "given_by": "parent_carer", "decision": "given",
                  "scope": ["community_safety", "education", "police"]}],
    "transition_plan_on": None, "transition_plan_due": False,
    "version": 6,
}
ANSWER_EXAMPLE = {"journey_id": JOURNEY_ID, "events": [EVENT_EXAMPLE], "state": STATE_EXAMPLE}
SUMMARY_EXAMPLE = {
    "journey_id": JOURNEY_ID, "local_authority": "873", "pathway": "roth", "stage": "section_47",
    "opened_on": "2026-03-02", "closed": False, "closed_on": None, "closure_reason": None,
    "next_deadline_kind": "initial_conference", "next_due_on": "2026-04-10", "overdue": False,
}


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
    status: Literal[deadlines.STATUSES]  # type: ignore[valid-type]
    met_on: date | None = None


class Plan(BaseModel):
    categories: list[str]
    outside_home: bool
    started_on: date


class Allocation(BaseModel):
    social_worker: str
    team_manager: str


class WeightedContext(BaseModel):
    context_id: str
    kind: str
    name: str
    harm: bool
    safety: bool
    weight: int
    affects: list[str]


class ContextWeighting(BaseModel):
    occurred_on: date
    at: str
    contexts: list[WeightedContext]
    most_influential: Literal[FAMILY_SIDE, OUTSIDE_SIDE] | None = Field(
        description="where the most influential context is; null when the family and an outside context tie")


class PlanAction(BaseModel):
    description: str
    owner: str | None
    due_on: date | None
    targets: list[str]


class Goal(BaseModel):
    goal_id: str
    heading: str
    description: str
    need: str | None
    actions: list[PlanAction]
    outcome: str | None


class CarePlan(BaseModel):
    version: int = Field(description="1 for the first plan, then one more each time a meeting changes it")
    made_on: date
    made_at: str
    needs: list[str]
    goals: list[Goal]


class PlanFinding(BaseModel):
    code: str = Field(description="need_without_goal, goal_without_action, action_without_owner_or_date, "
                                  "harm_context_without_action, only_behaviour_targeted, voices_not_recorded, "
                                  "goal_without_outcome")
    message: str


class ParticipationRecord(BaseModel):
    meeting: str
    occurred_on: date
    participant: str
    invited: bool
    attended: bool
    views: str | None


class ConsentRecord(BaseModel):
    occurred_on: date
    given_by: str
    decision: str
    scope: list[str]


class JourneyState(BaseModel):
    model_config = example_config(STATE_EXAMPLE)
    journey_id: str
    local_authority: str
    young_person: YoungPerson
    referral_date: date | None = None
    pathway: Literal[PATHWAYS] | None  # type: ignore[valid-type]
    stage: str
    plan: Plan | None
    deadlines: list[Deadline]
    policy: str | None = None
    transfers: int = 0
    harm_types: list[str] = Field(default_factory=list, description="harm types the strategy discussion found")
    closed: bool
    closed_on: date | None = None
    closure_reason: str | None
    step_down: str | None = None
    # ROTH practice (defaults: journeys shown before these fields existed have none of them).
    allocation: Allocation | None = Field(None, description="who holds the case (allocate_case)")
    chair: str | None = Field(None, description="the case's chair from the LA's pool (assign_chair)")
    context_weightings: list[ContextWeighting] = Field(default_factory=list, description="every weighting, oldest first")
    transfer_prompt: Literal[PATHWAYS] | None = Field(  # type: ignore[valid-type]
        None, description="the pathway the next conference should consider transferring to, after the most "
                          "influential context moved between the family and outside it; a prompt, never a transfer")
    care_plan: CarePlan | None = Field(None, description="the plan under the three headings, as last made (update_plan)")
    plan_findings: list[PlanFinding] = Field(default_factory=list, description="the plan quality check on care_plan")
    participation: list[ParticipationRecord] = Field(default_factory=list)
    consents: list[ConsentRecord] = Field(default_factory=list, description="every decision, oldest first")
    transition_plan_on: date | None = None
    transition_plan_due: bool = Field(False, description="17 or over, open, and no transition plan recorded yet")
    census: dict[str, Any] | None = Field(None, description="what the CIN census asks: upn, upn_unknown, disabilities, "
                                          "referral_source, primary_need (record_census_details)")
    assessments: list[dict[str, Any]] = Field(default_factory=list, description="started_on, authorised_on, factors "
                                              "(record_assessment), by start date")
    version: int


class CommandAnswer(BaseModel):
    model_config = example_config(ANSWER_EXAMPLE)
    journey_id: str
    events: list[Event]
    state: JourneyState


class JourneySummary(BaseModel):
    model_config = example_config(SUMMARY_EXAMPLE)
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
    model_config = example_config({"journeys": [SUMMARY_EXAMPLE], "next_cursor": "MGYzYzZhNTUtMWI3ZS01YzJkLTlhNGYtOGU2ZDJiMWMwYTk3"})
    journeys: list[JourneySummary]
    next_cursor: str | None = Field(description="pass back as `cursor` for the next page; null on the last page")


class Chronology(BaseModel):
    model_config = example_config({"journey_id": JOURNEY_ID, "events": [EVENT_EXAMPLE]})
    journey_id: str
    events: list[Event]
