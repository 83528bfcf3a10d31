"""The journey's state and the words it is made of."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.census import Assessment, CensusDetails
from domain.plans import PlanVersion
from domain.timescales import TimescalePolicy
from domain.weighting import ContextWeighting

ROTH = "roth"
CP = "cp"
PATHWAYS = (ROTH, CP)

# Stages of a journey, in the order a young person usually moves through them.
NOT_STARTED = "not_started"
REFERRAL = "referral"  # referred; no strategy discussion has opened a s.47 enquiry yet
SECTION_47 = "section_47"  # s.47 enquiry under way; the initial conference is due
PLAN = "plan"  # on a ROTH or child protection plan
CLOSED = "closed"
STAGES = (REFERRAL, SECTION_47, PLAN, CLOSED)  # the stages a started journey can be at

CATEGORIES = ("physical", "emotional", "sexual", "neglect")
# The kinds of harm outside the home the seed report's sites record (they have no place in the
# CIN census, which is why sites kept them in spreadsheets).
HARM_TYPES = ("serious_youth_violence", "cce", "cse", "peer_abuse", "intimate_partner_abuse", "online_abuse", "other")
INITIAL_CONFERENCE_DECISIONS = ("plan", "no_plan")
STRATEGY_OUTCOMES = ("s47_roth", "s47_cp", "child_in_need", "early_help", "no_further_action")
STEP_DOWNS = ("child_in_need", "early_help", "none")
REVIEW_DECISIONS = ("continue", "transfer_to_roth", "transfer_to_cp", "end_plan")
CLOSE_REASONS = ("transferred_out", "looked_after", "died", "moved_to_adult_services", "other")
SEXES = ("M", "F", "U")
ETHNICITIES = (
    "WBRI", "WIRI", "WIRT", "WOTH", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND",
    "APKN", "ABAN", "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT",
)

# Deadline kinds
INITIAL_CONFERENCE = "initial_conference"
FIRST_CORE_GROUP = "first_core_group"
CORE_GROUP = "core_group"
REVIEW_CONFERENCE = "review_conference"
VISIT = "visit"
EIGHTEENTH_BIRTHDAY = "eighteenth_birthday"
DEADLINE_KINDS = (INITIAL_CONFERENCE, FIRST_CORE_GROUP, CORE_GROUP, REVIEW_CONFERENCE, VISIT, EIGHTEENTH_BIRTHDAY)

ADULTHOOD = 18


@dataclass(frozen=True)
class Actor:
    """Who sent a command: a user or an LA system, never the young person's details."""

    id: str
    role: str


@dataclass(frozen=True)
class YoungPerson:
    id: str  # the LA's child id (CIN census LAchildID, at most 20 characters)
    date_of_birth: date
    sex: str
    ethnicity: str


@dataclass(frozen=True)
class Plan:
    started_on: date
    categories: tuple[str, ...]
    outside_home: bool  # ROTH plans record the harm as outside the home


@dataclass(frozen=True)
class Allocation:
    """Who holds the case: a chair must be independent of both."""

    social_worker: str
    team_manager: str


# Who takes part in a meeting besides the professionals (Six Cs: collaboration).
PARTICIPANTS = ("young_person", "parent_carer")
MEETINGS = ("initial_conference", "review_conference", "core_group")
CONSENT_DECISIONS = ("given", "refused", "withdrawn")
# Whom a consent to share covers: the partners a ROTH plan works with.
CONSENT_SCOPES = ("education", "health", "police", "youth_justice", "community_safety", "voluntary_sector",
                  "transport", "housing")


@dataclass(frozen=True)
class Participation:
    meeting: str  # one of MEETINGS
    occurred_on: date  # the meeting's date
    participant: str  # one of PARTICIPANTS
    invited: bool
    attended: bool
    views: str | None  # what they said, in their words or the chair's summary of them


@dataclass(frozen=True)
class Consent:
    occurred_on: date
    given_by: str  # one of PARTICIPANTS
    decision: str  # one of CONSENT_DECISIONS
    scope: tuple[str, ...]  # CONSENT_SCOPES it covers


@dataclass(frozen=True)
class DeadlineKey:
    kind: str
    due_on: date


@dataclass(frozen=True)
class Extension:
    """A manager-approved extension. The original due date stays for statutory reporting."""

    kind: str
    original_due_on: date
    new_due_on: date
    reason: str
    approved_by: str
    approved_on: date


@dataclass(frozen=True)
class DeadlineRecord:
    """A deadline that has been met: on time (status "met") or late (status "missed")."""

    kind: str
    due_on: date
    original_due_on: date
    met_on: date
    status: str


@dataclass(frozen=True)
class JourneyState:
    journey_id: str | None = None
    local_authority: str | None = None
    young_person: YoungPerson | None = None
    referral_date: date | None = None
    policy: TimescalePolicy | None = None
    stage: str = NOT_STARTED
    pathway: str | None = None
    s47_started_on: date | None = None
    strategy_discussion_on: date | None = None  # the last one: the initial conference clock
    harm_types: tuple[str, ...] = ()  # as the last strategy discussion that named any found them
    initial_conference_on: date | None = None
    plan: Plan | None = None
    last_core_group_on: date | None = None
    core_groups_held: int = 0
    last_review_on: date | None = None
    reviews_held: int = 0
    last_visit_on: date | None = None
    transfers: int = 0
    extensions: tuple[Extension, ...] = ()
    reminded: tuple[DeadlineKey, ...] = ()
    missed: tuple[DeadlineKey, ...] = ()
    history: tuple[DeadlineRecord, ...] = ()
    closed: bool = False
    closed_on: date | None = None
    closure_reason: str | None = None
    step_down: str | None = None
    last_step_on: date | None = None
    # ROTH practice (seed report: the Six Cs). chairs_required is set for journeys started
    # since the rule: older journeys keep the rules they were recorded under when they replay.
    chairs_required: bool = False
    allocation: Allocation | None = None
    chair: str | None = None
    weightings: tuple[ContextWeighting, ...] = ()  # the history, oldest first
    transfer_prompt: str | None = None  # "roth" or "cp": consider a transfer at the next conference
    care_plan: PlanVersion | None = None  # the plan under the three headings, as last made
    participation: tuple[Participation, ...] = ()
    consents: tuple[Consent, ...] = ()
    transition_plan_on: date | None = None
    # What the CIN census asks that the steps above do not say (domain/census.py).
    census: CensusDetails = CensusDetails()
    assessments: tuple[Assessment, ...] = ()  # by start date
    version: int = 0


def initial_state() -> JourneyState:
    return JourneyState()
