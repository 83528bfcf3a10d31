"""The v1 contract: start a journey, send commands, read state and chronology.

Thin adapters over services/journeys.py, which says how commands reach the journey's
workflow and where reads come from: each route parses the request, calls the use case and
shapes the answer. Every journey outside the caller's LA answers 404, exactly as one that
does not exist, whatever the caller's role.

A command_id names one request (api/idempotency.py fingerprints it): sent again with the
same request it answers the first answer, with another 409 `command_id_reused`. A command
is answered 2xx only with its events in the log (services/outcomes.py).
"""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Literal

from fastapi import APIRouter, Body, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from api import access, idempotency, schemas
from api.fields import RecordDate
from api.auth import principal
from api.errors import invalid_query
from api.logging import note
from api.responses import MALFORMED, NOT_FOUND, UNAUTHENTICATED, answered, links, refused
from api.dependencies import Services, services
from domain.codec import to_data
from services import journeys
from services.identity import Principal
from services.permissions import START

router = APIRouter(prefix="/v1", tags=["journeys"])

JOURNEY_LINKS = links(
    "journey_id", "$response.body#/journey_id", SendCommand="send_command_v1_journeys__journey_id__commands_post",
    GetJourney="get_journey_v1_journeys__journey_id__get", GetEvents="chronology_v1_journeys__journey_id__events_get",
    GetTimeline="timeline_v1_journeys__journey_id__timeline_get",
    GetChronology="full_chronology_v1_journeys__journey_id__chronology_get")


@router.post(
    "/journeys", status_code=201, response_model=schemas.CommandAnswer,
    responses={
        201: answered("the journey is open: its first events and state (a retry returns the first answer)",
                      {**schemas.ANSWER_EXAMPLE, "events": [{**schemas.EVENT_EXAMPLE, "type": "JourneyStarted", "version": 1}]},
                      JOURNEY_LINKS),
        401: UNAUTHENTICATED,
        409: refused(
            ("journey_already_open", "A journey is already open for this young person (0f3c6a55-1b7e-5c2d-9a4f-8e6d2b1c0a97)."),
            ("local_authority_mismatch", "Your token is for LA 873; this journey would be in LA 874."),
            ("young_person_too_old", "The young person was 18 or over on the referral date; adult services are responsible."),
            ("date_in_future", "The referral date 02 March 2027 is in the future."),
            ("not_allowed_for_role", "An auditor can read journeys but not record anything.")),
        422: MALFORMED,
    },
)
async def start_journey(
    request: Request, command: schemas.StartJourney = Body(openapi_examples=schemas.START_EXAMPLES),
    who: Principal = Depends(principal), svc: Services = Depends(services),
) -> dict:
    """Start a journey for a young person: one open journey per young person per LA.

    Starting another while one is open answers 409 `journey_already_open` with that journey's
    `journey_id`. Once a journey has closed, a new referral starts a new journey."""
    command_id = str(command.command_id)
    note(request, command_id=command_id, command_type=START)
    fingerprint = await idempotency.fingerprint(request)
    answer = await journeys.start_journey(
        svc, who, command_id, to_data(command.young_person.model_dump()), command.referral_date,
        command.local_authority, fingerprint)
    note(request, journey_id=answer["journey_id"])
    return await run_in_threadpool(journeys.answered, svc.store, access.reader(request), answer, command_id, fingerprint)


@router.post(
    "/journeys/{journey_id}/commands", response_model=schemas.CommandAnswer,
    responses={
        200: answered("recorded: the command's events and the journey's state (a retry returns the first answer)",
                      schemas.ANSWER_EXAMPLE, JOURNEY_LINKS),
        401: UNAUTHENTICATED, 404: NOT_FOUND,
        409: refused(
            ("strategy_discussion_required", "An initial conference needs a strategy discussion that opened a s.47 enquiry."),
            ("date_in_future", "The core group date 19 March 2027 is in the future."),
            ("date_before_previous_step", "The initial conference date 01 March 2026 is before the strategy discussion on 19 March 2026."),
            ("journey_closed", "This journey was closed on 20 May 2026; nothing more can be recorded on it."),
            ("not_allowed_for_role", "Only a manager can approve a deadline extension."),
            ("deadline_passed", "The initial conference deadline passed on 10 April 2026; an extension must be approved before it is missed."),
            ("initial_conference_required", "A plan update can only be recorded once an initial conference has made a plan."),
            ("invalid_value", "The social worker and the team manager must be different people."),
            ("allocation_unchanged", "The case is already allocated to them."),
            ("chair_not_in_pool", "chair-0099 is not in the LA's pool of ROTH chairs."),
            ("case_not_allocated", "Record the case's allocated social worker and team manager first, so the chair's "
                                   "independence can be checked."),
            ("chair_not_independent", "Chair tm-0007 is the case's allocated social worker or their team manager; "
                                      "a ROTH chair must be independent of the case."),
            ("chair_unchanged", "chair-0003 already chairs this case."),
            ("chair_required", "A ROTH initial conference needs an independent chair from the pool: assign one first."),
            ("meeting_not_held", "No initial conference is recorded on 02 April 2026; record the meeting first."),
            ("contexts_required", "A context weighting names at least one context."),
            ("duplicate_context", "A context is weighted twice; weigh each context once."),
            ("unknown_context", "Riverside park is said to affect 'bus-station', which is not another context in this weighting."),
            ("unknown_target", "Action 'Park wardens patrol 3pm to 7pm' is aimed at 'bus-station': aim it at the young "
                               "person, the family, or a context in the latest context weighting."),
            ("duplicate_goal", "Two goals have the same id."),
            ("scope_required", "Say whom the consent to share covers (education, health, police, ...)."),
            ("not_yet_seventeen", "A transition plan is made once the young person is 17."),
            ("invalid_upn", "'R247962919251' is not a UPN: The check letter of this UPN should be Q: a character has been mistyped."),
            ("factors_required", "A completed assessment names the factors it found (21 when it found none)."),
            ("event_not_found", "This journey has no such event."),
            ("not_correctable", "Only the latest strategy discussion can be corrected, while nothing recorded since rests "
                                "on it; put it right at the next step instead."),
            ("correction_unchanged", "The event already says that.")),
        422: MALFORMED,
    },
)
async def send_command(
    request: Request, journey_id: str,
    # The discriminator is given to Body again: Body's own field would otherwise replace the
    # union's, and a shape error would list every command type's fields instead of one's.
    command: schemas.Command = Body(discriminator="type", openapi_examples=schemas.COMMAND_EXAMPLES),
    who: Principal = Depends(principal), svc: Services = Depends(services),
) -> dict:
    """Record what happened. Sending the same command_id again returns the first answer and
    changes nothing.

    `extend_deadline` is a manager's; `change_policy` a manager's, an admin's or the LA system's;
    an auditor sends nothing. See the role table in docs/http-api.md.

    On the ROTH pathway a conference needs an independent chair from the LA's pool first:
    `allocate_case`, then `assign_chair` (whether the chair is in the pool is the service's
    to say, from `/v1/chairs`, never the caller's)."""
    command_id = str(command.command_id)
    note(request, journey_id=journey_id, command_id=command_id, command_type=command.type)
    fingerprint = await idempotency.fingerprint(request)
    answer = await journeys.send_command(svc, who, journey_id, command_id,
                                         to_data(command.model_dump(exclude={"command_id"})), fingerprint)
    return await run_in_threadpool(journeys.answered, svc.store, access.reader(request), answer, command_id, fingerprint)


@router.get("/journeys/{journey_id}", response_model=schemas.JourneyState,
            responses={200: answered("the journey's current state", schemas.STATE_EXAMPLE), 401: UNAUTHENTICATED, 404: NOT_FOUND,
                       422: MALFORMED})
def get_journey(request: Request, journey_id: str, who: Principal = Depends(principal), svc: Services = Depends(services)) -> dict:
    """The journey's current state, from the read model (up to date with every answered command)."""
    note(request, journey_id=journey_id)
    _, view = journeys.current_view(svc.store, access.reader(request), journey_id)
    return view


@router.get("/journeys", response_model=schemas.JourneyPage,
            responses={200: answered("a page of the caller's LA's journeys, in journey id order",
                                     {"journeys": [schemas.SUMMARY_EXAMPLE], "next_cursor": None}),
                       401: UNAUTHENTICATED, 422: MALFORMED})
def list_journeys(
    request: Request,
    pathway: Literal["roth", "cp"] | None = Query(None, description="only journeys on this pathway"),
    stage: schemas.Stage | None = Query(None, description="only journeys at this stage"),
    overdue: bool | None = Query(None, description="true: only journeys with a missed deadline still owed; false: only those without"),
    due_before: RecordDate | None = Query(None, description="only journeys whose next deadline falls before (not on) this date"),
    limit: int = Query(50, ge=1, le=500),
    cursor: str | None = Query(None, description="the `next_cursor` of the previous page"),
    who: Principal = Depends(principal), svc: Services = Depends(services),
) -> dict:
    """A page of the caller's LA's journey summaries; pass `next_cursor` back (with the same
    filters) for the next page."""
    page, more = journeys.page(svc.store, access.reader(request), access.JOURNEY_LIST, limit=limit,
                               after=_decode_cursor(cursor), pathway=pathway, stage=stage, overdue=overdue,
                               due_before=due_before)
    return {
        "journeys": [{k: v for k, v in vars(r).items() if k not in ("workflow_id", "version", "view")} for r in page],
        "next_cursor": _encode_cursor(page[-1].journey_id) if more else None,
    }


@router.get("/journeys/{journey_id}/events", response_model=schemas.Chronology,
            responses={200: answered("the chronology, oldest first",
                                     {"journey_id": schemas.JOURNEY_ID, "events": [schemas.EVENT_EXAMPLE]}),
                       401: UNAUTHENTICATED, 404: NOT_FOUND, 422: MALFORMED})
def chronology(request: Request, journey_id: str, who: Principal = Depends(principal), svc: Services = Depends(services)) -> dict:
    """Every event of the journey in order, with valid time, system time, actor and hash."""
    note(request, journey_id=journey_id)
    return {"journey_id": journey_id, "events": journeys.events(svc.store, access.reader(request), journey_id)}


def _encode_cursor(journey_id: str) -> str:
    return base64.urlsafe_b64encode(journey_id.encode()).decode()


def _decode_cursor(cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        journey_id = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("ascii")
        if str(uuid.UUID(journey_id)) != journey_id:
            raise ValueError("not a journey id in its canonical form")
    except (ValueError, UnicodeError, binascii.Error):
        raise invalid_query("cursor", "invalid_cursor", "The cursor is not one this service gave out.", cursor) from None
    return journey_id
