"""wake_time: each journey wakes at its own moment of the small hours, on the day due."""

from __future__ import annotations

from datetime import date, timedelta

from workflows.local_time import WAKE_SPREAD, london_date, start_of_day, wake_time

IDS = [f"journey-873-{n:032x}" for n in range(400)]


def test_a_journey_wakes_on_the_day_within_the_spread_and_always_at_the_same_time() -> None:
    day = date(2026, 11, 24)
    for workflow_id in IDS:
        wakes = wake_time(day, workflow_id)
        assert start_of_day(day) <= wakes < start_of_day(day) + WAKE_SPREAD
        assert london_date(wakes) == day
        assert wake_time(day, workflow_id) == wakes


def test_journeys_due_the_same_day_wake_spread_over_the_small_hours() -> None:
    day = date(2026, 11, 24)
    hours = [(wake_time(day, workflow_id) - start_of_day(day)) // timedelta(hours=1) for workflow_id in IDS]
    spread_hours = int(WAKE_SPREAD / timedelta(hours=1))
    counts = [hours.count(h) for h in range(spread_hours)]
    # 400 journeys over 4 hours: about 100 an hour, none crowding one hour.
    assert all(60 <= count <= 140 for count in counts), counts
    assert len({wake_time(day, workflow_id) for workflow_id in IDS}) > 390


def test_the_clocks_changing_in_the_small_hours_moves_no_wake_to_another_day() -> None:
    for day in (date(2026, 3, 29), date(2026, 10, 25)):  # BST starts, BST ends (at 01:00 GMT)
        for workflow_id in IDS:
            wakes = wake_time(day, workflow_id)
            assert london_date(wakes) == day
            assert wakes >= start_of_day(day)
