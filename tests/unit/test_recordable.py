"""No command carries a text or a date into the record that the log cannot hold or the calendar
cannot work with (domain/recordable.py): every text and date field of every journey and
context command, table-driven, with the cases issue 15 found on main, refused before the
rules look at anything else, with nothing decided.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from domain import commands as c
from domain import contexts as ctx
from domain import plans as p
from domain.calendar import WorkingDayCalendar
from domain.commands import COMMAND_TYPES
from domain.decider import decide
from domain.errors import DomainError
from domain.model import initial_state
from domain.recordable import FREE_TEXT, date_fields, text_fields
from domain.timescales import policy_in_force
from domain.weighting import WeightedContext
from support import (
    CALENDAR, MANAGER, PRACTITIONER, SYSTEM, cid, conference, extend, participation, run, start, strategy,
)

TODAY = date(2026, 11, 20)
D = date(2026, 3, 3)

# One of each command, journeys' and contexts', with every optional field and list filled, so
# that every text and date field the walk knows is present in one of them.
EXAMPLES = [
    start(date(2026, 3, 2)),
    c.RecordStrategyDiscussion(cid(), PRACTITIONER, D, "s47_roth", ("cce",)),
    c.RecordInitialConference(cid(), PRACTITIONER, D, "plan", ("physical",), "none"),
    c.RecordCoreGroup(cid(), PRACTITIONER, D),
    c.RecordVisit(cid(), PRACTITIONER, D, True),
    c.RecordReviewConference(cid(), PRACTITIONER, D, "end_plan", ("physical",), "none"),
    c.ExtendDeadline(cid(), MANAGER, "initial_conference", D, "Chair unavailable"),
    c.CloseJourney(cid(), PRACTITIONER, D, "other", "Moved abroad"),
    c.ChangePolicy(cid(), MANAGER, policy_in_force("roth-cadence", D)),
    c.AllocateCase(cid(), PRACTITIONER, "sw-0042", "tm-0007"),
    c.AssignChair(cid(), PRACTITIONER, "chair-0003", True),
    c.RecordContextWeighting(cid(), PRACTITIONER, D, "assessment", (
        WeightedContext("riverside-park", "public_place", "Riverside park", True, False, 8, ("home",)),)),
    c.UpdatePlan(cid(), PRACTITIONER, D, "initial_conference", ("education_access",), (
        p.Goal("g1", p.NEEDS_HEADING, "Back in school", "education_access",
               (p.Action("Find a college place", "Education", D, (p.YOUNG_PERSON,)),), "Attends every week"),)),
    c.RecordParticipation(cid(), PRACTITIONER, D, "initial_conference", "young_person", True, True, "Wants to go back"),
    c.RecordConsent(cid(), PRACTITIONER, D, "young_person", "given", ("education",)),
    c.RecordTransitionPlan(cid(), PRACTITIONER, D, "Adult services to meet in June"),
    c.RecordCensusDetails(cid(), PRACTITIONER, "A950000178301", "UN1", ("NONE",), "1A", "N1"),
    c.RecordAssessment(cid(), PRACTITIONER, D, D, ("21",)),
    c.CorrectEvent(cid(), PRACTITIONER, "ev-1", "occurred_on", "2026-03-04", "Minutes dated wrongly",
                   c.CorrectedFact("StrategyDiscussionHeld", D, "s47_roth", ("physical",))),
    c.ObserveDay(cid(), SYSTEM, D),
    ctx.ReferContext(cid(), PRACTITIONER, "case-1", "873", "riverside-park", "public_place", "Riverside park", D),
    ctx.RecordContextConference(cid(), PRACTITIONER, D, "continue", "Youth workers on Fridays"),
    ctx.RecordContextAction(cid(), PRACTITIONER, "lighting", "environmental", "Light the east gate", "Highways", D, D),
    ctx.CloseContext(cid(), PRACTITIONER, D, "safety_improved"),
    ctx.ObserveContextDay(cid(), SYSTEM, D),
]
CONTEXT_COMMANDS = (ctx.ReferContext, ctx.RecordContextConference, ctx.RecordContextAction, ctx.CloseContext,
                    ctx.ObserveContextDay)

# Every text and date the commands carry, as "Class.field". A field added to a command (or to
# a value nested in one) fails test_every_text_and_date_field_is_known until it is added here,
# after deciding whether it is free text (domain/recordable.py FREE_TEXT) or an id, name or code.
KNOWN_TEXTS = {
    "Actor.id", "Actor.role", "Interval.unit", "ReminderLead.kind", "TimescalePolicy.version", "TimescaleProfile.name",
    "YoungPerson.ethnicity", "YoungPerson.id", "YoungPerson.sex",
    "StartJourney.command_id", "StartJourney.journey_id", "StartJourney.local_authority",
    "RecordStrategyDiscussion.command_id", "RecordStrategyDiscussion.harm_types", "RecordStrategyDiscussion.outcome",
    "RecordInitialConference.categories", "RecordInitialConference.command_id", "RecordInitialConference.decision",
    "RecordInitialConference.step_down",
    "RecordCoreGroup.command_id", "RecordVisit.command_id",
    "RecordReviewConference.categories", "RecordReviewConference.command_id", "RecordReviewConference.decision",
    "RecordReviewConference.step_down",
    "ExtendDeadline.command_id", "ExtendDeadline.deadline", "ExtendDeadline.reason",
    "CloseJourney.command_id", "CloseJourney.note", "CloseJourney.reason",
    "ChangePolicy.command_id",
    "AllocateCase.command_id", "AllocateCase.social_worker", "AllocateCase.team_manager",
    "AssignChair.chair_id", "AssignChair.command_id",
    "RecordContextWeighting.at", "RecordContextWeighting.command_id",
    "WeightedContext.affects", "WeightedContext.context_id", "WeightedContext.kind", "WeightedContext.name",
    "UpdatePlan.command_id", "UpdatePlan.made_at", "UpdatePlan.needs",
    "Goal.description", "Goal.goal_id", "Goal.heading", "Goal.need", "Goal.outcome",
    "Action.description", "Action.owner", "Action.targets",
    "RecordParticipation.command_id", "RecordParticipation.meeting", "RecordParticipation.participant",
    "RecordParticipation.views",
    "RecordConsent.command_id", "RecordConsent.decision", "RecordConsent.given_by", "RecordConsent.scope",
    "RecordTransitionPlan.command_id", "RecordTransitionPlan.note",
    "RecordCensusDetails.command_id", "RecordCensusDetails.disabilities", "RecordCensusDetails.primary_need",
    "RecordCensusDetails.referral_source", "RecordCensusDetails.upn", "RecordCensusDetails.upn_unknown",
    "RecordAssessment.command_id", "RecordAssessment.factors",
    "CorrectEvent.command_id", "CorrectEvent.event_id", "CorrectEvent.field", "CorrectEvent.reason",
    "CorrectEvent.value", "CorrectedFact.categories", "CorrectedFact.outcome", "CorrectedFact.type",
    "ObserveDay.command_id",
    "ReferContext.case_id", "ReferContext.command_id", "ReferContext.context_id", "ReferContext.kind",
    "ReferContext.local_authority", "ReferContext.name",
    "RecordContextConference.command_id", "RecordContextConference.decision", "RecordContextConference.note",
    "RecordContextAction.action_id", "RecordContextAction.command_id", "RecordContextAction.description",
    "RecordContextAction.kind", "RecordContextAction.owner",
    "CloseContext.command_id", "CloseContext.reason",
    "ObserveContextDay.command_id",
}
KNOWN_DATES = {
    "StartJourney.referral_date", "TimescalePolicy.effective_from", "YoungPerson.date_of_birth",
    "RecordStrategyDiscussion.occurred_on", "RecordInitialConference.occurred_on", "RecordCoreGroup.occurred_on",
    "RecordVisit.occurred_on", "RecordReviewConference.occurred_on", "ExtendDeadline.new_due_on",
    "CloseJourney.occurred_on", "RecordContextWeighting.occurred_on", "UpdatePlan.occurred_on", "Action.due_on",
    "RecordParticipation.occurred_on", "RecordConsent.occurred_on", "RecordTransitionPlan.occurred_on",
    "RecordAssessment.authorised_on", "RecordAssessment.started_on", "CorrectedFact.occurred_on", "ObserveDay.today",
    "ReferContext.referred_on", "RecordContextConference.occurred_on", "RecordContextAction.done_on",
    "RecordContextAction.due_on", "CloseContext.occurred_on", "ObserveContextDay.today",
}

POISON = {
    "NUL": "park\u0000name",
    "a lone surrogate": "chair\udfff",
    "a right-to-left override": "\u202eevil.exe",
    "a zero-width space": "sw\u200b-0042",
    "a bell": "ring\x07",
}
OUT_OF_RANGE = [date(1989, 6, 1), date(299, 8, 3), date(2199, 5, 6), date(1970, 1, 1), date(1989, 12, 31),
                date(2111, 1, 1)]


def leaves(value, path=()):
    """(path, "Class.field", value) of every text and date held in `value`, however deep."""
    for f in dataclasses.fields(value):
        yield from _leaves_of(getattr(value, f.name), (*path, f.name), f"{type(value).__name__}.{f.name}")


def _leaves_of(value, path, field):
    if isinstance(value, (str, date)):
        yield path, field, value
    elif isinstance(value, tuple):
        for index, item in enumerate(value):
            yield from _leaves_of(item, (*path, index), field)
    elif dataclasses.is_dataclass(value):
        yield from leaves(value, path)


def with_value(value, path, new):
    """`value` with the field at `path` (names and indexes) set to `new`."""
    if not path:
        return new
    step, rest = path[0], path[1:]
    if isinstance(value, tuple):
        return (*value[:step], with_value(value[step], rest, new), *value[step + 1:])
    return dataclasses.replace(value, **{step: with_value(getattr(value, step), rest, new)})


def decided(command):
    """What the journey's or the context's rules say to `command` with nothing recorded yet."""
    if isinstance(command, CONTEXT_COMMANDS):
        return ctx.decide(ctx.ContextCase(), command, TODAY, CALENDAR)
    return decide(initial_state(), command, TODAY, CALENDAR)


def refusal(command) -> DomainError:
    with pytest.raises(DomainError) as raised:
        decided(command)
    assert raised.value.message
    return raised.value


TEXT_CASES = [(command, path, field) for command in EXAMPLES for path, field, value in leaves(command)
              if isinstance(value, str)]
DATE_CASES = [(command, path, field) for command in EXAMPLES for path, field, value in leaves(command)
              if isinstance(value, date)]


def case_id(case) -> str:
    command, path, _ = case
    return f"{type(command).__name__}.{'.'.join(map(str, path))}"


# --- every field, table-driven ----------------------------------------------------------------

def test_every_command_type_has_an_example():
    assert {type(x) for x in EXAMPLES} == {*COMMAND_TYPES.values(), *CONTEXT_COMMANDS}


def test_every_text_and_date_field_is_known():
    walked = [*COMMAND_TYPES.values(), *CONTEXT_COMMANDS]
    texts = set().union(*(text_fields(cls) for cls in walked))
    dates = set().union(*(date_fields(cls) for cls in walked))
    assert texts == KNOWN_TEXTS, "a text field was added or removed: is it free text? (domain/recordable.py FREE_TEXT)"
    assert dates == KNOWN_DATES, "a date field was added or removed: add it to KNOWN_DATES"
    assert FREE_TEXT <= KNOWN_TEXTS, "FREE_TEXT names a field that is not a text of any command"
    # ...and the table below reaches every one of them.
    assert {field for *_, field in TEXT_CASES} == KNOWN_TEXTS
    assert {field for *_, field in DATE_CASES} == KNOWN_DATES


@pytest.mark.parametrize("case", TEXT_CASES, ids=case_id)
def test_every_text_field_refuses_what_the_log_cannot_hold_or_would_mislead_a_reader(case):
    command, path, field = case
    for what, text in POISON.items():
        refused = refusal(with_value(command, path, text))
        assert refused.code == "invalid_text", what
        assert text not in refused.message  # the refusal names the character, never the text
    line_break = refusal_code_or_none(with_value(command, path, "first line\nsecond line"))
    assert (line_break != "invalid_text") == (field in FREE_TEXT)


@pytest.mark.parametrize("case", DATE_CASES, ids=case_id)
def test_every_date_field_refuses_a_date_outside_the_record(case):
    command, path, _ = case
    for day in OUT_OF_RANGE:
        refused = refusal(with_value(command, path, day))
        assert refused.code == "date_out_of_range", day
    for day in (date(1990, 1, 1), date(2110, 12, 31)):  # the edges are inside
        assert refusal_code_or_none(with_value(command, path, day)) != "date_out_of_range"


def refusal_code_or_none(command) -> str | None:
    try:
        decided(command)
    except DomainError as err:
        return err.code
    return None


@pytest.mark.parametrize("case, wrong", [
    (TEXT_CASES[0], 42),  # a number where a text belongs
    (DATE_CASES[0], "2026-03-03"),  # a text where a date belongs (the codec makes dates)
    (DATE_CASES[0], None),  # nothing where a date is required
])
def test_a_value_of_the_wrong_type_is_refused_as_invalid(case, wrong):
    command, path, _ = case
    assert refusal(with_value(command, path, wrong)).code == "invalid_value"


def test_wrong_types_the_rules_would_have_tripped_on():
    # Each of these raised AttributeError or TypeError inside the rules on main.
    state = run([start(date(2026, 3, 2)), strategy(date(2026, 3, 3), "s47_cp"), conference(date(2026, 3, 20))], TODAY)[0]
    for command in (
        dataclasses.replace(participation(date(2026, 3, 20)), views=42),
        dataclasses.replace(participation(date(2026, 3, 20)), invited=1),
        dataclasses.replace(extend("first_core_group", date(2026, 4, 20)), reason=["late"]),
        dataclasses.replace(start(date(2026, 3, 2)), young_person=None),
    ):
        with pytest.raises(DomainError) as raised:
            decide(state, command, TODAY, CALENDAR)
        assert raised.value.code == "invalid_value", command


# --- the cases found on main (issue 15) --------------------------------------------------------

def on_plan():
    return run([start(date(2026, 3, 2)), strategy(date(2026, 3, 3), "s47_cp"), conference(date(2026, 3, 20))], TODAY)[0]


def test_nul_in_a_young_persons_views_is_refused_and_line_breaks_are_not():
    state = on_plan()
    refused = pytest.raises(DomainError, decide, state, participation(date(2026, 3, 20), views="park\u0000name"),
                            TODAY, CALENDAR)
    assert refused.value.code == "invalid_text" and "U+0000" in refused.value.message
    [recorded] = decide(state, participation(date(2026, 3, 20), views="Said:\n\tschool is better"), TODAY, CALENDAR)
    assert recorded.views == "Said:\n\tschool is better"
    zero_width = participation(date(2026, 3, 20), views="fine\u200b")
    assert pytest.raises(DomainError, decide, state, zero_width, TODAY, CALENDAR).value.code == "invalid_text"


def referral(**fields):
    return dataclasses.replace(EXAMPLES[-5], command_id=cid(), **fields)


@pytest.mark.parametrize("fields, code", [
    ({"name": "Riverside\u0000park"}, "invalid_text"),
    ({"name": "\u202eRiverside park"}, "invalid_text"),
    ({"name": "Riverside\udfffpark"}, "invalid_text"),
    ({"referred_on": date(1989, 6, 1)}, "date_out_of_range"),
    ({"referred_on": date(299, 8, 3)}, "date_out_of_range"),
])
def test_a_context_referral_with_poison_is_refused(fields, code):
    assert refusal(referral(**fields)).code == code
    assert ctx.decide(ctx.ContextCase(), referral(), TODAY, CALENDAR)  # the same referral, put right, is taken


def test_a_context_action_id_with_nul_is_refused():
    case, _ = ctx.ContextCase(), None
    for event in ctx.decide(case, referral(), TODAY, CALENDAR):
        case = ctx.evolve(case, event)
    action = dataclasses.replace(EXAMPLES[-3], action_id="lighting\u0000", done_on=None)
    with pytest.raises(DomainError) as raised:
        ctx.decide(case, action, TODAY, CALENDAR)
    assert raised.value.code == "invalid_text"


def test_a_lone_surrogate_in_a_chairs_id_is_refused():
    command = dataclasses.replace(EXAMPLES[10], chair_id="chair\udfff")
    assert refusal(command).code == "invalid_text"


def test_an_extension_to_2199_is_refused_and_one_within_the_range_taken():
    state = run([start(date(2026, 3, 2)), strategy(date(2026, 3, 3), "s47_cp")], date(2026, 3, 10))[0]
    with pytest.raises(DomainError) as raised:
        decide(state, extend("initial_conference", date(2199, 5, 6)), date(2026, 3, 10), CALENDAR)
    assert raised.value.code == "date_out_of_range" and "2199-05-06" in raised.value.message
    [extended] = decide(state, extend("initial_conference", date(2110, 12, 31)), date(2026, 3, 10), CALENDAR)
    assert extended.new_due_on == date(2110, 12, 31)


def test_a_date_of_birth_before_1990_is_refused_and_the_first_day_of_1990_taken():
    assert refusal(start(date(2007, 6, 1), dob=date(1970, 1, 1))).code == "date_out_of_range"
    [started] = decide(initial_state(), start(date(2007, 6, 1), dob=date(1990, 1, 1)), date(2007, 6, 2), CALENDAR)
    assert started.young_person.date_of_birth == date(1990, 1, 1)


def test_a_corrected_date_outside_the_record_is_refused():
    correction = EXAMPLES[18]
    for value in ("1989-06-01", "0299-08-03", "2199-05-06"):
        with pytest.raises(DomainError) as raised:
            decide(on_plan(), dataclasses.replace(correction, value=value), TODAY, CALENDAR)
        assert raised.value.code == "date_out_of_range", value


# --- the calendar: only the years it has loaded ------------------------------------------------

def test_the_calendar_refuses_a_year_it_has_not_loaded_rather_than_load_it():
    calendar = WorkingDayCalendar()
    # A deadline worked out from a date at the edge of the record's range falls in a loaded year.
    assert calendar.add_months(date(2110, 12, 20), 3) == date(2111, 3, 20)
    assert calendar.previous_working_day(date(1990, 1, 1)) == date(1989, 12, 29)
    for day in (date(1970, 1, 1), date(2199, 5, 6), date(299, 8, 3)):
        with pytest.raises(DomainError) as raised:
            calendar.is_working_day(day)
        assert raised.value.code == "date_out_of_range"
