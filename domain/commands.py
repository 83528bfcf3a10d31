"""What callers ask a journey to record. Each carries a client-generated command_id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.codec import from_data
from domain.errors import DomainError
from domain.model import Actor, YoungPerson
from domain.plans import Goal
from domain.timescales import TimescalePolicy
from domain.weighting import WeightedContext


@dataclass(frozen=True)
class StartJourney:
    command_id: str
    actor: Actor
    journey_id: str
    local_authority: str
    young_person: YoungPerson
    referral_date: date
    policy: TimescalePolicy
    chairs_required: bool = False  # ROTH conferences need an independent chair from the pool


@dataclass(frozen=True)
class RecordStrategyDiscussion:
    command_id: str
    actor: Actor
    occurred_on: date
    outcome: str
    harm_types: tuple[str, ...] = ()  # HARM_TYPES: the harm the discussion found


@dataclass(frozen=True)
class RecordInitialConference:
    command_id: str
    actor: Actor
    occurred_on: date
    decision: str  # "plan" | "no_plan"
    categories: tuple[str, ...] = ()
    step_down: str | None = None


@dataclass(frozen=True)
class RecordCoreGroup:
    command_id: str
    actor: Actor
    occurred_on: date


@dataclass(frozen=True)
class RecordVisit:
    command_id: str
    actor: Actor
    occurred_on: date
    # No default: whether the child was seen alone is a fact the practitioner states (the
    # contract requires it), never one a missing field should record as "no".
    seen_alone: bool


@dataclass(frozen=True)
class RecordReviewConference:
    command_id: str
    actor: Actor
    occurred_on: date
    decision: str
    categories: tuple[str, ...] = ()
    step_down: str | None = None


@dataclass(frozen=True)
class ExtendDeadline:
    command_id: str
    actor: Actor
    deadline: str
    new_due_on: date
    reason: str


@dataclass(frozen=True)
class CloseJourney:
    command_id: str
    actor: Actor
    occurred_on: date
    reason: str
    note: str | None = None


@dataclass(frozen=True)
class ChangePolicy:
    command_id: str
    actor: Actor
    policy: TimescalePolicy


@dataclass(frozen=True)
class AllocateCase:
    command_id: str
    actor: Actor
    social_worker: str  # staff ids, never names
    team_manager: str


@dataclass(frozen=True)
class AssignChair:
    command_id: str
    actor: Actor
    chair_id: str
    # Set by the service from the LA's pool of ROTH chairs, never by the caller: the rules
    # are pure, so whether the chair is in the pool is told to them.
    in_pool: bool = False


@dataclass(frozen=True)
class RecordContextWeighting:
    command_id: str
    actor: Actor
    occurred_on: date
    at: str  # assessment, initial_conference, review_conference or core_group
    contexts: tuple[WeightedContext, ...]


@dataclass(frozen=True)
class UpdatePlan:
    command_id: str
    actor: Actor
    occurred_on: date  # the date of the meeting that made the plan
    made_at: str  # initial_conference, review_conference or core_group
    # Empty when left out, as the contract has them: what an empty plan lacks is the rules'
    # refusal or the quality check's finding to report, not a shape error.
    needs: tuple[str, ...] = ()
    goals: tuple[Goal, ...] = ()


@dataclass(frozen=True)
class RecordParticipation:
    command_id: str
    actor: Actor
    occurred_on: date  # the meeting's date
    meeting: str
    participant: str  # young_person or parent_carer
    invited: bool
    attended: bool
    views: str | None = None


@dataclass(frozen=True)
class RecordConsent:
    command_id: str
    actor: Actor
    occurred_on: date
    given_by: str
    decision: str  # given, refused or withdrawn
    scope: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordTransitionPlan:
    """The plan for the move to adult services, made before the 18th birthday."""

    command_id: str
    actor: Actor
    occurred_on: date
    note: str | None = None


@dataclass(frozen=True)
class RecordCensusDetails:
    """What the CIN census asks about the child and the referral (domain/census.py): each
    field given replaces what was recorded; a field left out keeps it."""

    command_id: str
    actor: Actor
    upn: str | None = None
    upn_unknown: str | None = None
    disabilities: tuple[str, ...] | None = None
    referral_source: str | None = None
    primary_need: str | None = None


@dataclass(frozen=True)
class RecordAssessment:
    """A child and family assessment, when started, and when authorised with the factors it
    found. Recording one again with the same start date completes or amends it."""

    command_id: str
    actor: Actor
    started_on: date
    authorised_on: date | None = None
    factors: tuple[str, ...] = ()


@dataclass(frozen=True)
class CorrectedFact:
    """The stored event a correction names, as the service found it in the journey's log:
    the rules are pure, so the fact is told to them (None when the journey has no such event)."""

    type: str
    occurred_on: date
    outcome: str | None = None
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class CorrectEvent:
    """Put right a field a practitioner got wrong: a date, the categories, or the s.47
    decision. The log keeps the original; the correction is a new event that names it."""

    command_id: str
    actor: Actor
    event_id: str
    field: str  # occurred_on, categories or outcome
    value: str | tuple[str, ...]  # an ISO date, a list of categories, or an outcome
    reason: str
    original: CorrectedFact | None = None


@dataclass(frozen=True)
class ObserveDay:
    """The journey's own clock: sent by the workflow when a reminder or due date arrives."""

    command_id: str
    actor: Actor
    today: date


Command = (
    StartJourney | RecordStrategyDiscussion | RecordInitialConference | RecordCoreGroup
    | RecordVisit | RecordReviewConference | ExtendDeadline | CloseJourney | ChangePolicy
    | AllocateCase | AssignChair | RecordContextWeighting | UpdatePlan | RecordParticipation
    | RecordConsent | RecordTransitionPlan | RecordCensusDetails | RecordAssessment | CorrectEvent | ObserveDay
)

# The contract's snake_case names (the v1 contract's `type` values) for the commands callers send.
COMMAND_TYPES: dict[str, type] = {
    "start_journey": StartJourney,
    "record_strategy_discussion": RecordStrategyDiscussion,
    "record_initial_conference": RecordInitialConference,
    "record_core_group": RecordCoreGroup,
    "record_visit": RecordVisit,
    "record_review_conference": RecordReviewConference,
    "extend_deadline": ExtendDeadline,
    "close_journey": CloseJourney,
    "change_policy": ChangePolicy,
    "allocate_case": AllocateCase,
    "assign_chair": AssignChair,
    "record_context_weighting": RecordContextWeighting,
    "update_plan": UpdatePlan,
    "record_participation": RecordParticipation,
    "record_consent": RecordConsent,
    "record_transition_plan": RecordTransitionPlan,
    "record_census_details": RecordCensusDetails,
    "record_assessment": RecordAssessment,
    "correct_event": CorrectEvent,
    "observe_day": ObserveDay,
}
COMMAND_NAMES = {cls: name for name, cls in COMMAND_TYPES.items()}
# Not sent to an open journey: a start has a door of its own, and the clock is the workflow's.
INTERNAL_COMMANDS = (StartJourney, ObserveDay)
# What callers send an open journey, in the contract's order: the HTTP layer's command shapes
# are these and no others.
SENT_COMMAND_TYPES = tuple(name for name, cls in COMMAND_TYPES.items() if cls not in INTERNAL_COMMANDS)


def parse_command(request: dict, types: dict[str, type] = COMMAND_TYPES, internal: tuple = INTERNAL_COMMANDS):
    """A command from its contract form ({"type": ..., "command_id": ..., fields...}), among
    `types` but not the `internal` ones (a start has a door of its own; the clock is the
    workflow's).

    The HTTP layer checks shapes first; this guards the workflow against anything that gets
    past it, with the same refusal shape as the rules' own.
    """
    name = request.get("type")
    cls = types.get(name)
    if cls is None or cls in internal:
        raise DomainError("invalid_value", f"{name!r} is not a command type.")
    try:
        return from_data(cls, {k: v for k, v in request.items() if k != "type"})
    except (TypeError, ValueError, KeyError, AttributeError) as err:
        raise DomainError("invalid_value", f"The {name} command is malformed: {err}.") from None
