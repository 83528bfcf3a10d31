"""Production identity: OIDC access tokens, signed here with keys made for the test, their
JWKS served by a real HTTP server on 127.0.0.1 (so the real fetch path runs), or by an
injected fetcher where the test is about the cache's timing."""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
import structlog
from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from services.identity import Principal, TokenFile
from api.oidc import JwksCache, OidcIdentity
from observability.logs import configure_logging
from settings import Settings

ISSUER = "https://login.example.gov.uk/la873"
AUDIENCE = "api://safeguarding-pathways"


class Key:
    """A signing key the test's "identity provider" holds, and its public JWK."""

    def __init__(self, kind: str = "RS256", kid: str | None = None) -> None:
        self.alg = kind
        self.kid = kid or uuid.uuid4().hex[:8]
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048) if kind == "RS256" \
            else ec.generate_private_key(ec.SECP256R1())
        algorithm = jwt.algorithms.RSAAlgorithm if kind == "RS256" else jwt.algorithms.ECAlgorithm
        self.jwk = {**json.loads(algorithm.to_jwk(self.private.public_key())), "kid": self.kid, "use": "sig", "alg": kind}

    def sign(self, claims: dict, headers: dict | None = None) -> str:
        return jwt.encode(claims, self.private, algorithm=self.alg, headers={"kid": self.kid, **(headers or {})})

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def claims(**overrides) -> dict:
    now = int(time.time())
    base = {"iss": ISSUER, "aud": AUDIENCE, "sub": "user-7f3a", "iat": now, "nbf": now - 5, "exp": now + 300,
            "pathways_role": "practitioner", "pathways_la": "873"}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


class Provider:
    """A JWKS endpoint on a real local HTTP server; counts how often it is fetched."""

    def __init__(self, *keys: Key) -> None:
        self.keys = list(keys)
        self.fetches = 0
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                provider.fetches += 1
                body = json.dumps({"keys": [k.jwk for k in provider.keys]}).encode()
                self.send_response(200 if self.path == "/jwks.json" else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/jwks.json"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def rsa_key() -> Key:
    return Key("RS256")


@pytest.fixture
def provider(rsa_key):
    served = Provider(rsa_key)
    yield served
    served.close()


@pytest.fixture
def identity(provider) -> OidcIdentity:
    return OidcIdentity(ISSUER, AUDIENCE, JwksCache(provider.url))


# --- accepted ---------------------------------------------------------------------------

def test_a_valid_token_resolves_to_its_role_la_and_subject_through_the_real_fetch(identity, provider, rsa_key):
    assert identity.resolve(rsa_key.sign(claims())) == Principal("user-7f3a", "practitioner", "873")
    assert identity.resolve(rsa_key.sign(claims(sub="svc-lcs", pathways_role="system"))) == Principal("svc-lcs", "system", "873")
    assert provider.fetches == 1  # cached


def test_es256_and_roles_given_as_a_list(provider):
    ec_key = Key("ES256")
    provider.keys.append(ec_key)
    identity = OidcIdentity(ISSUER, AUDIENCE, JwksCache(provider.url))
    assert identity.resolve(ec_key.sign(claims(pathways_role=["Reader", "manager"]))) == Principal("user-7f3a", "manager", "873")
    assert identity.resolve(ec_key.sign(claims(pathways_role=["manager", "auditor"]))) is None  # ambiguous
    assert identity.resolve(ec_key.sign(claims(pathways_la=874))) == Principal("user-7f3a", "practitioner", "874")


def test_configured_claim_names(provider, rsa_key):
    identity = OidcIdentity(ISSUER, AUDIENCE, JwksCache(provider.url), role_claim="roles", la_claim="la_code")
    token = rsa_key.sign(claims(pathways_role=None, pathways_la=None, roles="auditor", la_code="874"))
    assert identity.resolve(token) == Principal("user-7f3a", "auditor", "874")
    assert identity.resolve(rsa_key.sign(claims())) is None  # the default claim names mean nothing now


# --- refused ----------------------------------------------------------------------------

def _hs256_with_public_key(key: Key) -> str:
    # The classic confusion: an HS256 token whose secret is the RSA public key.
    header = {"alg": "HS256", "typ": "JWT", "kid": key.kid}
    segments = [base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=") for part in (header, claims())]
    mac = hmac.HMAC(key.public_pem(), hashes.SHA256())
    mac.update(b".".join(segments))
    return b".".join([*segments, base64.urlsafe_b64encode(mac.finalize()).rstrip(b"=")]).decode()


def _unsigned(key: Key) -> str:
    header = {"alg": "none", "typ": "JWT", "kid": key.kid}
    segments = [base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode() for part in (header, claims())]
    return ".".join(segments) + "."


REFUSED = {
    "wrong issuer": lambda k: k.sign(claims(iss="https://login.example.gov.uk/la874")),
    "wrong audience": lambda k: k.sign(claims(aud="api://something-else")),
    "expired": lambda k: k.sign(claims(exp=int(time.time()) - 120)),
    "not yet valid": lambda k: k.sign(claims(nbf=int(time.time()) + 600)),
    "no expiry": lambda k: k.sign(claims(exp=None)),
    "no subject": lambda k: k.sign(claims(sub=None)),
    "no audience": lambda k: k.sign(claims(aud=None)),
    "bad signature": lambda k: k.sign(claims())[:-6] + ("AAAAAA" if not k.sign(claims()).endswith("AAAAAA") else "BBBBBB"),
    "signed by another key with the same kid": lambda k: Key("RS256", kid=k.kid).sign(claims()),
    "unknown kid": lambda k: Key("RS256").sign(claims()),
    "unknown role": lambda k: k.sign(claims(pathways_role="superuser")),
    "no role": lambda k: k.sign(claims(pathways_role=None)),
    "no LA": lambda k: k.sign(claims(pathways_la=None)),
    "LA not three digits": lambda k: k.sign(claims(pathways_la="87")),
    "LA as a boolean": lambda k: k.sign(claims(pathways_la=True)),
    "alg none": _unsigned,
    "HS256 keyed with the public key": _hs256_with_public_key,
    "not a JWT": lambda k: "sp_not-a-jwt",
    "three dots of nothing": lambda k: "a.b.c",
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refused_tokens_are_not_principals(identity, rsa_key, case):
    assert identity.resolve(REFUSED[case](rsa_key)) is None


def test_an_algorithm_the_key_was_not_published_for_is_refused(provider, rsa_key):
    ec_key = Key("ES256", kid=rsa_key.kid)  # same kid, but the JWKS holds an RSA key under it
    assert OidcIdentity(ISSUER, AUDIENCE, JwksCache(provider.url)).resolve(ec_key.sign(claims())) is None


def test_refusals_are_logged_by_reason_without_the_token_or_its_claims(identity, rsa_key):
    stream, previous = io.StringIO(), structlog.get_config()
    configure_logging("info", stream=stream)
    try:
        token = rsa_key.sign(claims(exp=int(time.time()) - 120, sub="jo.bloggs@la873.gov.uk"))
        assert identity.resolve(token) is None
    finally:
        structlog.configure(**previous)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert {"event": "oidc_token_refused", "reason": "ExpiredSignatureError"}.items() <= lines[-1].items()
    assert token not in stream.getvalue() and "jo.bloggs" not in stream.getvalue()


# --- the key cache ----------------------------------------------------------------------

def test_keys_are_refetched_for_an_unknown_kid_at_most_once_per_interval(rsa_key):
    documents = {"keys": [rsa_key.jwk]}
    fetched = []
    now = [1000.0]

    def fetch(url):
        fetched.append(url)
        return json.loads(json.dumps(documents))

    cache = JwksCache("https://login.example.gov.uk/jwks", fetch, max_age=3600, min_refresh_interval=30, clock=lambda: now[0])
    identity = OidcIdentity(ISSUER, AUDIENCE, cache)
    assert identity.resolve(rsa_key.sign(claims())) is not None and len(fetched) == 1

    rotated = Key("RS256")
    documents["keys"] = [rsa_key.jwk, rotated.jwk]  # the provider rotates its keys
    now[0] += 5
    assert identity.resolve(rotated.sign(claims())) is None and len(fetched) == 1  # too soon to ask again
    now[0] += 30
    assert identity.resolve(rotated.sign(claims())) is not None and len(fetched) == 2  # unknown kid: refetched
    for _ in range(5):  # made-up kids cannot make it hammer the provider
        assert identity.resolve(Key("RS256").sign(claims())) is None
    assert len(fetched) == 2
    now[0] += 3600
    assert identity.resolve(rsa_key.sign(claims())) is not None and len(fetched) == 3  # old keys are refreshed


def test_a_failed_fetch_keeps_the_keys_it_had(rsa_key):
    now, up = [0.0], [True]

    def fetch(url):
        if not up[0]:
            raise OSError("provider down")
        return {"keys": [rsa_key.jwk]}

    identity = OidcIdentity(ISSUER, AUDIENCE, JwksCache("https://idp.example/jwks", fetch, max_age=60, clock=lambda: now[0]))
    assert identity.resolve(rsa_key.sign(claims())) is not None
    up[0], now[0] = False, 120.0
    assert identity.resolve(rsa_key.sign(claims())) is not None


def test_keys_over_plain_http_only_from_the_loopback():
    for url in ("http://login.example.gov.uk/jwks", "ftp://idp/jwks", "file:///etc/jwks.json"):
        with pytest.raises(ValueError):
            JwksCache(url)
    for url in ("https://login.example.gov.uk/jwks", "http://127.0.0.1:9000/jwks", "http://localhost/jwks", "http://[::1]/jwks"):
        JwksCache(url)


# --- settings and the app ---------------------------------------------------------------

def test_settings_from_the_environment():
    settings = Settings.from_env({"PATHWAYS_OIDC_ISSUER": ISSUER, "PATHWAYS_OIDC_AUDIENCE": AUDIENCE,
                                  "PATHWAYS_OIDC_JWKS_URL": "https://idp.example/jwks", "PATHWAYS_OIDC_ROLE_CLAIM": "roles"})
    assert (settings.oidc_issuer, settings.oidc_audience, settings.oidc_jwks_url) == (ISSUER, AUDIENCE, "https://idp.example/jwks")
    assert (settings.oidc_role_claim, settings.oidc_la_claim) == ("roles", "pathways_la")
    assert Settings.from_env(settings.env()) == dataclasses.replace(settings, id_key=settings.id_key)
    assert Settings.from_env({}).oidc_issuer is None
    with pytest.raises(ValueError, match="PATHWAYS_OIDC_JWKS_URL"):
        OidcIdentity.from_settings(Settings(oidc_issuer=ISSUER, oidc_audience=AUDIENCE))


@pytest.fixture
async def oidc_http(temporal_env, settings, store, worker, provider, tmp_path):
    """A second live app on the same worker, wired by default_identity from OIDC settings
    (and a data folder with a token file, which keeps working beside OIDC)."""
    import httpx

    from api.app import create_app

    configured = dataclasses.replace(settings, oidc_issuer=ISSUER, oidc_audience=AUDIENCE, oidc_jwks_url=provider.url,
                                     data_dir=tmp_path)
    app = create_app(configured, temporal=temporal_env.client, store=store)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://pathways.test") as client:
            yield client


async def test_the_app_accepts_oidc_tokens_when_an_issuer_is_configured(oidc_http, rsa_key, clock, tmp_path):
    today = await clock.today()
    headers = {"Authorization": f"Bearer {rsa_key.sign(claims(sub='lcs-873', pathways_role='system'))}"}
    body = {"command_id": str(uuid.uuid4()), "local_authority": "873",
            "young_person": {"id": f"O{uuid.uuid4().hex[:12]}", "date_of_birth": today.replace(year=today.year - 12, day=1).isoformat(),
                             "sex": "U", "ethnicity": "NOBT"},
            "referral_date": today.isoformat()}
    started = await oidc_http.post("/v1/journeys", json=body, headers=headers)
    assert started.status_code == 201, started.text
    assert (started.json()["events"][0]["actor"], started.json()["events"][0]["actor_role"]) == ("lcs-873", "system")
    assert (await oidc_http.get("/v1/journeys?limit=1", headers=headers)).status_code == 200

    elsewhere = {"Authorization": f"Bearer {rsa_key.sign(claims(pathways_la='874'))}"}
    assert (await oidc_http.get(f"/v1/journeys/{started.json()['journey_id']}", headers=elsewhere)).status_code == 404
    for token in (rsa_key.sign(claims(exp=int(time.time()) - 120)), rsa_key.sign(claims(aud="other")),
                  Key("RS256", kid=rsa_key.kid).sign(claims()), rsa_key.sign(claims(pathways_role="root"))):
        answer = await oidc_http.get("/v1/journeys", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "invalid_token"

    embedded = TokenFile(tmp_path / "tokens.json").create("auditor", "873")
    assert (await oidc_http.get("/v1/journeys?limit=1", headers={"Authorization": f"Bearer {embedded}"})).status_code == 200
