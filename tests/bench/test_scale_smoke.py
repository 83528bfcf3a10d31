"""The scale benchmark runs end to end, tiny, on the real dev server with a worker process:
no timings asserted, only that every figure is measured and written."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent

from bench import scale


@pytest.mark.slow
def test_scale_benchmark_produces_results(tmp_path):
    config = scale.Config(journeys=20, concurrency=8, sample=5, hold_s=1, command_rate=5)
    document = scale.run(config, out_dir=tmp_path, quiet=True)
    headline = document["headline"]
    assert headline["start"]["started"] == 20 and headline["start"]["failed"] == 0
    assert headline["open"]["in_store"] == 20
    for label in ("paced", "saturating"):
        lateness = headline[label]["lateness"]
        assert lateness["timers"] == 5 and lateness["journeys_without_a_handled_timer"] == 0
        assert set(lateness["handled_ms"]) == {"p50", "p95", "p99", "max"}
    assert headline["memory"]["worker"]["steady_mb"] > 0 and headline["memory"]["server"]["peak_mb"] > 0
    written = json.loads((tmp_path / "scale.json").read_text())
    assert written["headline"]["config"]["journeys"] == 20
    text = (tmp_path / "scale.md").read_text()
    assert "start rate" in text and "worker RSS" in text and "handled: p50 / p95 / p99" in text


def _event(event_id: int, kind, at: datetime, **attributes) -> HistoryEvent:
    event = HistoryEvent(event_id=event_id, event_type=kind, **attributes)
    event.event_time.FromDatetime(at)
    return event


def test_lateness_is_measured_from_the_due_time_of_each_settle_timer():
    t0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
    started = _event(5, EventType.EVENT_TYPE_TIMER_STARTED, t0)
    started.timer_started_event_attributes.start_to_fire_timeout.FromTimedelta(timedelta(seconds=5))
    started.timer_started_event_attributes.timer_id = "1"
    wake = _event(6, EventType.EVENT_TYPE_TIMER_STARTED, t0)  # the wake timer (days): not a settle timer
    wake.timer_started_event_attributes.start_to_fire_timeout.FromTimedelta(timedelta(days=3))
    fired = _event(7, EventType.EVENT_TYPE_TIMER_FIRED, t0 + timedelta(seconds=5, milliseconds=20))
    fired.timer_fired_event_attributes.started_event_id = 5
    events = [
        started, wake, fired,
        _event(8, EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, t0 + timedelta(seconds=5, milliseconds=20)),
        _event(9, EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED, t0 + timedelta(seconds=5, milliseconds=300)),
        _event(10, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, t0 + timedelta(seconds=5, milliseconds=450)),
    ]
    assert scale.settle_timer_lateness(events) == [{"fired_ms": 20.0, "picked_up_ms": 300.0, "handled_ms": 450.0}]
    # Only the timers the measured commands armed: not the quiet period after the start.
    assert scale.settle_timer_lateness(events, since=t0 + timedelta(seconds=1)) == []
