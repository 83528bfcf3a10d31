"""The LA's pool of ROTH chairs: who may chair a ROTH conference, and how many cases each holds.

A ROTH initial or review conference needs an independent chair from this pool (the
journey's `assign_chair`; the service tells the journey whether the chair is in the pool).
Every role of the LA reads the pool with each chair's load, so whoever assigns a chair can
share the work fairly; a manager or an admin keeps it (`PUT` adds a chair or renames one,
`DELETE` takes one out). Another LA's chair answers 404, as one that is not in the pool.
Refusals for the role are `409 not_allowed_for_role`, like every role refusal in v1.
"""

from __future__ import annotations

from fastapi import APIRouter, Body, Depends, Path, Response

from api import schemas
from api.auth import principal
from services.identity import Principal
from api.responses import MALFORMED, UNAUTHENTICATED, answered, links, refused
from api.dependencies import Services, services
from services import chairs

router = APIRouter(prefix="/v1", tags=["chairs"])

E = schemas.error_examples
NOT_IN_POOL = {"model": schemas.ErrorAnswer, "description": "no such chair in the caller's LA's pool",
               "content": {"application/json": {"examples": E(("chair_not_found", "There is no such chair in the LA's pool."))}}}
ROLE_REFUSED = {**refused(("not_allowed_for_role", "Only a manager or an admin can change the LA's pool of ROTH chairs.")),
                "description": "the caller's role may not change the pool; nothing was changed"}


@router.get("/chairs", response_model=schemas.ChairPool,
            responses={200: answered("the caller's LA's pool, each chair with the open journeys they chair",
                                     {"local_authority": "873", "chairs": [schemas.CHAIR_EXAMPLE]}),
                       401: UNAUTHENTICATED})
def list_chairs(who: Principal = Depends(principal), svc: Services = Depends(services)) -> dict:
    """The caller's LA's pool of ROTH chairs, with each chair's load (open journeys they
    chair, and how many of those are on the ROTH pathway)."""
    return {"local_authority": who.local_authority, "chairs": chairs.pool(svc.store, who.local_authority)}


@router.put("/chairs/{chair_id}", response_model=schemas.Chair,
            responses={200: answered("the chair, as the pool now has them", schemas.CHAIR_EXAMPLE,
                                     links("chair_id", "$response.body#/chair_id",
                                           RemoveChair="remove_chair_from_pool_v1_chairs__chair_id__delete")),
                       401: UNAUTHENTICATED, 409: ROLE_REFUSED, 422: MALFORMED})
def put_chair_in_pool(
    chair_id: str = Path(pattern=schemas.STAFF_ID_PATTERN, description="the chair's staff id", examples=["chair-0003"]),
    body: schemas.ChairIn = Body(openapi_examples={"a chair": {"summary": "Add a chair to the pool",
                                                               "value": {"name": "A. Chairperson"}}}),
    who: Principal = Depends(principal), svc: Services = Depends(services),
) -> dict:
    """Add a chair to the caller's LA's pool, or give one already there a new name (a
    manager's or an admin's). Sending it again changes nothing."""
    return chairs.put(svc.store, who, chair_id, body.name)


@router.delete("/chairs/{chair_id}", status_code=204, response_class=Response,
               responses={204: {"description": "the chair is no longer in the pool (journeys they chair keep them)"},
                          401: UNAUTHENTICATED, 404: NOT_IN_POOL, 409: ROLE_REFUSED})
def remove_chair_from_pool(chair_id: str, who: Principal = Depends(principal), svc: Services = Depends(services)) -> Response:
    """Take a chair out of the caller's LA's pool (a manager's or an admin's): they can no
    longer be assigned. 404 if they are not in the pool."""
    chairs.remove(svc.store, who, chair_id)
    return Response(status_code=204)

