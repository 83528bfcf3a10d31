"""A model of the journey decider (hypothesis stateful testing): random sequences of commands,
in and out of order, on random dates inside and outside the record's range, with texts that
are sometimes poison (NUL, lone surrogates, direction overrides, invisible and control
characters, anything hypothesis makes up), decided as the workflow decides them.

What must hold after every step:
- poison (a text the record cannot take, a date outside its range) is always refused, with
  `invalid_text` or `date_out_of_range`, and nothing else is refused with those codes;
- no refusal changes the state;
- every accepted event's dates are within the record's range;
- the fold of the accepted events is the state the decider reached (three consumers, one fold);
- the case as of "now", on both time axes (domain/history.py), is the current state.

"Today" runs from 1995 to 2090: the workflow's clock is the real date, and a young person's
18th birthday then still falls in a year the calendar has loaded.
"""

from __future__ import annotations

import copy
import dataclasses
from datetime import date, datetime, time, timedelta, timezone

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from domain import commands as c
from domain import events as e
from domain.decider import decide, evolve, fold
from domain.errors import DomainError
from domain.history import Logged, as_of
from domain.model import YoungPerson, initial_state
from domain.ranges import date_problem
from domain.text import text_problem
from domain.timescales import policy_in_force
from domain.weighting import WeightedContext
from support import CALENDAR, MANAGER, PRACTITIONER, SYSTEM, cid

POISON_CODES = ("invalid_text", "date_out_of_range")
OUTSIDE = [date(1989, 6, 1), date(299, 8, 3), date(2199, 5, 6), date(1970, 1, 1), date(1989, 12, 31), date(2111, 1, 1)]
EDGES = [date(1990, 1, 1), date(2110, 12, 31)]
POISON = ["park\u0000name", "chair\udfff", "\u202eevil", "sw\u200b-1", "bell\x07", "\ufeffbom"]

# A day: an offset from today (mostly today or a little before), or a date at or beyond the edges.
days = st.one_of(st.just(0), st.integers(-3, 0), st.integers(-60, 2), st.sampled_from(OUTSIDE + EDGES))
# Free text: ordinary, with line breaks, poison, or anything hypothesis makes up.
free_text = st.one_of(st.sampled_from(["Wants to go back to school", "First line\n\tsecond line"]),
                      st.sampled_from(POISON), st.text(max_size=8))
# An id or a name: ordinary, or poison.
an_id = st.one_of(st.sampled_from(["sw-0042", "tm-0007", "chair-0003"]), st.sampled_from(POISON))


def dated(when, today: date) -> date:
    return when if isinstance(when, date) else today + timedelta(days=when)


def values_in(value):
    """Every text and date held in `value`, however deep."""
    if isinstance(value, (str, date)):
        yield value
    elif isinstance(value, tuple):
        for item in value:
            yield from values_in(item)
    elif dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            yield from values_in(getattr(value, f.name))


def poisoned(command, corrected_date: bool = False) -> bool:
    """Whether `command` holds a text no field takes or a date outside the record, by the
    test's own walk (free text being the most lenient rule, any text it refuses is poison);
    with `corrected_date`, a correction's new date (a text until the correction rule reads it)
    counts too."""
    values = list(values_in(command))
    if corrected_date and isinstance(command, c.CorrectEvent) and command.field == "occurred_on":
        values.append(date.fromisoformat(command.value))
    return any(text_problem(v, free_text=True) if isinstance(v, str) else date_problem(v) for v in values)


def event_dates(event) -> list[date]:
    """Every date an event carries, corrections' ISO values included."""
    found = [v for v in values_in(event) if isinstance(v, date)]
    if isinstance(event, e.EventCorrected) and event.field == "occurred_on":
        found += [date.fromisoformat(event.previous), date.fromisoformat(event.value)]
    return found


class JourneyModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.state = initial_state()
        self.logged: list[Logged] = []
        self.today = date(2026, 1, 1)
        self.now = datetime(2026, 1, 1, tzinfo=timezone.utc)

    @initialize(today=st.dates(date(1995, 1, 1), date(2090, 12, 31)), age=st.integers(10, 17),
                stage=st.sampled_from(["not started", "referral", "section 47", "plan", "plan"]),
                pathway=st.sampled_from(["s47_roth", "s47_cp"]))
    def begin(self, today, age, stage, pathway):
        """A journey at a stage of its own, reached in order, so that runs explore the steps
        after it (a run that must start, hold the discussion and the conference by chance
        rarely gets further)."""
        self.today = today
        self.now = datetime.combine(today, time(9), tzinfo=timezone.utc)
        if stage == "not started":
            return
        self.start(-40, age, "CHILD0001")
        if stage != "referral":
            self.strategy(-39, pathway)
        if stage == "plan":
            self.initial_conference(-20, True)

    # --- the decider, as the workflow runs it --------------------------------------------------

    def send(self, command) -> None:
        before = copy.deepcopy(self.state)
        try:
            events = decide(self.state, command, self.today, CALENDAR)
        except DomainError as refused:
            assert self.state == before, "a refusal changed the state"
            # Poison in any field is refused before anything else is judged; a corrected date
            # is judged by the correction rule, after what makes a correction possible at all.
            if poisoned(command):
                assert refused.code in POISON_CODES, (refused.code, command)
            if refused.code in POISON_CODES:
                assert poisoned(command, corrected_date=True), (refused.code, command)
            event(f"refused: {refused.code}")  # --hypothesis-show-statistics shows what the runs explored
            return
        assert not poisoned(command, corrected_date=True), f"poison accepted: {command}"
        event(f"accepted: {type(command).__name__}")
        for n, accepted in enumerate(events):
            for day in event_dates(accepted):
                assert date_problem(day) is None, (day, accepted)
            self.state = evolve(self.state, accepted)
            self.logged.append(Logged(f"{command.command_id}/{n}", self.now, accepted, command.command_id))
        self.now += timedelta(minutes=1)

    # --- commands ----------------------------------------------------------------------------

    @rule(referral=days, age=st.one_of(st.integers(0, 19), st.sampled_from(OUTSIDE + EDGES)),
          child=st.one_of(st.just("CHILD0001"), st.sampled_from(POISON)))
    def start(self, referral, age, child):
        referral_on = dated(referral, self.today)
        dob = age if isinstance(age, date) else date(self.today.year - age, self.today.month, min(self.today.day, 28))
        self.send(c.StartJourney(cid(), SYSTEM, "journey-1", "873", YoungPerson(child, dob, "F", "BCRB"), referral_on,
                                 policy_in_force("national", referral_on)))

    @rule(when=days, outcome=st.sampled_from(["s47_roth", "s47_cp", "s47_cp", "no_further_action"]))
    def strategy(self, when, outcome):
        self.send(c.RecordStrategyDiscussion(cid(), PRACTITIONER, dated(when, self.today), outcome))

    @rule(when=days, plan=st.booleans())
    def initial_conference(self, when, plan):
        self.send(c.RecordInitialConference(cid(), PRACTITIONER, dated(when, self.today), "plan" if plan else "no_plan",
                                            ("physical",) if plan else (), None if plan else "child_in_need"))

    @rule(when=days)
    def core_group(self, when):
        self.send(c.RecordCoreGroup(cid(), PRACTITIONER, dated(when, self.today)))

    @rule(when=days)
    def visit(self, when):
        self.send(c.RecordVisit(cid(), PRACTITIONER, dated(when, self.today), True))

    @rule(when=days, decision=st.sampled_from(["continue", "continue", "transfer_to_roth", "transfer_to_cp", "end_plan"]))
    def review(self, when, decision):
        self.send(c.RecordReviewConference(cid(), PRACTITIONER, dated(when, self.today), decision, (),
                                           "none" if decision == "end_plan" else None))

    @rule(kind=st.sampled_from(["initial_conference", "first_core_group", "review_conference", "visit"]),
          later=st.one_of(st.integers(1, 90), st.sampled_from(OUTSIDE + EDGES)), reason=free_text)
    def extend(self, kind, later, reason):
        self.send(c.ExtendDeadline(cid(), MANAGER, kind, dated(later, self.today), reason))

    @rule(when=days, note=st.one_of(st.none(), free_text))
    def close(self, when, note):
        self.send(c.CloseJourney(cid(), PRACTITIONER, dated(when, self.today), "transferred_out", note))

    @rule(social_worker=an_id, team_manager=an_id)
    def allocate(self, social_worker, team_manager):
        self.send(c.AllocateCase(cid(), PRACTITIONER, social_worker, team_manager))

    @rule(chair=an_id)
    def assign_chair(self, chair):
        self.send(c.AssignChair(cid(), PRACTITIONER, chair, True))

    @rule(when=days, name=st.one_of(st.just("Riverside park"), st.sampled_from(POISON)))
    def weighting(self, when, name):
        self.send(c.RecordContextWeighting(cid(), PRACTITIONER, dated(when, self.today), "assessment", (
            WeightedContext("riverside-park", "public_place", name, True, False, 7),
            WeightedContext("home", "home_family", "Home", False, True, 3))))

    @rule(at_the_conference=st.booleans(), when=days, views=st.one_of(st.none(), free_text))
    def participation(self, at_the_conference, when, views):
        on = self.state.initial_conference_on if at_the_conference and self.state.initial_conference_on else dated(
            when, self.today)
        self.send(c.RecordParticipation(cid(), PRACTITIONER, on, "initial_conference", "young_person", True, True, views))

    @rule(started=days, authorised=st.one_of(st.none(), days))
    def assessment(self, started, authorised):
        self.send(c.RecordAssessment(cid(), PRACTITIONER, dated(started, self.today),
                                     None if authorised is None else dated(authorised, self.today),
                                     ("21",) if authorised is not None else ()))

    @rule(pick=st.integers(0, 200), when=days, reason=free_text)
    def correct(self, pick, when, reason):
        steps = [x for x in self.logged if isinstance(x.event, (e.StrategyDiscussionHeld, e.InitialConferenceHeld,
                                                                 e.CoreGroupHeld, e.ReviewConferenceHeld))]
        if not steps:
            return
        step = steps[pick % len(steps)]
        fact = c.CorrectedFact(type(step.event).__name__, step.event.occurred_on, getattr(step.event, "outcome", None),
                               tuple(getattr(step.event, "categories", ()) or ()))
        self.send(c.CorrectEvent(cid(), PRACTITIONER, step.event_id, "occurred_on",
                                 dated(when, self.today).isoformat(), reason, fact))

    @rule(policy=st.sampled_from(["national", "roth-cadence"]))
    def change_policy(self, policy):
        self.send(c.ChangePolicy(cid(), MANAGER, policy_in_force(policy, self.today)))

    @rule(days_on=st.integers(0, 45))
    def time_passes(self, days_on):
        """The journey's clock: a day goes by and the workflow observes it."""
        self.today = min(self.today + timedelta(days=days_on), date(2090, 12, 31))
        self.now = max(self.now, datetime.combine(self.today, time(0, 30), tzinfo=timezone.utc))
        self.send(c.ObserveDay(f"clock:{self.today}", SYSTEM, self.today))

    # --- what must hold ----------------------------------------------------------------------

    @invariant()
    def the_log_folds_to_the_state(self):
        assert fold(x.event for x in self.logged) == self.state

    @invariant()
    def the_case_as_of_now_is_the_state(self):
        assert as_of(self.logged, recorded_by=self.now) == self.state
        assert as_of(self.logged, recorded_by=self.now, occurred_by=self.today) == self.state


TestJourneyModel = JourneyModel.TestCase
TestJourneyModel.settings = settings(max_examples=150, stateful_step_count=30, deadline=None, database=None,
                                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
