"""The v1 contract's shapes (../shared/API.md), checked before anything reaches a journey.

A body of the wrong shape is answered 422 with pydantic's detail; the journey's rules then
refuse what is well-formed but not allowed (409). Unknown fields are refused too, so a
misspelt field is reported rather than silently ignored. Dates must be ISO `YYYY-MM-DD`
strings within the record's years and booleans JSON booleans: a case system that sends
`"yes"`, `1` or a timestamp has a bug that should surface now, not as a wrong date in a
child's chronology. Texts are the record's (api/fields.py): names, ids and codes take no
control or invisible characters, free text takes line breaks and tabs besides.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal, Union
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from api.fields import RecordDate, free_text, record_text, whole_number
from domain import census
from domain import contexts as ctx
from domain import plans
from domain.model import CONSENT_DECISIONS, CONSENT_SCOPES, ETHNICITIES, HARM_TYPES, MEETINGS, PARTICIPANTS
from domain.weighting import CONTEXT_KINDS, HOME_FAMILY, MAX_WEIGHT, WEIGHTED_AT
from reports.cohort import AGE_BANDS, BASELINE_GROUPS

Sex = Literal["M", "F", "U"]
Ethnicity = Literal[ETHNICITIES]  # type: ignore[valid-type]
Category = Literal["physical", "emotional", "sexual", "neglect"]
StepDown = Literal["child_in_need", "early_help", "none"]
# Every kind the contract names; the rules refuse one that is not open (deadline_not_open),
# the eighteenth birthday included.
DeadlineKind = Literal["initial_conference", "first_core_group", "core_group", "review_conference", "visit",
                       "eighteenth_birthday"]
Stage = Literal["referral", "section_47", "plan", "closed"]
LaCode = Annotated[str, Field(pattern=r"^[0-9]{3}$", examples=["873"])]
# Staff ids (a social worker, a team manager, a chair): the LA's ids for its people, never
# their names; they are recorded on a child's chronology and appear in URLs.
STAFF_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$"
StaffId = Annotated[str, Field(pattern=STAFF_ID_PATTERN, examples=["sw-0042"])]
# Context ids are the LA's short names for places and groups (domain/weighting.py CONTEXT_ID).
CONTEXT_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
ContextId = Annotated[str, Field(pattern=CONTEXT_ID_PATTERN, examples=["riverside-park"])]
ContextKind = Literal[CONTEXT_KINDS]  # type: ignore[valid-type]
# A context case is about a place or group outside the home: never the family.
OutsideKind = Literal[tuple(k for k in CONTEXT_KINDS if k != HOME_FAMILY)]  # type: ignore[valid-type]
Meeting = Literal[MEETINGS]  # type: ignore[valid-type]
Participant = Literal[PARTICIPANTS]  # type: ignore[valid-type]
Need = Literal[plans.NEEDS]  # type: ignore[valid-type]
# Whom an action is aimed at: the young person, the family, or a context of the latest weighting.
Target = Union[Literal["young_person", "family"], ContextId]
Text = free_text(2000)
ShortText = record_text(200)
# The LA's child id (CIN census LAchildID): letters, digits and . _ / -, beginning with a letter
# or a digit. It is written into exports opened in spreadsheets, where a first `=`, `+`, `-` or
# `@` would run as a formula; and it names the child in URLs and files, so nothing invisible.
CHILD_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,19}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


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


class _Command(Strict):
    command_id: UUID


class RecordStrategyDiscussion(_Command):
    type: Literal["record_strategy_discussion"]
    occurred_on: RecordDate
    outcome: Literal["s47_roth", "s47_cp", "child_in_need", "early_help", "no_further_action"]
    harm_types: list[Literal[HARM_TYPES]] = Field(  # type: ignore[valid-type]
        default_factory=list, description="the harm the discussion found: serious_youth_violence, cce, cse, "
                                          "peer_abuse, intimate_partner_abuse, online_abuse, other")


class RecordInitialConference(_Command):
    type: Literal["record_initial_conference"]
    occurred_on: RecordDate
    decision: Literal["plan", "no_plan"]
    categories: list[Category] = Field(default_factory=list, description="with `plan`: one or more")
    step_down: StepDown | None = Field(None, description="with `no_plan`: required")


class RecordCoreGroup(_Command):
    type: Literal["record_core_group"]
    occurred_on: RecordDate


class RecordVisit(_Command):
    type: Literal["record_visit"]
    occurred_on: RecordDate
    seen_alone: StrictBool


class RecordReviewConference(_Command):
    type: Literal["record_review_conference"]
    occurred_on: RecordDate
    decision: Literal["continue", "transfer_to_roth", "transfer_to_cp", "end_plan"]
    categories: list[Category] = Field(default_factory=list, description="optional: the plan's categories from now on")
    step_down: StepDown | None = Field(None, description="with `end_plan`: required")


class ExtendDeadline(_Command):
    type: Literal["extend_deadline"]
    deadline: DeadlineKind
    new_due_on: RecordDate
    # An empty reason is the rules' refusal (409 reason_required), with a sentence a
    # manager can act on, rather than a shape error.
    reason: Text


class CloseJourney(_Command):
    type: Literal["close_journey"]
    occurred_on: RecordDate
    reason: Literal["transferred_out", "looked_after", "died", "moved_to_adult_services", "other"]
    note: Text | None = None


class ChangePolicy(_Command):
    type: Literal["change_policy"]
    policy: Literal["national", "roth-cadence"]


# --- ROTH practice: allocation and chairs, context weighting, the plan, voices, adulthood ---
# Blank texts and empty lists are the rules' refusals (409, with a sentence to act on), as
# extend_deadline's reason is; the contract checks only the shapes.

class AllocateCase(_Command):
    type: Literal["allocate_case"]
    social_worker: StaffId = Field(description="the allocated social worker's staff id")
    team_manager: StaffId = Field(description="their team manager's staff id")


class AssignChair(_Command):
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


class RecordContextWeighting(_Command):
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


class UpdatePlan(_Command):
    type: Literal["update_plan"]
    occurred_on: RecordDate = Field(description="the date of the meeting that made the plan")
    made_at: Meeting
    needs: list[Need] = Field(default_factory=list)
    goals: list[GoalIn] = Field(default_factory=list)


class RecordParticipation(_Command):
    type: Literal["record_participation"]
    occurred_on: RecordDate = Field(description="the meeting's date")
    meeting: Meeting
    participant: Participant
    invited: StrictBool
    attended: StrictBool
    views: Text | None = Field(None, description="what they said, in their words or the chair's summary")


class RecordConsent(_Command):
    type: Literal["record_consent"]
    occurred_on: RecordDate
    given_by: Participant
    decision: Literal[CONSENT_DECISIONS]  # type: ignore[valid-type]
    scope: list[Literal[CONSENT_SCOPES]] = Field(  # type: ignore[valid-type]
        default_factory=list, description="with `given`: whom the consent to share covers")


class RecordTransitionPlan(_Command):
    type: Literal["record_transition_plan"]
    occurred_on: RecordDate = Field(description="on or after the young person's 17th birthday")
    note: Text | None = None


class RecordCensusDetails(_Command):
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


class RecordAssessment(_Command):
    """A child and family assessment: recording one again with the same start date
    completes or amends it. A completed (authorised) assessment names its factors."""

    type: Literal["record_assessment"]
    started_on: RecordDate
    authorised_on: RecordDate | None = Field(None, description="the day it was authorised (completed)")
    factors: list[Literal[census.ASSESSMENT_FACTORS]] = Field(  # type: ignore[valid-type]
        default_factory=list, description="DfE factor codes found, e.g. 11A (CSE), 24A (CCE); 21 alone: none found")


class CorrectEvent(_Command):
    """Put right what a practitioner got wrong in an earlier event: a date (`occurred_on`,
    as YYYY-MM-DD), the plan's `categories` (a list), or the s.47 `outcome` (s47_roth or
    s47_cp). The original stays in the log; the correction names it."""

    type: Literal["correct_event"]
    event_id: record_text(64, min_length=1)  # type: ignore[valid-type]
    field: Literal["occurred_on", "categories", "outcome"]
    value: record_text(32) | list[Category]  # type: ignore[valid-type]
    # An empty reason is the rules' refusal (409 reason_required), as for extensions.
    reason: Text


Command = Annotated[
    Union[RecordStrategyDiscussion, RecordInitialConference, RecordCoreGroup, RecordVisit,
          RecordReviewConference, ExtendDeadline, CloseJourney, ChangePolicy,
          AllocateCase, AssignChair, RecordContextWeighting, UpdatePlan, RecordParticipation,
          RecordConsent, RecordTransitionPlan, RecordCensusDetails, RecordAssessment, CorrectEvent],
    Field(discriminator="type"),
]
COMMAND_TYPES = ("record_strategy_discussion", "record_initial_conference", "record_core_group", "record_visit",
                 "record_review_conference", "extend_deadline", "close_journey", "change_policy",
                 "allocate_case", "assign_chair", "record_context_weighting", "update_plan", "record_participation",
                 "record_consent", "record_transition_plan", "record_census_details", "record_assessment",
                 "correct_event")

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


# --- context cases ---------------------------------------------------------------------

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


class RecordContextConference(_Command):
    type: Literal["record_context_conference"]
    occurred_on: RecordDate
    decision: Literal[ctx.CONFERENCE_DECISIONS]  # type: ignore[valid-type]
    note: Text | None = None


class RecordContextAction(_Command):
    type: Literal["record_context_action"]
    action_id: record_text(64, min_length=1) = Field(  # type: ignore[valid-type]
        description="the LA's id for the action: recording it again (with done_on) updates it")
    kind: Literal[ctx.ACTION_KINDS]  # type: ignore[valid-type]
    description: Text
    owner: ShortText = Field(description="the organisation that owns the action")
    due_on: RecordDate
    done_on: RecordDate | None = None


class CloseContext(_Command):
    type: Literal["close_context"]
    occurred_on: RecordDate
    reason: Literal[ctx.CLOSE_REASONS]  # type: ignore[valid-type]


ContextCommand = Annotated[
    Union[RecordContextConference, RecordContextAction, CloseContext], Field(discriminator="type")]
CONTEXT_COMMAND_TYPES = ("record_context_conference", "record_context_action", "close_context")

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
EVENT_EXAMPLE = {
    "event_id": "c8f1a0de-2f5b-5b71-8d3e-6a9c0b1e2d34", "position": 1042, "version": 2,
    "type": "StrategyDiscussionHeld", "occurred_on": "2026-03-19", "recorded_at": "2026-03-19T14:02:11.384211+00:00",
    "actor": "lcs-integration", "actor_role": "system", "command_id": "0b8f5c1e-7d44-4a57-8a0c-1f2e3d4c5b6a",
    "schema_version": 1, "data": {"outcome": "s47_roth", "pathway": "roth", "harm_types": ["cce"]}, "prev_hash": HASH_1, "hash": HASH_2,
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
    most_influential: Literal["family", "outside"] | None = Field(
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
    harm_types: list[str] = Field(default_factory=list, description="harm types the strategy discussion found")
    closed: bool
    closed_on: date | None = None
    closure_reason: str | None
    step_down: str | None = None
    # ROTH practice (defaults: journeys shown before these fields existed have none of them).
    allocation: Allocation | None = Field(None, description="who holds the case (allocate_case)")
    chair: str | None = Field(None, description="the case's chair from the LA's pool (assign_chair)")
    context_weightings: list[ContextWeighting] = Field(default_factory=list, description="every weighting, oldest first")
    transfer_prompt: Literal["roth", "cp"] | None = Field(
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


# --- context cases and chairs -------------------------------------------------------------

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
CHAIR_EXAMPLE = {"chair_id": "chair-0003", "name": "A. Chairperson", "active": True, "open_journeys": 4,
                 "roth_open_journeys": 3}


class ContextDeadline(BaseModel):
    kind: Literal["context_conference", "context_review"]
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
    model_config = _example(CASE_EXAMPLE)
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
    model_config = _example(CONTEXT_ANSWER_EXAMPLE)
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
    model_config = _example(CONTEXT_EXAMPLE)
    context_id: str
    case: ContextCase | None = Field(description="the context's case (the latest, if it was referred again); null if never referred")
    linked_journeys: list[LinkedJourney] = Field(description="the caller's LA's journeys whose latest weighting names it")


class LinkedContext(BaseModel):
    context_id: str
    open_journeys: int = Field(description="open journeys whose latest context weighting names it")
    open_case: bool = Field(description="whether the context has an open context case")
    case_id: str | None = Field(description="the open case's id, if any")


class LinkedContexts(BaseModel):
    model_config = _example(CONTEXT_LIST_EXAMPLE)
    min_open_journeys: int
    contexts: list[LinkedContext]


class Chair(BaseModel):
    model_config = _example(CHAIR_EXAMPLE)
    chair_id: str
    name: str
    active: bool
    open_journeys: int = Field(description="open journeys the chair chairs")
    roth_open_journeys: int = Field(description="of those, the ones on the ROTH pathway")


class ChairPool(BaseModel):
    model_config = _example({"local_authority": "873", "chairs": [CHAIR_EXAMPLE]})
    local_authority: str
    chairs: list[Chair]


class ChairIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "A. Chairperson"}]})
    name: Annotated[record_text(200, min_length=1), Field(description="the chair's name, as the LA's staff know them")]  # type: ignore[valid-type]


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


# --- the cohort report (api/routes/reports.py; reports/cohort_report.py) ----------------------

BaselineDimension = Literal[tuple(BASELINE_GROUPS)]  # type: ignore[valid-type]
AgeBand = Literal[AGE_BANDS]  # type: ignore[valid-type]
PopulationCount = whole_number(0, 100_000_000)

BASELINE_EXAMPLE = {
    "source": "ONS Census 2021 (TS022), usual residents aged 10 to 17 in the LA, by ethnic group",
    "counts": {"WBRI": 18240, "BCRB": 1310, "BAFR": 2205, "MWBC": 940, "AIND": 1830},
    "age_bands": ["10-12", "13-15", "16-17"],
}


class PopulationBaselineIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [BASELINE_EXAMPLE]})
    source: Annotated[record_text(500, min_length=1), Field(
                                 description="where the counts come from (publication, table, date, ages)")]
    counts: Annotated[dict[str, PopulationCount], Field(
        min_length=1, description="group -> how many people in it: the dataset's codes for the dimension "
                                  "(CIN census ethnicity codes; sex M, F, U; age bands under 10, 10-12, 13-15, 16-17)")]
    age_bands: Annotated[list[AgeBand] | None, Field(
        None, min_length=1, description="the age bands of the cohort the population covers (for ethnicity and "
                                        "sex); left out: every age. Plans of other ages are not compared with it")]


class PopulationBaseline(BaseModel):
    model_config = _example({**BASELINE_EXAMPLE, "local_authority": "873", "dimension": "ethnicity",
                             "recorded_by": "tm-0007", "recorded_at": "2026-12-15T10:15:02Z"})
    local_authority: str
    dimension: BaselineDimension
    counts: dict[str, int]
    age_bands: list[str] | None = Field(description="null: every age")
    source: str
    recorded_by: str = Field(description="who recorded it (the token's or OIDC subject)")
    recorded_at: datetime


class ReportColumn(BaseModel):
    code: str
    label: str


class ReportRow(BaseModel):
    code: str
    label: str
    cells: list[int | None] = Field(description="one per column; null: suppressed")
    total: int | None = Field(description="the row's total; null: suppressed")


class ReportTotals(BaseModel):
    cells: list[int | None]
    total: int | None


class ReportTable(BaseModel):
    """A published table of counts: suppressed entries are null (primary and secondary alike:
    which is which is not published)."""

    name: str
    title: str
    note: str
    row_heading: str = Field(description="what the rows are (Ethnicity, Month, ...)")
    columns: list[ReportColumn]
    rows: list[ReportRow]
    totals: ReportTotals


class RothShare(BaseModel):
    table: ReportTable
    roth: int | None = Field(description="ROTH plans, ages 10 and over; null: suppressed")
    all: int | None = Field(description="all child protection plans (ROTH included), ages 10 and over")
    percentage: float | None = Field(description="roth / all, in per cent; null where either is suppressed (or none)")


class DisproportionalityGroup(BaseModel):
    code: str
    label: str
    population: int
    plans: int | None = Field(description="null: suppressed")
    ratio: float | None = Field(description="plans per head of the group over plans per head of the whole population; "
                                            "null where a count it needs is suppressed or the group has no population")


class Disproportionality(BaseModel):
    dimension: BaselineDimension
    title: str
    row_heading: str
    age_bands: list[str] | None = Field(description="the age bands compared; null: every age")
    source: str
    recorded_on: date
    population: int
    plans: int | None
    groups: list[DisproportionalityGroup]
    note: str


class MonthShare(BaseModel):
    held: int | None = Field(description="initial conferences held that month; null: suppressed")
    on_time: int | None
    percentage: float | None
    suppressed: bool = Field(description="true where the share is left out to protect a small count "
                                         "(false with a null percentage: none held)")


class MonthTimeliness(BaseModel):
    month: str = Field(examples=["2026-04"])
    label: str = Field(examples=["Apr 2026"])
    initial_conferences: MonthShare = Field(description="within 15 working days of the last strategy discussion")
    s47_to_initial_conference: MonthShare = Field(description="within 15 working days of the s.47 start (DfE)")


class CohortTimeliness(BaseModel):
    initial_conferences: ReportTable
    initial_conferences_percentage: float | None
    s47_bands: ReportTable
    s47_percentage_within_15: float | None
    by_month: list[MonthTimeliness]
    initial_conferences_by_month: ReportTable
    s47_by_month: ReportTable


class Period(BaseModel):
    """A reporting period, both days included (the KPIs', the cohort report's)."""

    model_config = ConfigDict(populate_by_name=True)
    from_: date = Field(alias="from")
    to: date


class CohortReport(BaseModel):
    local_authority: str
    period: Period
    threshold: int
    suppression: str = Field(description="the disclosure control applied, in words")
    cohort: list[ReportTable] = Field(description="plans by harm type, pathway, age band, sex and ethnicity")
    roth_share: RothShare
    disproportionality: list[Disproportionality] = Field(description="one per population baseline the LA recorded")
    timeliness: CohortTimeliness
    plan_findings: ReportTable
