"""The codec endpoint the Temporal UI calls (api/routes/codec.py): a reader of the journey's LA
gets its payloads opened and the read is in the access log; another LA's reader, and anyone
unauthenticated, get nothing opened; CORS answers the configured UI origin only."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import replace
from datetime import timedelta

import httpx
import pytest
from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from api.app import create_app
from sealing.codec import ENCODING, scope_of
from store.access_log import access_for_journey
from support import start_request
from temporal_fixtures import auth

pytestmark = pytest.mark.slow
UI = "http://127.0.0.1:8233"


@pytest.fixture(scope="module")
async def codec_http(temporal_env, settings, store, worker, token_file):
    app = create_app(replace(settings, temporal_ui_origins=(UI,)), temporal=temporal_env.client, store=store,
                     identity=token_file)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8000") as http:
            yield http


async def sealed_start(journeys, clock, temporal_env) -> tuple[str, str, dict]:
    """A journey started, and the start's answer (the journey's state) as Temporal holds it (sealed)."""
    today = await clock.today()
    child_id = f"CODEC{uuid.uuid4().hex[:8].upper()}"
    answer = await journeys.start(start_request(child_id, today - timedelta(days=13 * 365), today - timedelta(days=3)))
    plain = Client(temporal_env.client.service_client, namespace=temporal_env.client.namespace)
    history = await plain.get_workflow_handle(answer["workflow_id"]).fetch_history()
    [completed] = [e for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED]
    outcome = completed.workflow_execution_update_completed_event_attributes.outcome.success
    assert all(p.metadata["encoding"] == ENCODING for p in outcome.payloads)
    return child_id, answer["journey_id"], json.loads(json_format.MessageToJson(outcome))


async def test_a_reader_of_the_journeys_la_sees_it_opened_and_the_read_is_logged(
        codec_http, journeys, clock, temporal_env, tokens, store):
    child_id, journey_id, body = await sealed_start(journeys, clock, temporal_env)
    answer = await codec_http.post("/codec/decode", json=body, headers=auth(tokens, "auditor"))
    assert answer.status_code == 200, answer.text
    [opened] = json_format.Parse(answer.text, Payloads()).payloads
    assert opened.metadata["encoding"] == b"json/plain" and child_id.encode() in opened.data
    rows = access_for_journey(store.engine, "873", journey_id)
    assert any(r.what == "temporal_payloads" and r.actor_role == "auditor" for r in rows)


async def test_another_las_reader_and_the_unauthenticated_get_nothing_opened(
        codec_http, journeys, clock, temporal_env, tokens):
    child_id, _, body = await sealed_start(journeys, clock, temporal_env)
    other = await codec_http.post("/codec/decode", json=body, headers=auth(tokens, "auditor", "874"))
    assert other.status_code == 403 and other.json()["error"]["code"] == "payload_of_another_la"
    nobody = await codec_http.post("/codec/decode", json=body)
    assert nobody.status_code == 401
    session_less = await codec_http.post("/dashboard/codec/decode", json=body)
    assert session_less.status_code == 401
    for refused in (other, nobody, session_less):
        assert child_id not in refused.text


async def test_encode_seals_under_the_callers_la(codec_http, tokens):
    plain = json.loads(json_format.MessageToJson(Payloads(payloads=[
        {"metadata": {"encoding": b"json/plain"}, "data": b'{"note": "sent from the UI"}'}])))
    sealed = await codec_http.post("/codec/encode", json=plain, headers=auth(tokens, "manager"))
    assert sealed.status_code == 200
    [payload] = json_format.Parse(sealed.text, Payloads()).payloads
    assert scope_of(payload) == "873" and b"sent from the UI" not in payload.data
    opened = await codec_http.post("/codec/decode", json=sealed.json(), headers=auth(tokens, "manager"))
    assert json_format.Parse(opened.text, Payloads()).payloads[0].data == b'{"note": "sent from the UI"}'


async def test_a_signed_in_dashboard_user_decodes_through_the_dashboard_path(
        codec_http, journeys, clock, temporal_env, tokens):
    child_id, _, body = await sealed_start(journeys, clock, temporal_env)
    form = await codec_http.get("/dashboard/sign-in")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    signed_in = await codec_http.post("/dashboard/sign-in", data={"token": tokens[("manager", "873")], "csrf": csrf})
    assert signed_in.status_code == 303
    answer = await codec_http.post("/dashboard/codec/decode", json=body, headers={"Origin": UI})
    assert answer.status_code == 200 and child_id in json_format.Parse(answer.text, Payloads()).payloads[0].data.decode()
    assert answer.headers["access-control-allow-origin"] == UI
    assert answer.headers["access-control-allow-credentials"] == "true"
    await codec_http.post("/dashboard/sign-out")


async def test_cors_answers_the_configured_ui_origin_only(codec_http):
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,x-namespace"}
    allowed = await codec_http.options("/codec/decode", headers={"Origin": UI, **preflight})
    assert allowed.status_code == 204 and allowed.headers["access-control-allow-origin"] == UI
    assert "x-namespace" in allowed.headers["access-control-allow-headers"].lower()
    stranger = await codec_http.options("/codec/decode", headers={"Origin": "http://evil.test", **preflight})
    assert "access-control-allow-origin" not in stranger.headers
