"""For the orchestrator and Prometheus: is this API process alive, can it do its work, and
its metrics. None of them needs a token (an orchestrator has none); the TLS-terminating proxy
in front of the replicas does not route `/metrics` from outside (deploy/)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from api.dependencies import Services, services
from observability.health import liveness_answer, readiness_answer
from observability.metrics import CONTENT_TYPE_LATEST, render
from services import readiness

router = APIRouter(tags=["operations"])


@router.get("/healthz", responses={200: {"description": "the process answers",
                                         "content": {"application/json": {"example": {"status": "alive"}}}}})
async def healthz() -> JSONResponse:
    """Liveness: the process answers. Restart it when this stops answering."""
    return liveness_answer()


@router.get("/readyz", responses={
    200: {"description": "the database (with this release's schema) and Temporal answer",
          "content": {"application/json": {"example": {"status": "ready"}}}},
    503: {"description": "a dependency is down; send no work here until it answers again",
          "content": {"application/json": {"example": {
              "status": "unavailable", "problems": {"database": "OperationalError: connection refused"}}}}}})
async def readyz(svc: Services = Depends(services)) -> JSONResponse:
    """Readiness: the database answers with the schema this code needs, and Temporal answers;
    503 with the reason for each that does not (and `Retry-After`)."""
    return readiness_answer(await readiness.problems(svc))


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """Prometheus text: HTTP requests and latency, access-log writes, the database's figures
    (open journeys, overdue deadlines, failing webhook deliveries, checkpoint age) and the
    Temporal client's own metrics."""
    state = request.app.state
    return Response(render(state.metrics_registry, sdk=getattr(state, "sdk_metrics", None)),
                    media_type=CONTENT_TYPE_LATEST)
