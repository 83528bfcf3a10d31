"""Prometheus metrics: every name the service exports is defined here.

Three sources make up a process's `/metrics`:
- counters this process keeps (HTTP requests and their latency in the API, events appended,
  deadlines missed and webhook failures in the worker, access-log rows written);
- gauges read from the database's summary tables at scrape time (the API only, so a scrape
  of every replica gives the same figures: rules take `max` of them), kept for a few seconds;
- the Temporal SDK's own metrics (`temporal_*`), which its Rust core serves on a loopback
  port of its own: they are fetched from there and appended, so an orchestrator scrapes one
  port per process.

Labels are route templates, methods, statuses, LA codes, pathways and codes, never an id of
a journey or anything about a young person (a label's every value is a time series).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone

import httpx
import structlog
from prometheus_client import (
    CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, disable_created_metrics, generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

__all__ = [
    "ACCESS_LOG_WRITES", "CONTENT_TYPE_LATEST", "DEADLINES_MISSED", "EVENTS_APPENDED", "HTTP_DURATION",
    "HTTP_REQUESTS", "OperationalGauges", "SAMPLE_NAMES", "SdkMetrics", "WEBHOOK_FAILURES", "render",
]

HTTP_REQUESTS = Counter(
    "pathways_http_requests", "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"])
HTTP_DURATION = Histogram(
    "pathways_http_request_duration_seconds", "Time to answer an HTTP request, by method and route template.",
    ["method", "route"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
ACCESS_LOG_WRITES = Counter(
    "pathways_access_log_writes", "Rows written to the access log, by channel and what was read.", ["channel", "what"])
EVENTS_APPENDED = Counter(
    "pathways_events_appended", "Events this worker appended to the log, by LA.", ["local_authority"])
DEADLINES_MISSED = Counter(
    "pathways_deadlines_missed", "Missed deadlines this worker recorded, by LA.", ["local_authority"])
WEBHOOK_FAILURES = Counter(
    "pathways_webhook_delivery_failures", "Webhook delivery attempts a receiver did not take.")

log = structlog.get_logger("pathways.metrics")

# Every sample name a scrape of the service's processes carries that deploy/'s alert rules
# and dashboard may use: this module's own, and the Temporal SDK's (Core counters have no
# `_total` suffix; durations are in seconds) that Temporal's worker-health guidance watches.
SAMPLE_NAMES = frozenset({
    "pathways_http_requests_total", "pathways_http_request_duration_seconds_bucket",
    "pathways_http_request_duration_seconds_sum", "pathways_http_request_duration_seconds_count",
    "pathways_open_journeys", "pathways_overdue_deadlines", "pathways_webhook_deliveries_failing",
    "pathways_checkpoint_age_seconds", "pathways_checkpoint_interval_seconds", "pathways_database_up",
    "pathways_access_log_writes_total", "pathways_deadlines_missed_total", "pathways_webhook_delivery_failures_total",
    "pathways_events_appended_total",
    "temporal_workflow_task_schedule_to_start_latency_bucket", "temporal_workflow_task_execution_failed",
    "temporal_workflow_task_execution_latency_bucket", "temporal_activity_execution_failed",
    "temporal_local_activity_execution_latency_bucket", "temporal_request_latency_bucket",
    "temporal_sticky_cache_size", "temporal_worker_task_slots_available", "temporal_num_pollers",
})

GAUGE_TTL_SECONDS = 10.0
# The `_created` timestamp series double every counter for nothing an alert uses.
disable_created_metrics()


class OperationalGauges(Collector):
    """The database's figures at scrape time: open journeys by LA and pathway, deadlines
    overdue now, webhook deliveries failing, the age of the latest signed checkpoint."""

    def __init__(self, counts: Callable, checkpoint_interval_seconds: float,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self._counts = counts
        self._interval = checkpoint_interval_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._cached: tuple[float, object] | None = None

    def collect(self):
        yield GaugeMetricFamily(
            "pathways_checkpoint_interval_seconds", "How often a signed checkpoint is due.", value=self._interval)
        try:
            counts = self._current()
        except Exception as err:  # the database is down: say so, and the figures are absent
            log.warning("metrics_database_unavailable", error=type(err).__name__)
            yield GaugeMetricFamily("pathways_database_up", "Whether the database answered this scrape.", value=0)
            return
        yield GaugeMetricFamily("pathways_database_up", "Whether the database answered this scrape.", value=1)
        open_journeys = GaugeMetricFamily(
            "pathways_open_journeys", "Open journeys, by LA and pathway (none: before a conference decides).",
            labels=["local_authority", "pathway"])
        for (la, pathway), n in sorted(counts.open_journeys.items(), key=lambda item: (item[0][0], item[0][1] or "")):
            open_journeys.add_metric([la, pathway or "none"], n)
        overdue = GaugeMetricFamily(
            "pathways_overdue_deadlines", "Deadlines past due and still owed on open journeys, by LA.",
            labels=["local_authority"])
        for la, n in sorted(counts.overdue_deadlines.items()):
            overdue.add_metric([la], n)
        failing = GaugeMetricFamily(
            "pathways_webhook_deliveries_failing",
            "Webhook deliveries retrying after a failed attempt, or given up, by LA.", labels=["local_authority"])
        for la, n in sorted(counts.failing_deliveries.items()):
            failing.add_metric([la], n)
        yield from (open_journeys, overdue, failing)
        if counts.latest_checkpoint_at is not None:
            yield GaugeMetricFamily(
                "pathways_checkpoint_age_seconds", "Seconds since the latest signed checkpoint.",
                value=max(0.0, (self._clock() - counts.latest_checkpoint_at).total_seconds()))

    def _current(self):
        with self._lock:
            now = time.monotonic()
            if self._cached is None or now - self._cached[0] > GAUGE_TTL_SECONDS:
                self._cached = (now, self._counts())
            return self._cached[1]


class SdkMetrics:
    """The Temporal SDK's Prometheus exporter on a free loopback port, for one process's
    `Runtime` (pass `runtime` to every client the process connects)."""

    def __init__(self) -> None:
        from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

        port = _free_loopback_port()
        self.url = f"http://127.0.0.1:{port}/metrics"
        self.runtime = Runtime(telemetry=TelemetryConfig(
            metrics=PrometheusConfig(bind_address=f"127.0.0.1:{port}", durations_as_seconds=True)))

    def scrape(self) -> bytes:
        try:
            return httpx.get(self.url, timeout=5).content
        except httpx.HTTPError:
            return b"# the Temporal SDK's metrics could not be read\n"


def render(*registries: CollectorRegistry, sdk: SdkMetrics | None = None) -> bytes:
    """The Prometheus text of this process: its counters, the given registries, the SDK's."""
    parts = [generate_latest(REGISTRY), *(generate_latest(r) for r in registries)]
    if sdk is not None:
        parts.append(sdk.scrape())
    return b"".join(parts)


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
