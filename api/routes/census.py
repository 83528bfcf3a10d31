"""The CIN census return for a collection year (reports/cin_census.py): DfE's XML, the local
companion file with the ROTH mark, and the return's readiness by DfE's own rules.

Managers and auditors of the caller's LA (api/auth.py's `reader`); the use cases are
services/census.py's. The return hands over every young person's identifiers and history in
it, so each journey in it is recorded in the access log before anything is answered.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from api import access, schemas
from api.fields import YEARS
from api.errors import ApiError, invalid_query
from services.identity import Principal
from api.auth import reader
from api.responses import REPORT_MALFORMED as MALFORMED, REPORT_REFUSED as REFUSED, REPORT_UNAUTHENTICATED as UNAUTHENTICATED
from api.dependencies import Services, services
from services import census
from domain.calendar import WorkingDayCalendar
from reports import cin_census
from reports.cin_validation import RULESETS, CinValidatorError

router = APIRouter(prefix="/v1/reports/cin-census", tags=["reports"])

XML = "application/xml"
CSV = "text/csv; charset=utf-8"


class Finding(BaseModel):
    rule_code: str
    message: str = ""
    severity: str  # error or query
    table: str | None = None
    columns: list[str] = []
    child_id: str | None = None  # the LAchildID
    journey_ids: list[str] = []
    fix: str | None = None  # what to send to put it right, where a command of this service does


class ReturnReadiness(BaseModel):
    year: str
    ruleset: str
    ready: bool  # no errors: DfE will accept the return (queries still need answers)
    errors: int
    queries: int
    journeys_to_fix: int
    findings: list[Finding]


YEAR = Query(description="the collection year, like 2025-26 (1 April 2025 to 31 March 2026): two years that follow "
                         "each other (invalid_year otherwise), within the record's", pattern=rf"^{YEARS}-[0-9]{{2}}$")


def _year(label: str) -> cin_census.CollectionYear:
    try:
        return cin_census.collection_year(label)
    except ValueError as err:
        raise invalid_query("year", "invalid_year", str(err), label) from None


def _census(request: Request, svc: Services, year: cin_census.CollectionYear):
    return census.census_return(svc.store, access.reader(request), year, WorkingDayCalendar(svc.settings.closure_days))


@router.get("", response_class=Response, responses={
    200: {"description": "the return as DfE's XML", "content": {XML: {}}}, 401: UNAUTHENTICATED, 409: REFUSED, 422: MALFORMED})
def cin_census_return(request: Request, year: str = YEAR, who: Principal = Depends(reader),
                      svc: Services = Depends(services)) -> Response:
    """The CIN census return of the caller's LA for a collection year: every journey open at
    some point of the year as a CIN episode (referral, assessments with their factor codes,
    the s.47 enquiry, the child protection plan with its categories, previous plans and
    reviews), as the year stood on 31 March by what is known now. ROTH plans are child
    protection plans to DfE; the companion file keeps their ROTH mark."""
    chosen = _year(year)
    _, xml, _ = _census(request, svc, chosen)
    return Response(xml, media_type=XML, headers={
        "Content-Disposition": f'attachment; filename="cin-census-{who.local_authority}-{chosen.label}.xml"'})


@router.get("/companion", response_class=Response, responses={
    200: {"description": "the companion file (CSV)", "content": {CSV: {}}}, 401: UNAUTHENTICATED, 409: REFUSED, 422: MALFORMED})
def cin_census_companion(request: Request, year: str = YEAR, who: Principal = Depends(reader),
                         svc: Services = Depends(services)) -> Response:
    """The local companion file of the year's return: every plan in it with its LAchildID,
    journey, dates, the ROTH mark (roth: yes when the plan was on the ROTH pathway at any
    time), its pathways in order and the latest, so the LA can report ROTH beside the
    statutory figures."""
    chosen = _year(year)
    found, _, _ = _census(request, svc, chosen)
    return Response(cin_census.companion_csv(found).encode("utf-8"), media_type=CSV, headers={
        "Content-Disposition": f'attachment; filename="cin-census-{who.local_authority}-{chosen.label}-roth.csv"'})


@router.get("/readiness", response_model=ReturnReadiness, responses={
    401: UNAUTHENTICATED, 409: REFUSED, 422: MALFORMED,
    503: {"model": schemas.ErrorAnswer, "description": "validator_unavailable: DfE's validator is not installed here"}})
async def cin_census_readiness(request: Request, year: str = YEAR,
                               ruleset: str | None = Query(None, description=f"DfE's rules to check with: {', '.join(RULESETS)}; "
                                                                             "default the year's own"),
                               who: Principal = Depends(reader), svc: Services = Depends(services)) -> dict:
    """The year's return checked with DfE's validation rules (csc-validator-be-cin), each
    finding traced to the journeys that caused it with what to send to put it right: errors
    stop the return being accepted, queries must be answered in the census window."""
    chosen = _year(year)
    rules = ruleset or chosen.ruleset
    if rules not in RULESETS:
        raise invalid_query("ruleset", "unknown_ruleset",
                            f"There are no DfE rules for {rules} here; give ruleset as one of {', '.join(RULESETS)}.", rules)
    try:
        return await run_in_threadpool(readiness_for, request, svc, chosen, rules)
    except CinValidatorError as err:  # not installed here, or it failed: the operator's to put right
        raise ApiError(503, "validator_unavailable", str(err)) from None


def readiness_for(request: Request, svc: Services, year: cin_census.CollectionYear, ruleset: str) -> dict:
    """The year's return checked with `ruleset` (services/census.py), for this request's reader."""
    return census.readiness(svc.store, access.reader(request), year, ruleset, WorkingDayCalendar(svc.settings.closure_days),
                            svc.settings.cin_validator_python)
