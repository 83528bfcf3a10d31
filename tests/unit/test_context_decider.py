"""Context cases' rules: referral, context conferences on their own cadence, actions, closure,
and the clock's reminders and misses; every refusal code. Dates worked by hand:
referral Mon 2 Mar 2026 -> first context conference due 15 working days later, Mon 23 Mar
(3,4,5,6,9,10,11,12,13,16,17,18,19,20,23 Mar); its reminder 5 working days before, Mon 16 Mar.
A conference on Thu 26 Mar -> the review is due 3 months later, Fri 26 Jun.
"""

from datetime import date

import pytest

from domain import contexts as ctx
from domain.errors import DomainError
from domain.model import Actor
from support import CALENDAR, cid

WORKER = Actor("sw-0042", "practitioner")
REFERRED_ON = date(2026, 3, 2)
TODAY = date(2026, 11, 20)


def refer(context_id="riverside-park", kind="public_place", name="Riverside park", on=REFERRED_ON, actor=WORKER):
    return ctx.ReferContext(cid(), actor, "case-1", "873", context_id, kind, name, on)


def conference(on, decision="continue"):
    return ctx.RecordContextConference(cid(), WORKER, on, decision, "Youth workers to patrol on Fridays")


def run(commands, today=TODAY, case=None):
    case = case or ctx.ContextCase()
    produced = []
    for command in commands:
        for event in ctx.decide(case, command, today, CALENDAR):
            case = ctx.evolve(case, event)
            produced.append(event)
    return case, produced


def refused(case, command, today=TODAY) -> str:
    with pytest.raises(DomainError) as raised:
        ctx.decide(case, command, today, CALENDAR)
    assert raised.value.message
    return raised.value.code


def test_the_first_context_conference_is_due_in_15_working_days_then_reviews_every_3_months():
    case, _ = run([refer()])
    first = ctx.next_conference(case, CALENDAR, REFERRED_ON)
    assert (first.kind, first.due_on, first.reminder_on, first.status) == (
        ctx.CONTEXT_CONFERENCE, date(2026, 3, 23), date(2026, 3, 16), "open")
    case, [held] = run([conference(date(2026, 3, 26))], case=case)
    assert (held.due_on, held.on_time) == (date(2026, 3, 23), False)
    review = ctx.next_conference(case, CALENDAR, date(2026, 3, 26))
    assert (review.kind, review.due_on) == (ctx.CONTEXT_REVIEW, date(2026, 6, 26))


def test_the_clock_reminds_then_records_a_miss_once():
    case, _ = run([refer()])
    assert ctx.next_wake(case, CALENDAR, REFERRED_ON) == date(2026, 3, 16)
    assert ctx.decide(case, ctx.ObserveContextDay(cid(), WORKER, date(2026, 3, 13)), TODAY, CALENDAR) == []
    case, [reminded] = run([ctx.ObserveContextDay(cid(), WORKER, date(2026, 3, 16))], case=case)
    assert reminded == ctx.ContextConferenceApproaching(date(2026, 3, 16), ctx.CONTEXT_CONFERENCE, date(2026, 3, 23))
    assert ctx.next_wake(case, CALENDAR, date(2026, 3, 16)) == date(2026, 3, 24)
    case, [missed] = run([ctx.ObserveContextDay(cid(), WORKER, date(2026, 3, 24))], case=case)
    assert missed == ctx.ContextConferenceMissed(date(2026, 3, 24), ctx.CONTEXT_CONFERENCE, date(2026, 3, 23))
    assert run([ctx.ObserveContextDay(cid(), WORKER, date(2026, 3, 25))], case=case)[1] == []
    assert ctx.next_wake(case, CALENDAR, date(2026, 3, 24)) is None


def test_actions_are_recorded_and_completed_by_id():
    case, _ = run([refer()])
    agreed = ctx.RecordContextAction(cid(), WORKER, "lighting", "environmental", "Lighting on the east path",
                                     "Highways", date(2026, 5, 1))
    case, _ = run([agreed], case=case)
    case, _ = run([ctx.RecordContextAction(cid(), WORKER, "lighting", "environmental", "Lighting on the east path",
                                           "Highways", date(2026, 5, 1), done_on=date(2026, 4, 28))], case=case)
    [action] = case.actions
    assert action.done_on == date(2026, 4, 28)


def test_a_conference_can_close_the_case():
    case, events = run([refer(), conference(date(2026, 3, 20), decision="close")])
    assert [type(e).__name__ for e in events] == ["ContextReferred", "ContextConferenceHeld", "ContextClosed"]
    assert case.closed and ctx.next_conference(case, CALENDAR, TODAY) is None
    assert ctx.decide(case, ctx.ObserveContextDay(cid(), WORKER, TODAY), TODAY, CALENDAR) == []


@pytest.mark.parametrize("command, code", [
    (refer(kind="home_family"), "invalid_value"),
    (refer(context_id="Riverside Park"), "invalid_value"),
    (refer(name=" "), "invalid_value"),
    (refer(on=date(2026, 11, 21)), "date_in_future"),
    (refer(actor=Actor("qa-1", "auditor")), "not_allowed_for_role"),
])
def test_referral_refusals(command, code):
    assert refused(ctx.ContextCase(), command) == code


def test_refusals_once_referred():
    case, _ = run([refer()])
    assert refused(case, refer()) == "context_already_open"
    assert refused(case, conference(date(2026, 3, 1))) == "date_before_previous_step"
    assert refused(case, conference(date(2026, 11, 21))) == "date_in_future"
    assert refused(case, conference(date(2026, 3, 20), decision="adjourn")) == "invalid_value"
    held, _ = run([conference(date(2026, 3, 20))], case=case)
    assert refused(held, conference(date(2026, 3, 20))) == "step_out_of_order"
    bad_action = ctx.RecordContextAction(cid(), WORKER, "a1", "policing", "Patrols", "Police", date(2026, 5, 1))
    assert refused(case, bad_action) == "invalid_value"
    assert refused(case, ctx.CloseContext(cid(), WORKER, date(2026, 3, 20), "bored")) == "invalid_value"
    closed, _ = run([ctx.CloseContext(cid(), WORKER, date(2026, 3, 20), "no_longer_a_concern")], case=case)
    assert refused(closed, conference(date(2026, 3, 25))) == "context_closed"
    assert refused(ctx.ContextCase(), conference(date(2026, 3, 25))) == "context_not_referred"
