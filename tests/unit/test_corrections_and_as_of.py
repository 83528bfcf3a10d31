"""Corrections, and the case as it stood on both time axes, against hand-worked expectations.

The story (national policy): referral Mon 2 Mar 2026; strategy discussion Tue 3 Mar, so the
initial conference is due Tue 24 Mar (15 working days). The conference was held on Fri 20 Mar
but recorded late, on Wed 25 Mar at 10:00, after the journey's clock had recorded the deadline
as missed at 00:30 that morning. On Mon 30 Mar the conference's date was corrected to Thu
19 Mar (the minutes were dated wrongly).
"""

from datetime import date, datetime, timezone

import pytest

from domain import commands as c
from domain import events as e
from domain.decider import decide, evolve
from domain.deadlines import all_deadlines
from domain.errors import DomainError
from domain.history import Logged, as_of, chronology
from support import CALENDAR, PRACTITIONER, SYSTEM, cid, conference, core_group, review, run, start, strategy

REFERRAL, SD, DUE, HELD, RECORDED, CORRECTED_TO = (
    date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 24), date(2026, 3, 20), date(2026, 3, 25), date(2026, 3, 19))


def at(day: int, hour: int, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=timezone.utc)


def fact(event: e.Event) -> c.CorrectedFact:
    return c.CorrectedFact(type(event).__name__, event.occurred_on, getattr(event, "outcome", None),
                           tuple(getattr(event, "categories", ()) or ()))


def correction(event_id: str, original: e.Event | None, field: str, value, reason: str = "Minutes dated wrongly"):
    return c.CorrectEvent(cid(), PRACTITIONER, event_id, field, value, reason, None if original is None else fact(original))


def story() -> tuple[list[Logged], object]:
    """The log as (event id, recorded at, event), and the state the workflow would hold."""
    logged, state, n = [], None, 0

    def record(command, today, moment):
        nonlocal state, n
        from domain.model import initial_state

        state = state or initial_state()
        for event in decide(state, command, today, CALENDAR):
            state = evolve(state, event)
            n += 1
            logged.append(Logged(f"ev-{n}", moment, event, command.command_id))

    record(start(REFERRAL), REFERRAL, at(2, 9))
    record(strategy(SD, "s47_cp"), SD, at(3, 15))
    record(c.ObserveDay(cid(), SYSTEM, RECORDED), RECORDED, at(25, 0))  # the miss
    record(conference(HELD), RECORDED, at(25, 10))  # held on the 20th, recorded late
    held_id = next(x.event_id for x in logged if isinstance(x.event, e.InitialConferenceHeld))
    held = next(x.event for x in logged if x.event_id == held_id)
    record(correction(held_id, held, "occurred_on", CORRECTED_TO.isoformat()), date(2026, 3, 30), at(30, 11))
    return logged, state


def status_of(state, kind, today):
    return next(d for d in all_deadlines(state, state.policy, CALENDAR, today) if d.kind == kind)


def test_as_the_record_showed_it():
    logged, _ = story()
    before = as_of(logged, recorded_by=at(24, 18))
    assert before.stage == "section_47" and status_of(before, "initial_conference", DUE).status == "open"
    missed = as_of(logged, recorded_by=at(25, 9))
    assert missed.stage == "section_47" and status_of(missed, "initial_conference", RECORDED).status == "missed"
    late = as_of(logged, recorded_by=at(25, 11))
    assert late.stage == "plan" and late.initial_conference_on == HELD
    assert late.history[0].met_on == HELD and late.history[0].status == "met"


def test_as_it_actually_stood_by_what_we_know_now():
    logged, _ = story()
    # On the 22nd the conference had been held (on the 19th, as corrected): the plan stood.
    on_22nd = as_of(logged, occurred_by=date(2026, 3, 22))
    assert on_22nd.stage == "plan" and on_22nd.plan.started_on == CORRECTED_TO
    assert on_22nd.history[0].met_on == CORRECTED_TO and on_22nd.history[0].status == "met"
    # On the 18th it had not: the enquiry was open and the deadline too.
    on_18th = as_of(logged, occurred_by=date(2026, 3, 18))
    assert on_18th.stage == "section_47"
    assert status_of(on_18th, "initial_conference", date(2026, 3, 18)).status == "open"


def test_both_axes_at_once():
    logged, _ = story()
    # What the record said on the morning of the 25th about the 22nd: no conference yet.
    assert as_of(logged, recorded_by=at(25, 9), occurred_by=date(2026, 3, 22)).stage == "section_47"
    # What it said on the 29th about the 19th: the conference was dated the 20th then.
    assert as_of(logged, recorded_by=at(29, 12), occurred_by=CORRECTED_TO).stage == "section_47"
    # And since the correction, the 19th had it.
    assert as_of(logged, recorded_by=at(30, 12), occurred_by=CORRECTED_TO).stage == "plan"


def test_the_whole_log_folds_to_the_state_the_workflow_held():
    logged, state = story()
    assert as_of(logged) == state
    assert state.initial_conference_on == CORRECTED_TO and state.plan.started_on == CORRECTED_TO


def test_the_chronology_shows_a_correction_beside_what_it_corrects():
    logged, _ = story()
    entries = [{"event_id": x.event_id, "type": type(x.event).__name__,
                "data": {k: v for k, v in vars(x.event).items()}} for x in logged]
    shown = {x["event_id"]: x for x in chronology(entries)}
    held_id = next(x.event_id for x in logged if isinstance(x.event, e.InitialConferenceHeld))
    correction_id = next(x.event_id for x in logged if isinstance(x.event, e.EventCorrected))
    assert shown[held_id]["corrected_by"] == [correction_id]
    assert shown[correction_id]["corrects"] == held_id and shown[correction_id]["corrected_by"] == []


# --- the correction's rules -----------------------------------------------------------------

def on_s47():
    state, events = run([start(REFERRAL), strategy(SD, "s47_cp")], date(2026, 3, 10))
    return state, events[-1]


def refused(state, command, today=date(2026, 11, 20)) -> str:
    with pytest.raises(DomainError) as raised:
        decide(state, command, today, CALENDAR)
    assert raised.value.message
    return raised.value.code


def test_the_s47_decision_and_its_date_can_be_corrected_while_the_enquiry_is_open():
    state, held = on_s47()
    [event] = decide(state, correction("sd", held, "outcome", "s47_roth"), date(2026, 3, 10), CALENDAR)
    assert event == e.EventCorrected(date(2026, 3, 10), "sd", "StrategyDiscussionHeld", "outcome", "s47_cp", "s47_roth",
                                     "Minutes dated wrongly")
    assert evolve(state, event).pathway == "roth"
    moved = evolve(state, decide(state, correction("sd", held, "occurred_on", "2026-03-04"), date(2026, 3, 10), CALENDAR)[0])
    # The initial conference is now due 15 working days after the 4th: Wed 25 Mar.
    assert moved.strategy_discussion_on == date(2026, 3, 4)
    assert status_of(moved, "initial_conference", date(2026, 3, 10)).due_on == date(2026, 3, 25)


def test_plan_categories_can_be_corrected_until_the_plan_moves_on():
    state, events = run([start(REFERRAL), strategy(SD), conference(HELD, categories=("physical",))], date(2026, 3, 25))
    held = next(x for x in events if isinstance(x, e.InitialConferenceHeld))
    fixed = evolve(state, decide(state, correction("icpc", held, "categories", ("sexual", "physical")), date(2026, 3, 25), CALENDAR)[0])
    assert fixed.plan.categories == ("sexual", "physical")
    later = run([core_group(date(2026, 3, 27))], date(2026, 3, 30), state)[0]
    assert refused(later, correction("icpc", held, "categories", ("sexual",))) == "not_correctable"
    assert refused(later, correction("icpc", held, "occurred_on", "2026-03-19")) == "not_correctable"


def test_the_latest_core_group_and_review_dates_can_be_corrected():
    state, events = run([start(REFERRAL), strategy(SD), conference(HELD), core_group(date(2026, 4, 2)),
                         review(date(2026, 6, 12))], date(2026, 6, 15))
    group = next(x for x in events if isinstance(x, e.CoreGroupHeld))
    reviewed = next(x for x in events if isinstance(x, e.ReviewConferenceHeld))
    moved = evolve(state, decide(state, correction("cg", group, "occurred_on", "2026-04-01"), date(2026, 6, 15), CALENDAR)[0])
    assert moved.last_core_group_on == date(2026, 4, 1)
    assert [r.met_on for r in moved.history if r.kind == "first_core_group"] == [date(2026, 4, 1)]
    moved = evolve(state, decide(state, correction("rv", reviewed, "occurred_on", "2026-06-11"), date(2026, 6, 15), CALENDAR)[0])
    assert moved.last_review_on == date(2026, 6, 11)


@pytest.mark.parametrize("field, value, reason, code", [
    ("outcome", "child_in_need", "wrong", "invalid_value"),
    ("occurred_on", "2026-03-01", "wrong", "date_before_previous_step"),
    ("occurred_on", "2026-12-01", "wrong", "date_in_future"),
    ("occurred_on", "3 March", "wrong", "invalid_value"),
    ("occurred_on", "2026-03-03", "wrong", "correction_unchanged"),
    ("occurred_on", "2026-03-04", "  ", "reason_required"),
    ("decision", "plan", "wrong", "invalid_value"),
])
def test_correction_refusals(field, value, reason, code):
    state, held = on_s47()
    assert refused(state, correction("sd", held, field, value, reason)) == code


def test_a_correction_needs_an_event_of_this_journey_that_may_be_corrected():
    state, held = on_s47()
    assert refused(state, correction("nope", None, "occurred_on", "2026-03-04")) == "event_not_found"
    started = run([start(REFERRAL)], REFERRAL)[1][0]
    assert refused(state, correction("start", started, "occurred_on", "2026-03-01")) == "not_correctable"
    auditor = c.CorrectEvent(cid(), c.Actor("qa-1", "auditor"), "sd", "outcome", "s47_roth", "wrong", fact(held))
    assert refused(state, auditor) == "not_allowed_for_role"
