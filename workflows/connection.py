"""Connecting to Temporal: one function for the worker, the HTTP API and every CLI command.

Every client it makes seals its payloads (sealing/codec.py). A self-hosted cluster may need TLS with a CA of the LA's own, mutual TLS with a client
certificate, and Temporal Cloud an API key; all of it comes from the settings, so that no
process can connect differently from the others. A connection that cannot be made (refused,
a certificate not trusted, a client certificate missing) fails within `CONNECT_TIMEOUT` with
`TemporalUnreachable`, whose message says what to check, rather than hanging.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from temporalio.client import Client, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.runtime import Runtime
from temporalio.service import RetryConfig, RPCError, RPCStatusCode, TLSConfig

from sealing.codec import sealing_converter
from sealing.keys import provider_for
from settings import Settings

CONNECT_TIMEOUT = timedelta(seconds=10)
# For a client that answers people (the HTTP API): a call Temporal cannot take fails after a
# few quick retries (about half a second) instead of the SDK's default ten (about 10 s).
PROMPT_RETRIES = RetryConfig(max_retries=3, max_elapsed_time_millis=2000)


class TemporalUnreachable(Exception):
    """No connection to Temporal could be made with these settings."""


def tls_config(settings: Settings) -> TLSConfig | bool:
    """What `Client.connect` takes as `tls`: False for plain gRPC (the embedded dev server)."""
    if not settings.temporal_uses_tls:
        return False
    has_cert, has_key = settings.temporal_tls_cert_file is not None, settings.temporal_tls_key_file is not None
    if has_cert != has_key:
        raise TemporalUnreachable(
            "Mutual TLS needs both PATHWAYS_TEMPORAL_TLS_CERT_FILE and PATHWAYS_TEMPORAL_TLS_KEY_FILE.")
    return TLSConfig(
        server_root_ca_cert=_read(settings.temporal_tls_ca_file, "PATHWAYS_TEMPORAL_TLS_CA_FILE"),
        client_cert=_read(settings.temporal_tls_cert_file, "PATHWAYS_TEMPORAL_TLS_CERT_FILE"),
        client_private_key=_read(settings.temporal_tls_key_file, "PATHWAYS_TEMPORAL_TLS_KEY_FILE"),
        domain=settings.temporal_tls_server_name,
    )


async def connect(settings: Settings, *, runtime: Runtime | None = None, tracer_provider=None,
                  lazy: bool = False, retry_config: RetryConfig | None = None) -> Client:
    """A client for the settings' Temporal address and namespace, traced when tracing is on
    (workers made from it trace too). `lazy`: connect on the first call, so that a process
    whose Temporal is down still starts (the HTTP API answers reads, and 503 for the rest)."""
    from observability.tracing import temporal_interceptors

    try:
        return await Client.connect(
            settings.temporal_address,
            namespace=settings.temporal_namespace,
            # Every payload sealed (sealing/codec.py); the worker made from this client too.
            data_converter=sealing_converter(provider_for(settings).key_ring()),
            tls=tls_config(settings),
            api_key=settings.temporal_api_key,
            connect_timeout=CONNECT_TIMEOUT,
            interceptors=list(temporal_interceptors(tracer_provider)),
            runtime=runtime,
            lazy=lazy,
            **({"retry_config": retry_config} if retry_config else {}),
        )
    except TemporalUnreachable:
        raise
    except Exception as err:
        raise TemporalUnreachable(describe_failure(settings, err)) from err


def temporal_unavailable(err: BaseException) -> bool:
    """Whether `err` says Temporal could not be reached or did not answer in time (rather
    than that it answered): an outcome that is not known, which a retry may learn."""
    if isinstance(err, (TemporalUnreachable, WorkflowUpdateRPCTimeoutOrCancelledError)):
        return True
    if isinstance(err, RPCError):
        return err.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED)
    # A lazy client's first call to a server that is not there.
    return isinstance(err, RuntimeError) and str(err).startswith("Failed client connect")


def describe_failure(settings: Settings, err: Exception) -> str:
    """One line an operator can act on. The SDK's own message is kept: it names the TLS or
    transport error. No secret is in it (the API key and private key are never printed)."""
    how = "plain gRPC"
    if settings.temporal_uses_tls:
        how = "TLS"
        if settings.temporal_tls_cert_file is not None:
            how = "mutual TLS"
        if settings.temporal_api_key:
            how += " with an API key"
    reason = " ".join(str(err).split()) or type(err).__name__
    hint = _hint(settings, reason)
    return (f"Cannot connect to Temporal at {settings.temporal_address} (namespace {settings.temporal_namespace}, "
            f"{how}): {reason}" + (f". {hint}" if hint else ""))


def _hint(settings: Settings, reason: str) -> str | None:
    """What to check, guessed from the transport's words (only ever a hint beside them)."""
    if "UnknownIssuer" in reason or "InvalidCertificate" in reason:
        return ("The server's certificate is not trusted: set PATHWAYS_TEMPORAL_TLS_CA_FILE to the CA that issued it "
                "(and PATHWAYS_TEMPORAL_TLS_SERVER_NAME if it names the server differently).")
    if "refused" in reason.lower():
        return None  # nothing listens there: the address is the thing to check
    if not settings.temporal_uses_tls:
        return "If the server expects TLS, set PATHWAYS_TEMPORAL_TLS=1."
    return ("If the server requires mutual TLS, give it a client certificate it trusts "
            "(PATHWAYS_TEMPORAL_TLS_CERT_FILE and PATHWAYS_TEMPORAL_TLS_KEY_FILE).")


def _read(path: Path | None, variable: str) -> bytes | None:
    if path is None:
        return None
    try:
        return Path(path).read_bytes()
    except OSError as err:
        raise TemporalUnreachable(f"{variable} names {path}, which cannot be read ({err.strerror}).") from None
