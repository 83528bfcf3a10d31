"""domain/timeline.py: a journey's rows worded for managers through domain/vocabulary.py.

The store's side (which rows, confined to the LA) is tests/store/test_manager_queries.py.
"""

from __future__ import annotations

from datetime import date

from domain import events as e
from domain.timeline import timeline_entries
from domain.weighting import WeightedContext


def d(text: str) -> date:
    return date.fromisoformat(text)


def row(version: int, event) -> dict:
    name, occurred_on, data = e.encode(event)
    return {"event_id": f"ev-{version}", "version": version, "type": name, "occurred_on": d(occurred_on),
            "actor": "journey-clock", "actor_role": "system", "data": data}


def worded(*events) -> list[tuple]:
    return [(x["kind"], x["title"], x["detail"]) for x in timeline_entries([row(n, ev) for n, ev in enumerate(events, 1)], [])]


def test_closures_reminders_and_unknown_events():
    logged = [
        row(1, e.StrategyDiscussionHeld(d("2026-04-01"), "s47_roth", "roth")),
        row(2, e.DeadlineApproaching(d("2026-04-20"), "initial_conference", d("2026-04-23"))),
        row(3, e.InitialConferenceHeld(d("2026-04-22"), "no_plan", (), "early_help")),
        row(4, e.JourneyClosed(d("2026-04-22"), "no_plan", step_down="early_help")),
        {"event_id": "ev-5", "version": 5, "type": "ContextConferenceHeld", "occurred_on": d("2026-04-23"),
         "actor": "sw-0042", "actor_role": "practitioner", "data": {"context": "c-1"}},
    ]
    entries = timeline_entries(logged, [])
    assert [(x["kind"], x["title"], x["detail"]) for x in entries] == [
        ("step", "Strategy discussion", "S.47 enquiry on the ROTH pathway"),
        ("reminder", "Initial conference due soon", "Due 23 April 2026"),
        ("step", "Initial ROTH conference", "No plan; steps down to early help"),
        # The closure reason in the words the journey page shows beside "Closed".
        ("closure", "Journey closed", "Initial conference decided no plan was needed; steps down to early help"),
        ("step", "Context conference held", None),  # a type this version does not know
    ]


def test_a_strategy_discussion_that_closes_names_the_support_once():
    assert worded(
        e.StrategyDiscussionHeld(d("2026-04-01"), "child_in_need", None),
        e.JourneyClosed(d("2026-04-01"), "child_in_need", step_down="child_in_need"),
    ) == [
        ("step", "Strategy discussion", "No s.47 enquiry; child in need"),
        ("closure", "Journey closed", "Strategy discussion: child in need instead"),
    ]


def test_a_plan_ends_with_or_without_a_step_down():
    assert worded(e.PlanEnded(d("2026-09-01"), "child_in_need"))[0][1:] == ("Plan ended", "Steps down to child in need")
    assert worded(e.PlanEnded(d("2026-09-01"), "none"))[0][1:] == ("Plan ended", "No step down")


def test_practice_events_in_the_vocabularys_words():
    park = WeightedContext("riverside-park", "public_place", "Riverside park", True, False, 9)
    home = WeightedContext("home", "home_family", "Home", False, True, 4)
    entries = worded(
        e.ContextWeightingRecorded(d("2026-03-27"), "initial_conference", (home, park), "cp"),
        e.ConsentRecorded(d("2026-03-27"), "parent_carer", "withdrawn", ("youth_justice", "health")),
    )
    assert entries == [
        ("step", "Context weighting", "At the initial conference; most influential: Riverside park; "
                                      "consider transfer to CP"),
        ("step", "Consent to share withdrawn", "Parent or carer: youth justice and health"),
    ]


def test_deadlines_still_owed_follow_the_days_logged_entries():
    pending = [{"kind": "first_core_group", "due_on": d("2026-05-05"), "original_due_on": d("2026-05-01"), "status": "missed"},
               {"kind": "eighteenth_birthday", "due_on": d("2027-06-01"), "original_due_on": d("2027-06-01"), "status": "open"}]
    entries = timeline_entries([row(1, e.CoreGroupHeld(d("2026-05-05")))], pending)
    assert [(x["type"], x["title"], x["detail"]) for x in entries] == [
        ("CoreGroupHeld", "Core group held", None),
        ("DeadlineDue", "First core group overdue", "Due 5 May 2026 (statutory 1 May 2026)"),
        ("DeadlineDue", "18th birthday: transition to adult services", "Due 1 June 2027"),
    ]


def test_the_eighteenth_birthday_is_named_as_the_journey_page_names_it():
    assert worded(e.DeadlineApproaching(d("2027-05-04"), "eighteenth_birthday", d("2027-06-01")))[0][1:] == (
        "18th birthday (move to adult services) due soon", "Due 1 June 2027")


def test_categories_of_harm_are_named_not_coded():
    entries = worded(
        e.StrategyDiscussionHeld(d("2026-04-01"), "s47_cp", "cp"),
        e.InitialConferenceHeld(d("2026-04-20"), "plan", ("physical", "neglect"), None),
        e.PlanStarted(d("2026-04-20"), "cp", ("physical", "neglect"), False),
        e.PathwayTransferred(d("2026-06-01"), "cp", "roth", ("emotional",), True),
    )
    assert [detail for _, _, detail in entries[1:]] == [
        "Plan: physical abuse and neglect",
        "Categories: physical abuse and neglect",
        "Categories: emotional abuse; harm outside the home",
    ]
