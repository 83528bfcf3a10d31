"""What callers ask a journey to record. Each carries a client-generated command_id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.codec import from_data
from domain.errors import DomainError
from domain.model import Actor, YoungPerson
from domain.timescales import TimescalePolicy


@dataclass(frozen=True)
class StartJourney:
    command_id: str
    actor: Actor
    journey_id: str
    local_authority: str
    young_person: YoungPerson
    referral_date: date
    policy: TimescalePolicy


@dataclass(frozen=True)
class RecordStrategyDiscussion:
    command_id: str
    actor: Actor
    occurred_on: date
    outcome: str


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
    seen_alone: bool = False


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
class ObserveDay:
    """The journey's own clock: sent by the workflow when a reminder or due date arrives."""

    command_id: str
    actor: Actor
    today: date


Command = (
    StartJourney | RecordStrategyDiscussion | RecordInitialConference | RecordCoreGroup
    | RecordVisit | RecordReviewConference | ExtendDeadline | CloseJourney | ChangePolicy
    | ObserveDay
)

# The contract's snake_case names (API.md) for the commands callers send.
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
    "observe_day": ObserveDay,
}
COMMAND_NAMES = {cls: name for name, cls in COMMAND_TYPES.items()}


def parse_command(request: dict) -> Command:
    """A command from its contract form ({"type": ..., "command_id": ..., fields...}).

    The HTTP layer checks shapes first; this guards the workflow against anything that gets
    past it, with the same refusal shape as the rules' own.
    """
    name = request.get("type")
    cls = COMMAND_TYPES.get(name)
    if cls is None or cls in (StartJourney, ObserveDay):
        raise DomainError("invalid_value", f"{name!r} is not a command type.")
    try:
        return from_data(cls, {k: v for k, v in request.items() if k != "type"})
    except (TypeError, ValueError, KeyError, AttributeError) as err:
        raise DomainError("invalid_value", f"The {name} command is malformed: {err}.") from None
