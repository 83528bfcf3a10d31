"""What happened to a journey: the facts the log keeps for ever.

Events are named in the past tense in the domain's words. They carry what a reader of the
log needs without re-running the rules (a met deadline states its due date), so the
chronology reads on its own and the auditors' replay needs no calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.codec import from_data, to_data
from domain.model import YoungPerson
from domain.plans import Goal
from domain.timescales import TimescalePolicy
from domain.weighting import WeightedContext

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class JourneyStarted:
    occurred_on: date  # the referral date
    journey_id: str
    local_authority: str
    young_person: YoungPerson
    policy: TimescalePolicy
    chairs_required: bool = False


@dataclass(frozen=True)
class StrategyDiscussionHeld:
    occurred_on: date
    outcome: str
    pathway: str | None  # set when the outcome opens a s.47 enquiry
    harm_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class InitialConferenceHeld:
    occurred_on: date
    decision: str
    categories: tuple[str, ...]
    step_down: str | None


@dataclass(frozen=True)
class PlanStarted:
    occurred_on: date
    pathway: str
    categories: tuple[str, ...]
    outside_home: bool


@dataclass(frozen=True)
class CoreGroupHeld:
    occurred_on: date


@dataclass(frozen=True)
class VisitRecorded:
    occurred_on: date
    seen_alone: bool


@dataclass(frozen=True)
class ReviewConferenceHeld:
    occurred_on: date
    decision: str
    categories: tuple[str, ...]


@dataclass(frozen=True)
class PathwayTransferred:
    occurred_on: date
    from_pathway: str
    to_pathway: str
    categories: tuple[str, ...]
    outside_home: bool


@dataclass(frozen=True)
class PlanEnded:
    occurred_on: date
    step_down: str


@dataclass(frozen=True)
class DeadlineMet:
    occurred_on: date  # the day the step happened
    kind: str
    due_on: date  # the working due date (after any extension)
    original_due_on: date  # the statutory due date
    on_time: bool


@dataclass(frozen=True)
class DeadlineExtended:
    occurred_on: date  # the day the manager approved it
    kind: str
    original_due_on: date
    previous_due_on: date
    new_due_on: date
    reason: str
    approved_by: str


@dataclass(frozen=True)
class DeadlineApproaching:
    occurred_on: date
    kind: str
    due_on: date


@dataclass(frozen=True)
class DeadlineMissed:
    occurred_on: date  # the first day after the due date
    kind: str
    due_on: date
    original_due_on: date


@dataclass(frozen=True)
class TimescalePolicyChanged:
    occurred_on: date
    policy: TimescalePolicy


@dataclass(frozen=True)
class EighteenthBirthdayReached:
    """The young person is an adult: the journey hands over to adult services."""

    occurred_on: date
    transition_plan_on: date | None = None  # when the transition plan was made, if it was


@dataclass(frozen=True)
class CaseAllocated:
    occurred_on: date
    social_worker: str
    team_manager: str


@dataclass(frozen=True)
class ChairAssigned:
    occurred_on: date
    chair_id: str


@dataclass(frozen=True)
class ContextWeightingRecorded:
    occurred_on: date
    at: str
    contexts: tuple[WeightedContext, ...]
    transfer_prompt: str | None  # "roth" or "cp" when the weighting points to the other pathway


@dataclass(frozen=True)
class PlanUpdated:
    occurred_on: date
    made_at: str
    plan_version: int
    needs: tuple[str, ...]
    goals: tuple[Goal, ...]


@dataclass(frozen=True)
class ParticipationRecorded:
    occurred_on: date
    meeting: str
    participant: str
    invited: bool
    attended: bool
    views: str | None


@dataclass(frozen=True)
class ConsentRecorded:
    occurred_on: date
    given_by: str
    decision: str
    scope: tuple[str, ...]


@dataclass(frozen=True)
class TransitionPlanRecorded:
    occurred_on: date
    note: str | None


@dataclass(frozen=True)
class CensusDetailsRecorded:
    occurred_on: date  # the day it was recorded
    upn: str | None
    upn_unknown: str | None
    disabilities: tuple[str, ...] | None
    referral_source: str | None
    primary_need: str | None


@dataclass(frozen=True)
class AssessmentRecorded:
    occurred_on: date  # the day the assessment started
    authorised_on: date | None
    factors: tuple[str, ...]


@dataclass(frozen=True)
class EventCorrected:
    """A field of an earlier event put right. The original stays in the log as it was
    recorded; readers show the two side by side, and the state follows the correction."""

    occurred_on: date  # the day the correction was made
    corrects: str  # the event id of the corrected event
    corrected_type: str
    field: str
    previous: str | tuple[str, ...]
    value: str | tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class JourneyClosed:
    occurred_on: date
    reason: str
    step_down: str | None = None
    note: str | None = None


Event = (
    JourneyStarted | StrategyDiscussionHeld | InitialConferenceHeld | PlanStarted | CoreGroupHeld
    | VisitRecorded | ReviewConferenceHeld | PathwayTransferred | PlanEnded | DeadlineMet
    | DeadlineExtended | DeadlineApproaching | DeadlineMissed | TimescalePolicyChanged
    | EighteenthBirthdayReached | JourneyClosed | CaseAllocated | ChairAssigned | ContextWeightingRecorded
    | PlanUpdated | ParticipationRecorded | ConsentRecorded | TransitionPlanRecorded | EventCorrected
    | CensusDetailsRecorded | AssessmentRecorded
)

EVENT_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        JourneyStarted, StrategyDiscussionHeld, InitialConferenceHeld, PlanStarted, CoreGroupHeld,
        VisitRecorded, ReviewConferenceHeld, PathwayTransferred, PlanEnded, DeadlineMet,
        DeadlineExtended, DeadlineApproaching, DeadlineMissed, TimescalePolicyChanged,
        EighteenthBirthdayReached, JourneyClosed, CaseAllocated, ChairAssigned, ContextWeightingRecorded,
        PlanUpdated, ParticipationRecorded, ConsentRecorded, TransitionPlanRecorded, EventCorrected,
        CensusDetailsRecorded, AssessmentRecorded,
    )
}

# Events the LA's systems are told about (through the outbox), by notification type.
NOTIFIED = {
    "DeadlineApproaching": "deadline_approaching",
    "DeadlineMissed": "deadline_missed",
    "EighteenthBirthdayReached": "eighteenth_birthday",
    "JourneyClosed": "journey_closed",
}


def encode(event: Event) -> tuple[str, str | None, dict]:
    """(type, occurred_on, data): the parts of an event the log keeps in separate columns."""
    data = to_data(event)
    return type(event).__name__, data.pop("occurred_on"), data


def decode(type_name: str, occurred_on, data: dict) -> Event:
    return from_data(EVENT_TYPES[type_name], {**data, "occurred_on": occurred_on})
