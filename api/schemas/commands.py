"""What callers send a journey: the start, and the commands an open journey records.

Each mirrors the domain's command of the same name (domain/commands.py) field for field,
less what the service fills in (the actor, from the caller's token; what the rules are told);
tests/unit/test_command_shapes.py holds them to that.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union
from uuid import UUID

from pydantic import ConfigDict, Field, StrictBool

from api.fields import RecordDate, record_text, whole_number
from api.schemas.common import (
    CommandIn, ContextId, ContextKind, LaCode, ShortText, StaffId, Strict, Text, discriminated,
)
from domain import census, corrections, plans
from domain.commands import SENT_COMMAND_TYPES
from domain.model import (
    CATEGORIES, CLOSE_REASONS, CONSENT_DECISIONS, CONSENT_SCOPES, DEADLINE_KINDS, ETHNICITIES, HARM_TYPES,
    INITIAL_CONFERENCE_DECISIONS, MEETINGS, PARTICIPANTS, REVIEW_DECISIONS, SEXES, STEP_DOWNS, STRATEGY_OUTCOMES,
)
from domain.timescales import POLICY_FAMILIES
from domain.weighting import MAX_WEIGHT, WEIGHTED_AT

# The value sets are the domain's words, so the contract offers exactly what the rules accept.
Sex = Literal[SEXES]  # type: ignore[valid-type]
Ethnicity = Literal[ETHNICITIES]  # type: ignore[valid-type]
Category = Literal[CATEGORIES]  # type: ignore[valid-type]
StepDown = Literal[STEP_DOWNS]  # type: ignore[valid-type]
# Every kind the contract names; the rules refuse one that is not open (deadline_not_open),
# the eighteenth birthday included.
DeadlineKind = Literal[DEADLINE_KINDS]  # type: ignore[valid-type]
Meeting = Literal[MEETINGS]  # type: ignore[valid-type]
Participant = Literal[PARTICIPANTS]  # type: ignore[valid-type]
Need = Literal[plans.NEEDS]  # type: ignore[valid-type]
# Whom an action is aimed at: the young person, the family, or a context of the latest weighting.
Target = Union[Literal[plans.YOUNG_PERSON, plans.FAMILY], ContextId]
# The LA's child id (CIN census LAchildID): letters, digits and . _ / -, beginning with a letter
# or a digit. It is written into exports opened in spreadsheets, where a first `=`, `+`, `-` or
# `@` would run as a formula; and it names the child in URLs and files, so nothing invisible.
CHILD_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,19}$"


class YoungPersonIn(Strict):
    id: Annotated[str, Field(pattern=CHILD_ID_PATTERN, examples=["LCS0012345"],
                             description="the LA's child id (CIN census LAchildID): 1-20 letters, digits and . _ / -, "
                                         "beginning with a letter or a digit")]
    date_of_birth: RecordDate
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
    referral_date: RecordDate


START_EXAMPLES = {"a referral": {"summary": "Start a journey at referral", "value": START_EXAMPLE}}


class RecordStrategyDiscussion(CommandIn):
    type: Literal["record_strategy_discussion"]
    occurred_on: RecordDate
    outcome: Literal[STRATEGY_OUTCOMES]  # type: ignore[valid-type]
    harm_types: list[Literal[HARM_TYPES]] = Field(  # type: ignore[valid-type]
        default_factory=list, description="the harm the discussion found: serious_youth_violence, cce, cse, "
                                          "peer_abuse, intimate_partner_abuse, online_abuse, other")


class RecordInitialConference(CommandIn):
    type: Literal["record_initial_conference"]
    occurred_on: RecordDate
    decision: Literal[INITIAL_CONFERENCE_DECISIONS]  # type: ignore[valid-type]
    categories: list[Category] = Field(default_factory=list, description="with `plan`: one or more")
    step_down: StepDown | None = Field(None, description="with `no_plan`: required")


class RecordCoreGroup(CommandIn):
    type: Literal["record_core_group"]
    occurred_on: RecordDate


class RecordVisit(CommandIn):
    type: Literal["record_visit"]
    occurred_on: RecordDate
    seen_alone: StrictBool


class RecordReviewConference(CommandIn):
    type: Literal["record_review_conference"]
    occurred_on: RecordDate
    decision: Literal[REVIEW_DECISIONS]  # type: ignore[valid-type]
    categories: list[Category] = Field(default_factory=list, description="optional: the plan's categories from now on")
    step_down: StepDown | None = Field(None, description="with `end_plan`: required")


class ExtendDeadline(CommandIn):
    type: Literal["extend_deadline"]
    deadline: DeadlineKind
    new_due_on: RecordDate
    # An empty reason is the rules' refusal (409 reason_required), with a sentence a
    # manager can act on, rather than a shape error.
    reason: Text


class CloseJourney(CommandIn):
    type: Literal["close_journey"]
    occurred_on: RecordDate
    reason: Literal[CLOSE_REASONS]  # type: ignore[valid-type]
    note: Text | None = None


class ChangePolicy(CommandIn):
    type: Literal["change_policy"]
    policy: Literal[POLICY_FAMILIES]  # type: ignore[valid-type]


# --- ROTH practice: allocation and chairs, context weighting, the plan, voices, adulthood ---
# Blank texts and empty lists are the rules' refusals (409, with a sentence to act on), as
# extend_deadline's reason is; the contract checks only the shapes.

class AllocateCase(CommandIn):
    type: Literal["allocate_case"]
    social_worker: StaffId = Field(description="the allocated social worker's staff id")
    team_manager: StaffId = Field(description="their team manager's staff id")


class AssignChair(CommandIn):
    type: Literal["assign_chair"]
    chair_id: StaffId = Field(description="a chair in the LA's pool (`GET /v1/chairs`), independent of the case")


class WeightedContextIn(Strict):
    context_id: ContextId = Field(description="the LA's id for the context, shared by every journey that names it")
    kind: ContextKind
    name: ShortText = Field(description="a place or group, never a person: 'Riverside park'")
    harm: StrictBool = Field(description="a place of harm for the young person")
    safety: StrictBool = Field(description="a place of safety")
    weight: whole_number(1, MAX_WEIGHT) = Field(  # type: ignore[valid-type]
        description=f"how influential it is for the young person's safety, 1 to {MAX_WEIGHT}")
    affects: list[ContextId] = Field(default_factory=list, description="the other contexts of this weighting it affects")


class RecordContextWeighting(CommandIn):
    type: Literal["record_context_weighting"]
    occurred_on: RecordDate
    at: Literal[WEIGHTED_AT] = Field(  # type: ignore[valid-type]
        description="assessment, or the meeting (held on occurred_on) that weighed the contexts")
    contexts: list[WeightedContextIn] = Field(description="one or more contexts, each once")


class PlanActionIn(Strict):
    description: Text
    owner: ShortText | None = Field(None, description="the organisation that will do it (the quality check flags none)")
    due_on: RecordDate | None = Field(None, description="by when (the quality check flags none)")
    targets: list[Target] = Field(description="`young_person`, `family` and/or context ids of the latest weighting")


class GoalIn(Strict):
    goal_id: record_text(64, min_length=1)  # type: ignore[valid-type]
    heading: Literal[plans.HEADINGS] = Field(  # type: ignore[valid-type]
        description="needs, guardianship (in extra-familial contexts) or environment")
    description: Text
    need: Need | None = Field(None, description="under the needs heading: the plan's need it meets")
    outcome: Text | None = Field(None, description="how progress will be known (the quality check flags none)")
    actions: list[PlanActionIn] = Field(default_factory=list)


class UpdatePlan(CommandIn):
    type: Literal["update_plan"]
    occurred_on: RecordDate = Field(description="the date of the meeting that made the plan")
    made_at: Meeting
    needs: list[Need] = Field(default_factory=list)
    goals: list[GoalIn] = Field(default_factory=list)


class RecordParticipation(CommandIn):
    type: Literal["record_participation"]
    occurred_on: RecordDate = Field(description="the meeting's date")
    meeting: Meeting
    participant: Participant
    invited: StrictBool
    attended: StrictBool
    views: Text | None = Field(None, description="what they said, in their words or the chair's summary")


class RecordConsent(CommandIn):
    type: Literal["record_consent"]
    occurred_on: RecordDate
    given_by: Participant
    decision: Literal[CONSENT_DECISIONS]  # type: ignore[valid-type]
    scope: list[Literal[CONSENT_SCOPES]] = Field(  # type: ignore[valid-type]
        default_factory=list, description="with `given`: whom the consent to share covers")


class RecordTransitionPlan(CommandIn):
    type: Literal["record_transition_plan"]
    occurred_on: RecordDate = Field(description="on or after the young person's 17th birthday")
    note: Text | None = None


class RecordCensusDetails(CommandIn):
    """What the CIN census asks about the child and the referral. Each field given replaces
    what was recorded; a field left out keeps it. The UPN's check letter is checked
    (409 invalid_upn); a UPN and a reason for not having one replace each other."""

    type: Literal["record_census_details"]
    upn: Annotated[record_text(13, min_length=13), Field(description="unique pupil number")] | None = None  # type: ignore[valid-type]
    upn_unknown: Literal[census.UPN_UNKNOWN] | None = Field(  # type: ignore[valid-type]
        None, description="why there is no UPN (UN1-UN7)")
    disabilities: list[Literal[census.DISABILITIES]] | None = Field(  # type: ignore[valid-type]
        None, description="DfE disability codes; NONE alone when there is none")
    referral_source: Literal[census.REFERRAL_SOURCES] | None = Field(  # type: ignore[valid-type]
        None, description="who made the referral (DfE codes 1A-10)")
    primary_need: Literal[census.PRIMARY_NEEDS] | None = Field(  # type: ignore[valid-type]
        None, description="the child's primary need at referral (N0-N9)")


class RecordAssessment(CommandIn):
    """A child and family assessment: recording one again with the same start date
    completes or amends it. A completed (authorised) assessment names its factors."""

    type: Literal["record_assessment"]
    started_on: RecordDate
    authorised_on: RecordDate | None = Field(None, description="the day it was authorised (completed)")
    factors: list[Literal[census.ASSESSMENT_FACTORS]] = Field(  # type: ignore[valid-type]
        default_factory=list, description="DfE factor codes found, e.g. 11A (CSE), 24A (CCE); 21 alone: none found")


class CorrectEvent(CommandIn):
    """Put right what a practitioner got wrong in an earlier event: a date (`occurred_on`,
    as YYYY-MM-DD), the plan's `categories` (a list), or the s.47 `outcome` (s47_roth or
    s47_cp). The original stays in the log; the correction names it."""

    type: Literal["correct_event"]
    event_id: record_text(64, min_length=1)  # type: ignore[valid-type]
    field: Literal[corrections.FIELDS]  # type: ignore[valid-type]
    value: record_text(32) | list[Category]  # type: ignore[valid-type]
    # An empty reason is the rules' refusal (409 reason_required), as for extensions.
    reason: Text


# Which commands a caller may send is the domain's to say; each has its shape above.
COMMAND_TYPES = SENT_COMMAND_TYPES
Command = discriminated(COMMAND_TYPES, (
    RecordStrategyDiscussion, RecordInitialConference, RecordCoreGroup, RecordVisit, RecordReviewConference,
    ExtendDeadline, CloseJourney, ChangePolicy, AllocateCase, AssignChair, RecordContextWeighting, UpdatePlan,
    RecordParticipation, RecordConsent, RecordTransitionPlan, RecordCensusDetails, RecordAssessment, CorrectEvent))

COMMAND_EXAMPLES = {
    "correction": {"summary": "correct_event: the conference's minutes were dated wrongly", "value": {
        "command_id": "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f", "type": "correct_event",
        "event_id": "c8f1a0de-2f5b-5b71-8d3e-6a9c0b1e2d34", "field": "occurred_on", "value": "2026-04-01",
        "reason": "The minutes were dated the day they were typed up"}},
    "strategy discussion": {"summary": "record_strategy_discussion opening a ROTH s.47 enquiry", "value": {
        "command_id": "0b8f5c1e-7d44-4a57-8a0c-1f2e3d4c5b6a", "type": "record_strategy_discussion",
        "occurred_on": "2026-03-19", "outcome": "s47_roth", "harm_types": ["cce", "serious_youth_violence"]}},
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
    "allocation": {"summary": "allocate_case to a social worker and their team manager", "value": {
        "command_id": "a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d", "type": "allocate_case",
        "social_worker": "sw-0042", "team_manager": "tm-0007"}},
    "chair": {"summary": "assign_chair from the LA's pool (before a ROTH conference)", "value": {
        "command_id": "b1c2d3e4-f5a6-4b7c-9d8e-0f1a2b3c4d5e", "type": "assign_chair", "chair_id": "chair-0003"}},
    "context weighting": {"summary": "record_context_weighting at assessment: unsafe in the park, safe at home", "value": {
        "command_id": "c2d3e4f5-a6b7-4c8d-8e9f-1a2b3c4d5e6f", "type": "record_context_weighting",
        "occurred_on": "2026-03-26", "at": "assessment", "contexts": [
            {"context_id": "riverside-park", "kind": "public_place", "name": "Riverside park", "harm": True,
             "safety": False, "weight": 9, "affects": ["year-10-peers"]},
            {"context_id": "year-10-peers", "kind": "peer_group", "name": "Older peer group met at the park",
             "harm": True, "safety": False, "weight": 7, "affects": ["riverside-park"]},
            {"context_id": "family-home", "kind": "home_family", "name": "Home and family", "harm": False,
             "safety": True, "weight": 6, "affects": ["riverside-park"]},
            {"context_id": "oakfield-academy", "kind": "school_college", "name": "Oakfield Academy (excluded)",
             "harm": False, "safety": True, "weight": 3, "affects": []}]}},
    "plan": {"summary": "update_plan made at the initial conference, under the three headings", "value": {
        "command_id": "d3e4f5a6-b7c8-4d9e-8f0a-2b3c4d5e6f7a", "type": "update_plan",
        "occurred_on": "2026-04-02", "made_at": "initial_conference", "needs": ["education_access", "physical_safety"],
        "goals": [
            {"goal_id": "back-to-school", "heading": "needs", "need": "education_access",
             "description": "Back in full-time education",
             "outcome": "Attending at least four days a week by the first review",
             "actions": [{"description": "Agree a place at the pupil referral unit, with transport",
                          "owner": "Education inclusion team", "due_on": "2026-04-30", "targets": ["young_person"]}]},
            {"goal_id": "safe-in-public", "heading": "needs", "need": "physical_safety",
             "description": "Safe on the way home and in public places", "outcome": "No missing episodes for six weeks",
             "actions": [{"description": "Mother meets him at the park gate after school on weekdays",
                          "owner": "Parent", "due_on": "2026-04-09", "targets": ["family", "riverside-park"]}]},
            {"goal_id": "guardians-in-park", "heading": "guardianship", "need": None,
             "description": "Capable guardians in the park after school",
             "outcome": "Wardens report no incidents involving the group for six weeks",
             "actions": [{"description": "Park wardens patrol 3pm to 7pm on weekdays", "owner": "Parks service",
                          "due_on": "2026-04-16", "targets": ["riverside-park"]},
                         {"description": "Detached youth work with the older group at the park",
                          "owner": "Youth service", "due_on": "2026-04-23", "targets": ["year-10-peers"]}]},
            {"goal_id": "light-river-path", "heading": "environment", "need": None,
             "description": "A lit, overlooked river path", "outcome": "Lighting repaired and CCTV in place",
             "actions": [{"description": "Repair the lighting on the river path and review CCTV coverage",
                          "owner": "Community safety partnership", "due_on": "2026-05-29",
                          "targets": ["riverside-park"]}]}]}},
    "participation": {"summary": "record_participation: the young person's views at the conference", "value": {
        "command_id": "e4f5a6b7-c8d9-4e0f-9a1b-3c4d5e6f7a8b", "type": "record_participation",
        "occurred_on": "2026-04-02", "meeting": "initial_conference", "participant": "young_person",
        "invited": True, "attended": True,
        "views": "Feels safer when his mum meets him; wants to go back to school, but not to Oakfield"}},
    "consent": {"summary": "record_consent to share with partners", "value": {
        "command_id": "f5a6b7c8-d9e0-4f1a-8b2c-4d5e6f7a8b9c", "type": "record_consent", "occurred_on": "2026-03-26",
        "given_by": "parent_carer", "decision": "given", "scope": ["education", "police", "community_safety"]}},
    "transition plan": {"summary": "record_transition_plan (from the 17th birthday)", "value": {
        "command_id": "a6b7c8d9-e0f1-4a2b-9c3d-5e6f7a8b9c0d", "type": "record_transition_plan",
        "occurred_on": "2027-05-20", "note": "Adult transitions team and a leaving-care adviser agreed"}},
    "census details": {"summary": "record_census_details the CIN census asks for", "value": {
        "command_id": "b7c8d9e0-f1a2-4b3c-8d4e-6f7a8b9c0d1e", "type": "record_census_details",
        "upn": "A950000178301", "disabilities": ["NONE"], "referral_source": "6", "primary_need": "N1"}},
    "assessment": {"summary": "record_assessment completed with its factors", "value": {
        "command_id": "c8d9e0f1-a2b3-4c4d-9e5f-7a8b9c0d1e2f", "type": "record_assessment",
        "started_on": "2026-03-23", "authorised_on": "2026-04-24", "factors": ["11A", "24A", "10A"]}},
}
