"""A generated population of journeys for the census tests, recorded in a real event store.

Each journey's commands are decided by the domain's rules on the day each was sent (so an
extension can be approved before its deadline, as a manager would have), and its events and
read models are appended exactly as the journey workflow's persist step writes them. The
workflow itself is not run: the census reads the log and the read models, which is what the
workflow tests prove the workflow writes.

`population(seed)` describes young people aged 10 to 17 on ROTH and CP plans, transfers both
ways, closures of every kind, extensions, every category and several categories at once,
s.47 enquiries that end without a conference, and a child with a second plan.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from domain import commands as c
from domain.calendar import WorkingDayCalendar
from domain.census import check_letter
from domain.codec import from_data
from domain.decider import decide, evolve, initial_state
from domain.events import SCHEMA_VERSION, encode
from domain.model import Actor, YoungPerson
from domain.timescales import policy_in_force
from domain.views import read_model_rows
from store.records import DeadlineRow, JourneySummary, NewEvent

PRACTITIONER = Actor("sw-0042", "practitioner")
MANAGER = Actor("tm-0007", "manager")
SYSTEM = Actor("lcs-909", "system")
ETHNICITIES = ("WBRI", "WIRI", "WOTH", "MWBC", "MWBA", "MOTH", "AIND", "APKN", "ABAN", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH")
CATEGORY_SETS = (("physical",), ("emotional",), ("sexual",), ("neglect",), ("emotional", "neglect"), ("physical", "sexual"))
FACTORS = (("10A", "24A"), ("11A",), ("13A", "18B"), ("12A", "19B"), ("21",))


SCHOOL_LA = "873"  # UPNs carry the code of the LA that issued them, which DfE checks is a real one


def upn(serial: int) -> str:
    """A made-up UPN with a valid check letter."""
    body = f"{SCHOOL_LA}25{serial:06d}1"
    return check_letter(body) + body


@dataclass
class Journey:
    """One young person's journey: when it starts and the commands sent, each on its day."""

    child_id: str
    date_of_birth: date
    referral: date
    steps: list[tuple[date, object]] = field(default_factory=list)
    pathway: str = "cp"

    def send(self, on: date, command) -> "Journey":
        self.steps.append((on, command))
        return self


def _id() -> str:
    return str(uuid.uuid4())


def population(la: str, calendar: WorkingDayCalendar, seed: int = 3, young_people: int = 24) -> list[Journey]:
    """Journeys referred between June 2025 and February 2026, each with the census details a
    complete record has, in a spread of shapes (see the module's docstring)."""
    rng = random.Random(seed)
    wd = calendar.add_working_days
    journeys = []
    for n in range(young_people):
        referral = calendar.add_working_days(date(2025, 6, 2), rng.randrange(0, 150))
        age = 10 + n % 8  # 10 to 17 at referral
        dob = referral.replace(year=referral.year - age) - timedelta(days=rng.randrange(30, 330))
        j = Journey(f"POP{seed:02d}{n:04d}", dob, referral)
        j.send(referral, c.RecordCensusDetails(_id(), PRACTITIONER, upn=upn(seed * 1000 + n),
                                               disabilities=("NONE",) if n % 5 else ("LD", "AUT"),
                                               referral_source=rng.choice(("6", "2A", "3A", "5A", "1A")),
                                               primary_need="N1" if n % 4 else "N2"))
        strategy_on = wd(referral, 1)
        shape = n % 8
        outcome = "s47_roth" if (n + n // 8) % 2 else "s47_cp"  # each shape on both pathways
        j.pathway = "roth" if outcome == "s47_roth" else "cp"
        harm = ("cce", "serious_youth_violence") if outcome == "s47_roth" else ()
        j.send(strategy_on, c.RecordAssessment(_id(), PRACTITIONER, referral))
        if shape == 7:  # no s.47: the assessment finds nothing, stepped down to early help at the discussion
            _assessed(j, strategy_on, ("21",))
            journeys.append(j.send(strategy_on, c.RecordStrategyDiscussion(_id(), PRACTITIONER, strategy_on, "early_help")))
            continue
        j.send(strategy_on, c.RecordStrategyDiscussion(_id(), PRACTITIONER, strategy_on, outcome, harm))
        if outcome == "s47_roth":
            j.send(strategy_on, c.AllocateCase(_id(), PRACTITIONER, "sw-0042", "tm-0007"))
            j.send(strategy_on, c.AssignChair(_id(), PRACTITIONER, "chair-0003", in_pool=True))
        _assessed(j, wd(referral, 12), FACTORS[n % len(FACTORS)] if n % len(FACTORS) != 4 else ("10A",))
        if shape == 6:  # the enquiry ends with no conference: the young person moves away
            j.send(wd(strategy_on, 12), c.CloseJourney(_id(), PRACTITIONER, wd(strategy_on, 12), "transferred_out"))
            journeys.append(j)
            continue
        conference_on = wd(strategy_on, 14)
        if shape == 5:  # an extension approved before the deadline, the conference after it
            j.send(wd(strategy_on, 10), c.ExtendDeadline(_id(), MANAGER, "initial_conference", wd(strategy_on, 18),
                                                         "Chair unavailable; family asked for a later date"))
            conference_on = wd(strategy_on, 17)
        categories = CATEGORY_SETS[n % len(CATEGORY_SETS)]
        if shape == 4:  # the conference finds no plan is needed
            j.send(conference_on, c.RecordInitialConference(_id(), PRACTITIONER, conference_on, "no_plan", (), "early_help"))
            journeys.append(j)
            continue
        j.send(conference_on, c.RecordInitialConference(_id(), PRACTITIONER, conference_on, "plan", categories))
        j.send(wd(conference_on, 8), c.RecordCoreGroup(_id(), PRACTITIONER, wd(conference_on, 8)))
        review_on = conference_on + timedelta(days=80)
        if shape == 0:  # transfers to the other pathway at the first review, with a new category
            target = "transfer_to_cp" if j.pathway == "roth" else "transfer_to_roth"
            if target == "transfer_to_roth":
                j.send(conference_on, c.AllocateCase(_id(), PRACTITIONER, "sw-0042", "tm-0007"))
                j.send(conference_on, c.AssignChair(_id(), PRACTITIONER, "chair-0003", in_pool=True))
            j.send(review_on, c.RecordReviewConference(_id(), PRACTITIONER, review_on, target, ("neglect",)))
        elif shape == 1:  # the plan ends at the first review, stepped down to early help
            j.send(review_on, c.RecordReviewConference(_id(), PRACTITIONER, review_on, "end_plan", (), "early_help"))
        elif shape == 2:  # reviewed, and going on
            j.send(review_on, c.RecordReviewConference(_id(), PRACTITIONER, review_on, "continue", ()))
        elif shape == 3 and n % 3 == 0:  # the plan ends stepped down to child in need: the CIN episode goes on
            j.send(review_on, c.RecordReviewConference(_id(), PRACTITIONER, review_on, "end_plan", (), "child_in_need"))
        journeys.append(j)
    return [_earlier_plan(journeys[2], calendar), *journeys]


def _earlier_plan(later: Journey, calendar: WorkingDayCalendar) -> Journey:
    """The same young person's journey of the year before: a CP plan from June 2024 that
    ended at its first review (so the later plan has one previous plan)."""
    wd = calendar.add_working_days
    referral = date(2024, 6, 3)
    j = Journey(later.child_id, later.date_of_birth, referral)
    j.send(referral, c.RecordCensusDetails(_id(), PRACTITIONER, referral_source="6", primary_need="N1",
                                           disabilities=("NONE",), upn_unknown="UN5"))
    j.send(wd(referral, 1), c.RecordStrategyDiscussion(_id(), PRACTITIONER, wd(referral, 1), "s47_cp"))
    _assessed(j, wd(referral, 10), ("2A",))
    j.send(wd(referral, 12), c.RecordInitialConference(_id(), PRACTITIONER, wd(referral, 12), "plan", ("emotional",)))
    review_on = wd(referral, 12) + timedelta(days=85)
    return j.send(review_on, c.RecordReviewConference(_id(), PRACTITIONER, review_on, "end_plan", (), "none"))


def _assessed(j: Journey, on: date, factors) -> Journey:
    return j.send(on, c.RecordAssessment(_id(), PRACTITIONER, j.referral, on, tuple(factors)))


def record(store, la: str, journeys: list[Journey], calendar: WorkingDayCalendar, today: date) -> list[str]:
    """Decide and append every journey's commands (those on days up to `today`); the journey
    ids, in order. Steps after `today` are left unsent, as they have not happened yet."""
    ids = []
    for j in journeys:
        journey_id = _id()
        person = YoungPerson(j.child_id, j.date_of_birth, "F" if int(j.child_id[-1]) % 2 else "M",
                             ETHNICITIES[int(j.child_id[-2:]) % len(ETHNICITIES)])
        start = c.StartJourney(_id(), SYSTEM, journey_id, la, person, j.referral, policy_in_force("national", j.referral),
                               chairs_required=True)
        state = initial_state()
        for on, command in [(j.referral, start), *j.steps]:
            if on > today:
                break
            events = decide(state, command, on, calendar)
            state = _append(store, state, command, events, calendar, today)
        ids.append(journey_id)
    return ids


def _append(store, state, command, events, calendar, today):
    before = state
    for event in events:
        state = evolve(state, event)
    new = []
    for event in events:
        name, occurred_on, data = encode(event)
        new.append(NewEvent(_id(), name, from_data(date, occurred_on) if occurred_on else None, command.actor.id,
                            command.actor.role, command.command_id, SCHEMA_VERSION, data))
    summary, deadlines = read_model_rows(state, f"journey-{state.journey_id}", calendar, today)
    store.append(state.journey_id, before.version, new, summary=JourneySummary(**summary),
                 deadlines=[DeadlineRow(**row) for row in deadlines])
    return state
