"""Connecting to a Temporal that needs TLS or mutual TLS, as a self-hosted cluster or Temporal
Cloud does: the worker and the HTTP API reach it with the settings alone, and a client with
the wrong CA or no client certificate is refused at once, with a reason (never a hang).

The dev server speaks plain gRPC, so each test puts a TLS front (tests/tls_proxy.py) with a
throwaway CA before it.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import replace
from datetime import date, timedelta

import httpx
import pytest

from api.app import create_app
from settings import Settings
from store.engine import make_engine, migrate
from store.events import EventStore
from temporal_fixtures import auth
from tls_proxy import ThrowawayCA, TlsFront
from worker import build_worker
from workflows.connection import CONNECT_TIMEOUT, TemporalUnreachable, connect, tls_config

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pki")
    server_ca, client_ca, stranger = (ThrowawayCA(folder, name) for name in ("server", "client", "stranger"))
    return {
        "server_ca": server_ca, "client_ca": client_ca, "stranger": stranger,
        "server": server_ca.issue("localhost", server=True),
        "client": client_ca.issue("pathways-worker", server=False),
        "stranger_client": stranger.issue("pathways-worker", server=False),
    }


@pytest.fixture
def base_settings(tmp_path, key_ring) -> Settings:
    url = f"sqlite:///{tmp_path / 'pathways.db'}"
    migrate(url)
    return Settings(database_url=url, task_queue=f"tls-{uuid.uuid4().hex[:8]}", id_key=b"test-key",
                    checkpoint_key_file=tmp_path / "checkpoint.key", temporal_tls=True,
                    sealing_keys=key_ring.to_json())


def dev_server_address(dev_server_env) -> str:
    return dev_server_env.client.service_client.config.target_host


async def start_journey_through_the_api(settings: Settings, token_file, tokens) -> httpx.Response:
    """A worker and the HTTP API (which connects by itself on start), both on `settings`."""
    store = EventStore(make_engine(settings.database_url))
    client = await connect(settings)
    async with build_worker(client, settings, store):
        app = create_app(settings, store=store, identity=token_file)
        async with app.router.lifespan_context(app):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://pathways.test") as http:
                today = date.today()
                return await http.post("/v1/journeys", headers=auth(tokens, "system"), json={
                    "command_id": str(uuid.uuid4()), "local_authority": "873",
                    "young_person": {"id": f"T{uuid.uuid4().hex[:10]}", "date_of_birth": "2011-02-03",
                                     "sex": "F", "ethnicity": "WBRI"},
                    "referral_date": (today - timedelta(days=3)).isoformat()})


async def test_worker_and_api_work_over_tls_with_the_server_ca(dev_server_env, pki, base_settings, token_file, tokens):
    async with TlsFront(dev_server_address(dev_server_env), pki["server"]) as front:
        settings = replace(base_settings, temporal_address=front.address, temporal_tls_ca_file=pki["server_ca"].cert_path,
                           temporal_tls_server_name="localhost")
        answer = await start_journey_through_the_api(settings, token_file, tokens)
    assert answer.status_code == 201, answer.text
    assert answer.json()["state"]["stage"]


async def test_worker_and_api_work_over_mutual_tls(dev_server_env, pki, base_settings, token_file, tokens):
    async with TlsFront(dev_server_address(dev_server_env), pki["server"], client_ca=pki["client_ca"].cert_path) as front:
        settings = replace(
            base_settings, temporal_address=front.address, temporal_tls_ca_file=pki["server_ca"].cert_path,
            temporal_tls_server_name="localhost",
            temporal_tls_cert_file=pki["client"].cert, temporal_tls_key_file=pki["client"].key)
        answer = await start_journey_through_the_api(settings, token_file, tokens)
    assert answer.status_code == 201, answer.text


async def refused(settings: Settings) -> str:
    started = time.monotonic()
    with pytest.raises(TemporalUnreachable) as refusal:
        await connect(settings)
    assert time.monotonic() - started < CONNECT_TIMEOUT.total_seconds() + 5  # refused, not left hanging
    message = str(refusal.value)
    assert message.startswith(f"Cannot connect to Temporal at {settings.temporal_address} (namespace default, ")
    return message


async def test_a_server_certificate_from_another_ca_is_refused(dev_server_env, pki, base_settings):
    async with TlsFront(dev_server_address(dev_server_env), pki["server"]) as front:
        message = await refused(replace(base_settings, temporal_address=front.address,
                                        temporal_tls_ca_file=pki["stranger"].cert_path,
                                        temporal_tls_server_name="localhost"))
    assert "UnknownIssuer" in message and "set PATHWAYS_TEMPORAL_TLS_CA_FILE" in message, message


async def test_mutual_tls_without_a_client_certificate_is_refused(dev_server_env, pki, base_settings):
    async with TlsFront(dev_server_address(dev_server_env), pki["server"], client_ca=pki["client_ca"].cert_path) as front:
        settings = replace(base_settings, temporal_address=front.address, temporal_tls_ca_file=pki["server_ca"].cert_path,
                           temporal_tls_server_name="localhost")
        message = await refused(settings)
        assert "(namespace default, TLS)" in message and "PATHWAYS_TEMPORAL_TLS_CERT_FILE" in message, message
        # A certificate the server's client CA did not issue is refused the same way.
        stranger = replace(settings, temporal_tls_cert_file=pki["stranger_client"].cert,
                           temporal_tls_key_file=pki["stranger_client"].key)
        assert "(namespace default, mutual TLS)" in await refused(stranger)


async def test_plain_grpc_to_a_tls_port_is_refused(dev_server_env, pki, base_settings):
    async with TlsFront(dev_server_address(dev_server_env), pki["server"]) as front:
        message = await refused(replace(base_settings, temporal_address=front.address, temporal_tls=False))
    assert "set PATHWAYS_TEMPORAL_TLS=1" in message, message


def test_tls_settings_come_from_the_environment(tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    key = tmp_path / "api-key"
    key.write_text("secret-api-key\n")
    settings = Settings.from_env({
        "PATHWAYS_TEMPORAL_ADDRESS": "eu-west-2.aws.api.temporal.example:7233",
        "PATHWAYS_TEMPORAL_NAMESPACE": "pathways.a1b2c", "PATHWAYS_TEMPORAL_TLS_CA_FILE": str(ca),
        "PATHWAYS_TEMPORAL_API_KEY_FILE": str(key),
    })
    assert settings.temporal_api_key == "secret-api-key"
    assert settings.temporal_uses_tls  # an API key implies TLS
    assert tls_config(settings).server_root_ca_cert == ca.read_bytes()
    assert Settings.from_env(settings.env()) == settings
    assert tls_config(Settings()) is False  # the embedded dev server: plain gRPC
    with pytest.raises(TemporalUnreachable, match="needs both"):
        tls_config(replace(settings, temporal_tls_cert_file=ca))
