"""Production identity: OIDC access tokens (JWTs) from the LA's identity provider.

A token is accepted only if it is signed with RS256 or ES256 by a key in the issuer's JWKS
(never `none`, never a shared-secret HS* algorithm, whatever its header says), its `iss` and
`aud` are the configured ones, it carries `exp` and `sub`, and it is within `nbf`..`exp`.
The role and the LA come from two configured claims (default `pathways_role` and
`pathways_la`); the subject from `sub`. Anything else is not a principal (401).

The JWKS is fetched from the configured URL, cached, refreshed when it is older than
`max_age` and when a token names a key id it does not hold (the provider rotated its keys),
but at most once per `min_refresh_interval`, so tokens with made-up key ids cannot make the
service hammer the provider.

`resolve` may block on that fetch: FastAPI calls the (sync) `principal` dependency in its
thread pool, so the event loop is never blocked.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from typing import Callable
from urllib.parse import urlparse

import httpx
import jwt
import structlog

from services.identity import LA_CODE, ROLES, Principal

log = structlog.get_logger("pathways.oidc")

ALGORITHMS = ("RS256", "ES256")
KEY_TYPES = {"RS256": ("RSA", None), "ES256": ("EC", "P-256")}
REQUIRED_CLAIMS = ["exp", "iss", "aud", "sub"]


def fetch_jwks(url: str, timeout: float = 5.0) -> dict:
    response = httpx.get(url, timeout=timeout, follow_redirects=False, headers={"Accept": "application/json"})
    response.raise_for_status()
    return response.json()


def _check_url(url: str) -> None:
    # Keys fetched over plain HTTP could be swapped in transit: only the loopback may use it
    # (a local test provider, or a sidecar).
    parsed = urlparse(url)
    if parsed.scheme == "https":
        return
    if parsed.scheme == "http" and parsed.hostname:
        host = parsed.hostname
        try:
            if host == "localhost" or ipaddress.ip_address(host).is_loopback:
                return
        except ValueError:
            pass
    raise ValueError(f"the JWKS URL must be https (or http on the loopback): {url!r}")


class JwksCache:
    """The issuer's signing keys, fetched on demand and cached."""

    def __init__(
        self, url: str, fetch: Callable[[str], dict] = fetch_jwks, *, max_age: float = 3600.0,
        min_refresh_interval: float = 30.0, clock: Callable[[], float] = time.monotonic,
    ) -> None:
        _check_url(url)
        self.url = url
        self._fetch = fetch
        self._max_age = max_age
        self._min_refresh_interval = min_refresh_interval
        self._clock = clock
        self._keys: list[dict] = []
        self._fetched_at: float | None = None  # the last successful fetch
        self._attempted_at: float | None = None  # the last attempt, successful or not
        self._lock = threading.Lock()

    def key(self, kid: str | None, alg: str) -> jwt.PyJWK | None:
        with self._lock:
            now = self._clock()
            stale = self._fetched_at is None or now - self._fetched_at >= self._max_age
            if stale and self._may_fetch(now):
                self._refresh(now)
            found = self._find(kid, alg)
            if found is None and self._may_fetch(now):
                self._refresh(now)  # an unknown key id: the provider may have rotated its keys
                found = self._find(kid, alg)
            return found

    def _may_fetch(self, now: float) -> bool:
        return self._attempted_at is None or now - self._attempted_at >= self._min_refresh_interval

    def _refresh(self, now: float) -> None:
        self._attempted_at = now
        try:
            document = self._fetch(self.url)
            keys = document["keys"]
            if not isinstance(keys, list):
                raise ValueError("keys is not a list")
        except Exception as err:  # keep the keys we had: the provider may be briefly away
            log.warning("oidc_jwks_fetch_failed", error_type=type(err).__name__)
            return
        self._keys = [k for k in keys if isinstance(k, dict)]
        self._fetched_at = now
        log.info("oidc_jwks_fetched", keys=len(self._keys))

    def _find(self, kid: str | None, alg: str) -> jwt.PyJWK | None:
        kty, crv = KEY_TYPES[alg]
        candidates = [
            k for k in self._keys
            if k.get("kty") == kty and (crv is None or k.get("crv") == crv)
            and k.get("use", "sig") == "sig" and k.get("alg", alg) == alg
            and (kid is None or k.get("kid") == kid)
        ]
        if len(candidates) != 1:  # none, or no kid to tell several apart
            return None
        try:
            return jwt.PyJWK(candidates[0], algorithm=alg)
        except jwt.PyJWTError:
            return None


class OidcIdentity:
    """Resolves an OIDC access token to a principal, or None."""

    def __init__(
        self, issuer: str, audience: str, jwks: JwksCache, *, role_claim: str = "pathways_role",
        la_claim: str = "pathways_la", leeway: float = 30.0,
    ) -> None:
        if not issuer or not audience:
            raise ValueError("OIDC needs an issuer and an audience")
        self.issuer = issuer
        self.audience = audience
        self.jwks = jwks
        self.role_claim = role_claim
        self.la_claim = la_claim
        self.leeway = leeway

    @classmethod
    def from_settings(cls, settings) -> "OidcIdentity":
        missing = [name for name, value in (("PATHWAYS_OIDC_AUDIENCE", settings.oidc_audience),
                                            ("PATHWAYS_OIDC_JWKS_URL", settings.oidc_jwks_url)) if not value]
        if missing:
            raise ValueError(f"PATHWAYS_OIDC_ISSUER is set, so {' and '.join(missing)} must be too")
        return cls(settings.oidc_issuer, settings.oidc_audience, JwksCache(settings.oidc_jwks_url),
                   role_claim=settings.oidc_role_claim, la_claim=settings.oidc_la_claim)

    def resolve(self, token: str) -> Principal | None:
        if token.count(".") != 2:
            return None  # not a JWT (an embedded token, say): not ours to judge
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            return self._refuse("malformed")
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            return self._refuse("algorithm_not_allowed")
        key = self.jwks.key(header.get("kid"), alg)
        if key is None:
            return self._refuse("unknown_key")
        try:
            claims = jwt.decode(
                token, key, algorithms=[alg], audience=self.audience, issuer=self.issuer,
                leeway=self.leeway, options={"require": REQUIRED_CLAIMS},
            )
        except jwt.PyJWTError as err:
            return self._refuse(type(err).__name__)
        role = _one_role(claims.get(self.role_claim))
        if role is None:
            return self._refuse("no_role")
        la = claims.get(self.la_claim)
        la = str(la) if isinstance(la, (str, int)) and not isinstance(la, bool) else None
        if la is None or not LA_CODE.match(la):
            return self._refuse("no_local_authority")
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject.strip():
            return self._refuse("no_subject")
        return Principal(subject=subject, role=role, local_authority=la)

    @staticmethod
    def _refuse(reason: str) -> None:
        # The reason only: a token's claims are never logged.
        log.info("oidc_token_refused", reason=reason)
        return None


def _one_role(value) -> str | None:
    """A role claim is one of our roles, or a list holding exactly one of them (providers
    often put app roles in a list); several of ours would be ambiguous."""
    if isinstance(value, str):
        return value if value in ROLES else None
    if isinstance(value, list):
        ours = {v for v in value if isinstance(v, str) and v in ROLES}
        return ours.pop() if len(ours) == 1 else None
    return None
