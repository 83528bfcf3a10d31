"""The HTTP service for LA systems, managers and auditors (the v1 contract: the OpenAPI
document it serves, and docs/http-api.md)."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from prometheus_client import CollectorRegistry
from temporalio.client import Client

from api import errors, logging as request_logging
from api.json_body import StrictJsonBodies
from api.schemas import ValidationAnswer
from api.query import no_unknown_query_parameters
from services.identity import AnyOf, Identity, TokenFile
from api.dashboard import router as dashboard_router
from api.routes import audit, census, chairs, codec, contexts, health, history, journeys, manager, reports, webhooks
from api.responses import UNAVAILABLE
from observability.metrics import OperationalGauges, SdkMetrics
from observability.tracing import instrument_app
from sealing.codec import SealingCodec
from sealing.keys import provider_for
from services.wiring import Services, open_store, operational_figures, webhook_store
from settings import Settings
from store.events import EventStore
from workflows.client import ContextClient, JourneyClient
from workflows.connection import PROMPT_RETRIES, connect

MALFORMED = {"model": ValidationAnswer, "description": "the request is of the wrong shape (pydantic's detail)"}
DESCRIPTION = """
Child protection and Risk Outside the Home (ROTH) journeys, one per young person per local
authority, and context cases for the places and groups where young people are harmed.
Commands are idempotent on `command_id`: the same command_id with the same request answers
the first answer, with a different request 409 `command_id_reused`. Refusals answer 409 with a
stable `code` and a `message` a practitioner can read; nothing is written on an error. A
command answered 2xx is in the log; 503 (`temporal_unavailable`, `database_unavailable`, with
`Retry-After`) means its outcome is not known yet: send the same request again. Every
journey, context and chair outside the caller's LA answers 404.
"""


def default_identity(settings: Settings) -> Identity:
    identities: list[Identity] = []
    if settings.data_dir is not None:
        identities.append(TokenFile(Path(settings.data_dir) / "tokens.json"))
    if settings.oidc_issuer:
        from api.oidc import OidcIdentity

        identities.append(OidcIdentity.from_settings(settings))
    return AnyOf(*identities)


def create_app(
    settings: Settings, *, temporal: Client | None = None, store: EventStore | None = None,
    identity: Identity | None = None, sdk_metrics: SdkMetrics | None = None, tracer_provider=None,
) -> FastAPI:
    """The app; without `temporal`, it makes a client of its own (with `sdk_metrics`' runtime,
    whose Temporal client metrics its /metrics then shows): one that connects on its first
    call and gives up on a Temporal it cannot reach after a few quick retries, so that the
    API starts, and answers 503 promptly, while Temporal is down."""
    store = store or open_store(settings)
    identity = identity or default_identity(settings)
    ring = provider_for(settings).key_ring()
    subscriptions = webhook_store(store, ring)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        client = temporal or await connect(
            settings, runtime=sdk_metrics.runtime if sdk_metrics else None, tracer_provider=tracer_provider,
            lazy=True, retry_config=PROMPT_RETRIES)
        app.state.services = Services(settings, store, JourneyClient(client, settings), identity,
                                      ContextClient(client, settings), subscriptions, SealingCodec(ring))
        yield

    app = FastAPI(title="Safeguarding Pathways", version="1", description=DESCRIPTION, lifespan=lifespan,
                  dependencies=[Depends(no_unknown_query_parameters)])
    # The database's figures for /metrics: one collector per app, on a registry of its own.
    app.state.metrics_registry = CollectorRegistry()
    app.state.metrics_registry.register(
        OperationalGauges(operational_figures(store), settings.checkpoint_interval_seconds))
    app.state.sdk_metrics = sdk_metrics
    errors.install(app)
    app.add_middleware(StrictJsonBodies)  # inside the request log, which then records its refusals
    request_logging.install(app)
    instrument_app(app, tracer_provider)
    app.include_router(health.router)
    for v1 in (journeys, history, contexts, chairs, manager, webhooks, audit, reports, census):
        # Every v1 operation may answer 422 (a query parameter it does not take, api/query.py)
        # and 503 (Temporal or the database down, api/errors.py).
        app.include_router(v1.router, responses={422: MALFORMED, 503: UNAVAILABLE})
    app.include_router(codec.router)
    app.include_router(dashboard_router)
    return app


def from_env() -> FastAPI:
    """Production: `uvicorn --factory api.app:from_env` (settings from PATHWAYS_* variables)."""
    from observability.logs import configure_logging

    from observability.tracing import configure_tracing

    configure_logging("info")
    configure_tracing("pathways-api")
    return create_app(Settings.from_env(), sdk_metrics=SdkMetrics())
