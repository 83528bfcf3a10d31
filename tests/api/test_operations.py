"""What an operator relies on: liveness and readiness, the Prometheus scrape, and one trace
from an HTTP request through the Temporal update to the persist activity, none of them
carrying a young person's details."""

from __future__ import annotations

import io
import json
import socket
import uuid
from dataclasses import replace
from datetime import date, timedelta

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client.parser import text_string_to_metric_families
from temporalio.client import Client

from api.app import create_app
from observability.tracing import PrivateDataGuard
from observability.logs import configure_logging
from store.engine import make_engine
from store.events import EventStore
from temporal_fixtures import auth
from worker import build_worker
from workflows.connection import connect

pytestmark = pytest.mark.slow


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_body(child_id: str, dob: str, today: date) -> dict:
    return {"command_id": str(uuid.uuid4()), "local_authority": "873",
            "young_person": {"id": child_id, "date_of_birth": dob, "sex": "F", "ethnicity": "WBRI"},
            "referral_date": (today - timedelta(days=4)).isoformat()}


def strategy_discussion(today: date) -> dict:
    return {"command_id": str(uuid.uuid4()), "type": "record_strategy_discussion",
            "occurred_on": (today - timedelta(days=3)).isoformat(), "outcome": "s47_roth"}


async def start_and_send(http, tokens, child_id: str, dob: str, today: date) -> str:
    """A journey started by the case system and a strategy discussion recorded on it: its id."""
    started = await http.post("/v1/journeys", json=start_body(child_id, dob, today), headers=auth(tokens, "system"))
    assert started.status_code == 201, started.text
    journey_id = started.json()["journey_id"]
    sent = await http.post(f"/v1/journeys/{journey_id}/commands", json=strategy_discussion(today),
                           headers=auth(tokens, "practitioner"))
    assert sent.status_code == 200, sent.text
    return journey_id


async def serve(app):
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://pathways.test") as http:
            yield http


async def test_liveness_and_readiness(http):
    alive = await http.get("/healthz")
    assert (alive.status_code, alive.json()) == (200, {"status": "alive"})
    ready = await http.get("/readyz")
    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})


async def test_not_ready_while_the_database_is_down(temporal_env, settings, token_file):
    down = EventStore(make_engine(f"postgresql://pathways@127.0.0.1:{closed_port()}/pathways"))
    app = create_app(settings, temporal=temporal_env.client, store=down, identity=token_file)
    async for http in serve(app):
        answer = await http.get("/readyz")
        alive = await http.get("/healthz")
    assert answer.status_code == 503 and answer.headers["retry-after"]
    body = answer.json()
    assert body["status"] == "unavailable" and set(body["problems"]) == {"database"}
    assert body["problems"]["database"].startswith("OperationalError: ")
    assert alive.status_code == 200  # alive all the same: restarting it would not bring the database back


async def test_not_ready_on_an_old_schema_or_without_temporal(settings, token_file, tmp_path):
    unmigrated = EventStore(make_engine(f"sqlite:///{tmp_path / 'empty.db'}"))
    nowhere = await Client.connect(f"127.0.0.1:{closed_port()}", lazy=True)
    app = create_app(settings, temporal=nowhere, store=unmigrated, identity=token_file)
    async for http in serve(app):
        answer = await http.get("/readyz")
    assert answer.status_code == 503
    problems = answer.json()["problems"]
    assert "run `pathways migrate` first" in problems["database"]
    assert problems["temporal"]


def scrape(text: str) -> dict[tuple[str, tuple], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


async def test_metrics_move_with_commands_and_carry_nothing_personal(http, tokens, store, settings, temporal_env,
                                                                     token_file):
    today = date.today()
    child_id, dob = f"MX{uuid.uuid4().hex[:10].upper()}", "2012-07-19"
    before = scrape((await http.get("/metrics")).text)
    journey_id = await start_and_send(http, tokens, child_id, dob, today)
    read = await http.get(f"/v1/journeys/{journey_id}", headers=auth(tokens, "manager"))
    assert read.status_code == 200

    # Another replica: the counters are this process's, and its database figures are fresh
    # (each app keeps them for a few seconds).
    replica = create_app(settings, temporal=temporal_env.client, store=store, identity=token_file)
    async for other in serve(replica):
        page = await other.get("/metrics")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/plain")
    after = scrape(page.text)

    def moved(name, **labels):
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert moved("pathways_http_requests_total", method="POST", route="/v1/journeys", status="201") == 1
    assert moved("pathways_http_requests_total", method="POST", route="/v1/journeys/{journey_id}/commands",
                 status="200") == 1
    assert moved("pathways_http_request_duration_seconds_count", method="POST", route="/v1/journeys") == 1
    assert moved("pathways_access_log_writes_total", channel="api", what="journey") == 1
    # The worker runs in this process in the tests: its counters are on the same page.
    assert moved("pathways_events_appended_total", local_authority="873") >= 2
    open_journeys = {labels: v for (name, labels), v in after.items() if name == "pathways_open_journeys"}
    assert sum(v for labels, v in open_journeys.items() if dict(labels)["local_authority"] == "873") >= 1
    assert all(set(dict(labels)) == {"local_authority", "pathway"} for labels in open_journeys)
    assert ("pathways_checkpoint_interval_seconds", ()) in after
    assert ("pathways_database_up", ()) in after and after[("pathways_database_up", ())] == 1
    for secret in (child_id, dob, journey_id):
        assert secret not in page.text


async def test_one_trace_from_the_request_through_the_update_to_the_persist_activity(
        dev_server_env, settings, store, token_file, tokens, keep_logging):
    # On the dev server: the traced worker stops after the test, and a journey left on the
    # time-skipping server with no worker for its queue would hold its clock back for the rest
    # of the session.
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(PrivateDataGuard(SimpleSpanProcessor(spans)))
    traced = replace(settings, task_queue=f"traced-{uuid.uuid4().hex[:8]}",
                     temporal_address=dev_server_env.client.service_client.config.target_host)
    client = await connect(traced, tracer_provider=provider)
    logs = io.StringIO()
    configure_logging("info", stream=logs)
    today = date.today()
    child_id, dob = f"TR{uuid.uuid4().hex[:10].upper()}", "2011-11-23"
    async with build_worker(client, traced, store):
        app = create_app(traced, temporal=client, store=store, identity=token_file, tracer_provider=provider)
        async for http in serve(app):
            journey_id = await start_and_send(http, tokens, child_id, dob, today)
            # A refusal: its message is for the caller, never for a span.
            refused = await http.post(f"/v1/journeys/{journey_id}/commands", headers=auth(tokens, "practitioner"),
                                      json={**strategy_discussion(today), "occurred_on": "2001-01-01"})
            assert refused.status_code in (409, 422), refused.text
    provider.force_flush()
    finished = spans.get_finished_spans()
    server = next(s for s in finished if s.name == "POST /v1/journeys/{journey_id}/commands"
                  and s.attributes.get("http.status_code", s.attributes.get("http.response.status_code")) == 200)
    trace = [s for s in finished if s.context.trace_id == server.context.trace_id]
    names = {s.name for s in trace}
    assert "StartWorkflowUpdate:record" in names, names
    assert "HandleUpdate:record" in names, names
    assert any(n.startswith("RunActivity:persist_journey_events") for n in names), names
    # Every span of the request hangs from the server span (one tree, not loose spans).
    by_id = {s.context.span_id: s for s in trace}
    for span in trace:
        root = span
        while root.parent is not None and root.parent.span_id in by_id:
            root = by_id[root.parent.span_id]
        assert root is server, (span.name, root.name)

    everything = json.dumps([json.loads(s.to_json()) for s in finished])
    for secret in (child_id, dob, refused.json().get("error", {}).get("message", child_id)):
        assert secret not in everything
    # The request's log line carries the trace it belongs to.
    lines = [json.loads(line) for line in logs.getvalue().splitlines() if line.startswith("{")]
    request_line = next(line for line in lines if line.get("event") == "request"
                        and line.get("route") == "/v1/journeys/{journey_id}/commands" and line.get("status") == 200)
    assert request_line["trace_id"] == format(server.context.trace_id, "032x")


async def test_every_name_of_ours_the_deploy_files_may_use_is_exported(http, tokens):
    """deploy/'s alerts and dashboard are checked against SAMPLE_NAMES; the names must be real."""
    from observability.metrics import SAMPLE_NAMES

    page = (await http.get("/metrics")).text
    families = {family.name: family for family in text_string_to_metric_families(page)}
    declared = {f"{family.name}_total" if family.type == "counter" else family.name for family in families.values()}
    histograms = {f"{name}_{part}" for name, f in families.items() if f.type == "histogram"
                  for part in ("bucket", "sum", "count")}
    ours = {name for name in SAMPLE_NAMES if name.startswith("pathways_")}
    # The checkpoint's age is absent until the first checkpoint is signed (the alert says so).
    assert ours - {"pathways_checkpoint_age_seconds"} <= declared | histograms, ours - declared - histograms
