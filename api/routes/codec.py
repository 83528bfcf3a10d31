"""The codec endpoint the Temporal UI calls to show sealed payloads to those allowed to read them.

Temporal's remote codec protocol: `POST {endpoint}/decode` and `POST {endpoint}/encode`, each
taking and answering `{"payloads": [...]}` in protobuf's JSON form. Payloads are sealed per LA
(sealing/codec.py), and the same LA rule holds here as on every read: a caller's payloads are
opened, the service's own (webhook deliveries, checkpoints: ids and dates) too, and a request
holding another LA's payload is refused whole (403), with nothing opened. Each decode is a
read of journey data, recorded in the access log like any other (the journeys it can name,
from the `journey_id` the decoded answers and states carry; none otherwise).

Two ways in, for the two ways the UI authenticates:
- `/codec/...` with a bearer token (the UI's "pass access token" with the LA's OIDC provider
  in production, or a token from `pathways token create`);
- `/dashboard/codec/...` with a dashboard session (the UI's "include cross-origin
  credentials"; under /dashboard so that the session cookie, scoped there, is sent).

Browsers call it from the UI's origin, so CORS is answered for that one origin
(`PATHWAYS_TEMPORAL_UI_ORIGINS`), with credentials, and for no other.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials
from google.protobuf import json_format
from starlette.concurrency import run_in_threadpool
from temporalio.api.common.v1 import Payloads

from api import access, schemas
from api.auth import bearer, principal
from api.dashboard.routes import signed_in
from api.errors import ApiError
from services.identity import Principal
from api.dependencies import Services, services
from sealing.codec import SERVICE_SCOPE, SealedPayloadError, scope_of

router = APIRouter(tags=["codec"])

MAX_BODY_BYTES = 4 * 1024 * 1024  # Temporal refuses payloads over 2 MB; a history page holds several
ACTIONS = ("encode", "decode")
CORS_HEADERS = "Content-Type, X-Namespace, Authorization, Authorization-Extras"
_REFUSED = {"model": schemas.ErrorAnswer}
RESPONSES = {
    200: {"description": '`{"payloads": [...]}` in protobuf JSON, each payload sealed (encode) or opened (decode)'},
    400: {**_REFUSED, "description": "invalid_payloads: the body is not `{\"payloads\": [...]}` in protobuf JSON"},
    401: {**_REFUSED, "description": "no bearer token (or dashboard session), or one that is not valid"},
    403: {**_REFUSED, "description": "payload_of_another_la: a payload belongs to another LA; nothing is opened"},
    413: {**_REFUSED, "description": "too_large: more than 4 MB"},
    422: {**_REFUSED, "description": "payload_not_opened: a sealed payload that cannot be opened (a key not in the ring)"},
}


def _cors(request: Request, response: Response) -> Response:
    origin = request.headers.get("origin")
    if origin and origin in request.app.state.services.settings.temporal_ui_origins:
        response.headers.update({
            "Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true",
            "Access-Control-Allow-Methods": "POST, OPTIONS", "Access-Control-Allow-Headers": CORS_HEADERS,
            "Access-Control-Max-Age": "600",
        })
    response.headers["Vary"] = "Origin"
    return response


async def _caller(request: Request, credentials: HTTPAuthorizationCredentials | None, svc: Services) -> Principal:
    if request.url.path.startswith("/dashboard/"):
        who = await run_in_threadpool(signed_in, request, svc)
        if who is None:
            raise ApiError(401, "not_authenticated", "Sign in to the dashboard to see decoded payloads.")
        return who
    return principal(request, credentials, svc)


async def _answer(action: str, request: Request, credentials, svc: Services) -> Response:
    try:
        who = await _caller(request, credentials, svc)
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            raise ApiError(413, "too_large", f"A codec request holds at most {MAX_BODY_BYTES // (1024 * 1024)} MB.")
        try:
            payloads = json_format.Parse(body or b"{}", Payloads())
        except json_format.ParseError:
            raise ApiError(400, "invalid_payloads", 'Send {"payloads": [...]} in protobuf JSON.') from None
        if action == "encode":
            result = [svc.codec.seal(p, who.local_authority) for p in payloads.payloads]
        else:
            result = await run_in_threadpool(_open_for, who, payloads.payloads, svc, request)
        answer = JSONResponse(json.loads(json_format.MessageToJson(Payloads(payloads=result))))
    except ApiError as err:
        answer = JSONResponse({"error": {"code": err.code, "message": err.message}}, status_code=err.status)
    return _cors(request, answer)


def _open_for(who: Principal, payloads, svc: Services, request: Request) -> list:
    scopes = {scope_of(p) for p in payloads} - {None, SERVICE_SCOPE}
    if scopes - {who.local_authority}:
        raise ApiError(403, "payload_of_another_la", "These payloads belong to another LA's journeys.")
    try:
        opened = [svc.codec.open(p) for p in payloads]
    except SealedPayloadError as err:
        raise ApiError(422, "payload_not_opened", str(err)) from None
    sealed = [o for p, o in zip(payloads, opened) if scope_of(p) is not None]
    access.record(request, access.TEMPORAL_PAYLOADS, _journeys_named(sealed) or [None],
                  detail=f"{len(sealed)} payload(s)")
    return opened


def _journeys_named(payloads) -> list[str]:
    """The journeys the opened payloads name (the answers and states the workflow returns
    carry `journey_id`), for the access log."""
    named = []
    for payload in payloads:
        try:
            value = json.loads(payload.data)
        except ValueError:
            continue
        if isinstance(value, dict) and isinstance(value.get("journey_id"), str):
            named.append(value["journey_id"])
    return named


def _handler(action: str):
    async def handle(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
                     svc: Services = Depends(services)) -> Response:
        return await _answer(action, request, credentials, svc)
    return handle


async def _preflight(request: Request) -> Response:
    return _cors(request, Response(status_code=204))


for prefix in ("/codec", "/dashboard/codec"):
    for action in ACTIONS:
        router.add_api_route(f"{prefix}/{action}", _handler(action), methods=["POST"],
                             include_in_schema=prefix == "/codec", responses=RESPONSES,
                             summary=f"{action.capitalize()} Temporal payloads (Temporal's remote codec protocol)")
        router.add_api_route(f"{prefix}/{action}", _preflight, methods=["OPTIONS"], include_in_schema=False)
