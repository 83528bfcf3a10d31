"""Reports for managers and auditors: the ROTH dataset (reports/roth_dataset.py) as CSV or XLSX,
and the cohort report (reports/cohort_report.py) as JSON, CSV, XLSX and SVG charts, with the
population baselines its disproportionality is measured against (store/baselines.py).

The dataset hands over one row of a young person's data per journey, so each journey exported
is recorded in the access log (what "roth_dataset") before the file is answered. The cohort
report hands over counts only, each through the disclosure control; how its reads are
recorded is said at services/reports.py's COHORT_REPORT. Other roles are refused with 409
not_allowed_for_role (domain/roles.py); a manager alone records a baseline (it changes what
the LA publishes); everything is the caller's LA's only.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError

from api import access, schemas
from api.fields import RecordDate
from api.auth import principal, reader
from api.errors import ApiError, invalid_query
from services.identity import Principal
from api.responses import REPORT_MALFORMED, REPORT_REFUSED, REPORT_UNAUTHENTICATED
from api.dependencies import Services, calendar, services
from services import reports
from services.permissions import check_may_record_baselines
from domain.calendar import WorkingDayCalendar
from domain.disclosure import DEFAULT_THRESHOLD
from domain.periods import MAX_MONTHS, period_problem
from reports import charts, cohort_report, roth_dataset
from reports.cohort import BASELINE_GROUPS

router = APIRouter(prefix="/v1/reports", tags=["reports"])

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SVG = "image/svg+xml"

UNAUTHENTICATED, REFUSED, MALFORMED = REPORT_UNAUTHENTICATED, REPORT_REFUSED, REPORT_MALFORMED
MALFORMED_REPORT = {"model": schemas.ValidationAnswer,
                    "description": "a date that is not YYYY-MM-DD, a period that ends before it starts "
                                   f"(invalid_period) or is longer than {MAX_MONTHS} months "
                                   "(period_too_long), a threshold out of 1 to 100, an unknown format or chart"}
MALFORMED_BASELINE = {"model": schemas.ValidationAnswer,
                      "description": "an unknown dimension; counts that are not whole numbers from 0, a group that "
                                     "is not one of the dimension's codes (unknown_group), a population of nobody "
                                     "(empty_population), age bands for the age_band dimension (not_applicable)"}
NO_BASELINE = {"model": schemas.ErrorAnswer,
               "description": "baseline_not_found: the LA has recorded no population for the dimension",
               "content": {"application/json": {"examples": schemas.error_examples(
                   ("baseline_not_found", "The LA has not recorded a population baseline for ethnicity."))}}}
BASELINE_REFUSED = {"model": schemas.ErrorAnswer,
                    "description": "not_allowed_for_role: only managers record the LA's population baselines"}
Chart = Literal[charts.CHARTS]  # type: ignore[valid-type]


@router.get(
    "/roth-dataset",
    response_class=Response,
    responses={
        200: {"description": "the dataset as a file", "content": {CSV: {}, XLSX: {}}},
        401: UNAUTHENTICATED, 409: REFUSED, 422: MALFORMED,
    },
)
def roth_dataset_export(
    request: Request,
    # Annotated: a Query() default would drop RecordDate's validators from a required parameter.
    start: Annotated[RecordDate, Query(alias="from", description="first day of the period (YYYY-MM-DD)")],
    end: Annotated[RecordDate, Query(alias="to", description="last day of the period, included")],
    format: Literal["csv", "xlsx"] = Query("csv", description="csv (text/csv) or xlsx (a formatted workbook)"),
    who: Principal = Depends(reader), svc: Services = Depends(services),
) -> Response:
    """The ROTH dataset: one row per young person per plan (ROTH or CP) of the caller's LA that
    overlapped the period, with the fields sites keep: pathway and transfers, the dates of the
    strategy discussion, initial conference and the plan's start and end, categories and the
    outside-the-home mark, harm types, needs, contexts, age band, sex, ethnicity and outcome.
    Each journey exported is recorded in the access log."""
    problem = period_problem(start, end, max_months=None)
    if problem is not None:
        raise invalid_query("to", *problem, end.isoformat())
    rows = reports.roth_dataset_rows(svc.store, access.reader(request), start, end)
    content = roth_dataset.to_csv(rows).encode("utf-8") if format == "csv" else roth_dataset.to_xlsx(rows)
    filename = f"roth-dataset-{who.local_authority}-{start.isoformat()}-to-{end.isoformat()}.{format}"
    return Response(content, media_type=CSV if format == "csv" else XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# --- the cohort report --------------------------------------------------------------------------

def check_period(start: date, end: date) -> None:
    problem = period_problem(start, end)
    if problem is not None:
        raise invalid_query("to", *problem, end.isoformat())


def report_period(
    # Annotated: a Query() default would drop RecordDate's validators from a required parameter.
    start: Annotated[RecordDate, Query(alias="from", description="first day of the period (YYYY-MM-DD)")],
    end: Annotated[RecordDate, Query(alias="to", description="last day of the period, included")],
    threshold: int = Query(DEFAULT_THRESHOLD, ge=1, le=100,
                           description="counts under this are suppressed (and others that would give them away); "
                                       "1 suppresses nothing"),
) -> tuple[date, date, int]:
    return start, end, threshold


@router.get(
    "/cohort",
    summary="Cohort report",
    response_model=schemas.CohortReport,
    responses={
        200: {"description": "the published report: JSON, or its tables as CSV (one long table) or XLSX (a sheet each)",
              "content": {CSV: {}, XLSX: {}}},
        401: UNAUTHENTICATED, 409: REFUSED, 422: MALFORMED_REPORT,
    },
)
def cohort_report_read(
    request: Request,
    period: tuple[date, date, int] = Depends(report_period),
    format: Literal["json", "csv", "xlsx"] = Query("json", description="json, csv (text/csv) or xlsx (a workbook)"),
    who: Principal = Depends(reader), svc: Services = Depends(services), cal: WorkingDayCalendar = Depends(calendar),
) -> dict | Response:
    """The cohort report for the caller's LA: the plans (ROTH or CP) that overlapped the period
    counted by harm type, pathway, age band, sex and ethnicity; ROTH plans as a share of all CP
    plans for ages 10 and over; disproportionality against each population baseline the LA
    recorded, as rate ratios; timeliness of the initial conferences held in the period on both
    clocks (15 working days from the last strategy discussion, and DfE's bands from the s.47
    start), by pathway and by month; and the plans' quality findings by code. Every count is
    published through the disclosure control: under `threshold` (default 5) suppressed, with
    secondary suppression so no suppressed count can be worked out from a total; suppressed
    entries are null (`[c]` in the exports), and a share or ratio needing one is left out.
    The read is recorded in the access log (`cohort_report`, with the period and threshold)."""
    start, end, threshold = period
    check_period(start, end)
    report = reports.cohort(svc.store, who.local_authority, start, end, cal, threshold)
    reports.record_cohort_read(svc.store, access.reader(request), start, end, threshold, f"format={format}")
    if format == "json":
        return report
    content = cohort_report.to_csv(report).encode("utf-8") if format == "csv" else cohort_report.to_xlsx(report)
    filename = f"cohort-report-{who.local_authority}-{start.isoformat()}-to-{end.isoformat()}.{format}"
    return Response(content, media_type=CSV if format == "csv" else XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get(
    "/cohort/charts/{chart}.svg",
    summary="Cohort report chart",
    response_class=Response,
    responses={200: {"description": "the chart, an SVG image", "content": {SVG: {}}},
               401: UNAUTHENTICATED, 409: REFUSED, 422: MALFORMED_REPORT},
)
def cohort_chart(
    request: Request,
    chart: Chart = Path(description="a breakdown of the cohort (harm_type, pathway, age_band, sex, ethnicity), "
                                    "plan_findings, or timeliness (the share on time by month on both clocks)"),
    period: tuple[date, date, int] = Depends(report_period),
    who: Principal = Depends(reader), svc: Services = Depends(services), cal: WorkingDayCalendar = Depends(calendar),
) -> Response:
    """A chart of the published cohort report, drawn on the server: bars per group of a breakdown
    (a suppressed count has no bar, only the words "suppressed [c]"), or the share of initial
    conferences on time per month on both clocks. Recorded in the access log like the report."""
    start, end, threshold = period
    check_period(start, end)
    report = reports.cohort(svc.store, who.local_authority, start, end, cal, threshold)
    svg = charts.chart(report, chart)
    reports.record_cohort_read(svc.store, access.reader(request), start, end, threshold, f"chart={chart}")
    return Response(svg, media_type=SVG)


# --- population baselines -----------------------------------------------------------------------

@router.put(
    "/population-baseline/{dimension}",
    summary="Record a population baseline",
    response_model=schemas.PopulationBaseline,
    responses={401: UNAUTHENTICATED, 409: BASELINE_REFUSED, 422: MALFORMED_BASELINE},
)
def put_population_baseline(
    dimension: schemas.BaselineDimension = Path(description="ethnicity, sex or age_band"),
    body: schemas.PopulationBaselineIn = Body(openapi_examples={
        "census by ethnic group": {"summary": "Census counts by ethnic group, ages 10 to 17",
                                   "value": schemas.BASELINE_EXAMPLE}}),
    who: Principal = Depends(principal), svc: Services = Depends(services),
) -> dict:
    """Record the LA's population for a dimension of the cohort (a manager's): how many people
    are in each group (the dataset's codes: CIN census ethnicity codes, sex M/F/U, the age
    bands), where the figures come from and, for ethnicity or sex, the age bands they cover.
    The cohort report measures disproportionality against it from now on; the baselines
    recorded before are kept."""
    check_may_record_baselines(who)
    _check_baseline(dimension, body)
    recorded = reports.record_baseline(svc.store, who.local_authority, dimension, body.counts, body.source,
                                       who.subject, body.age_bands)
    return _baseline(recorded)


@router.get(
    "/population-baseline/{dimension}",
    summary="Population baseline",
    response_model=schemas.PopulationBaseline,
    responses={401: UNAUTHENTICATED, 404: NO_BASELINE, 409: REFUSED, 422: MALFORMED_BASELINE},
)
def get_population_baseline(
    dimension: schemas.BaselineDimension = Path(description="ethnicity, sex or age_band"),
    who: Principal = Depends(reader), svc: Services = Depends(services),
) -> dict:
    """The LA's population baseline in force for a dimension (the latest recorded), with who
    recorded it and when."""
    found = reports.current_baseline(svc.store, who.local_authority, dimension)
    if found is None:
        raise ApiError(404, "baseline_not_found",
                       f"The LA has not recorded a population baseline for {dimension.replace('_', ' ')}.")
    return _baseline(found)


def _check_baseline(dimension: str, body: schemas.PopulationBaselineIn) -> None:
    """Groups the dataset codes the dimension by, a population of somebody, and age bands only
    where the groups are not age bands themselves. The loc never holds the caller's group
    (the request log records locations): the message does."""
    known = BASELINE_GROUPS[dimension]
    issues = []
    unknown = [group for group in body.counts if group not in known]
    if unknown:
        issues.append({"type": "unknown_group", "loc": ("body", "counts"), "input": unknown,
                       "msg": f"Not {dimension.replace('_', ' ')} codes the dataset uses: {', '.join(map(repr, unknown))}. "
                              f"Expected any of: {', '.join(known)}."})
    elif not sum(body.counts.values()):
        issues.append({"type": "empty_population", "loc": ("body", "counts"), "input": body.counts,
                       "msg": "The population counts nobody: there is nothing to measure plans against."})
    if dimension == "age_band" and body.age_bands is not None:
        issues.append({"type": "not_applicable", "loc": ("body", "age_bands"), "input": body.age_bands,
                       "msg": "An age band population covers the age bands it counts: leave age_bands out."})
    if issues:
        raise RequestValidationError(issues)


def _baseline(found) -> dict:
    return {"local_authority": found.local_authority, "dimension": found.dimension,
            "counts": {group: found.counts[group] for group in _in_code_order(found)},
            "age_bands": list(found.age_bands) if found.age_bands is not None else None,
            "source": found.source, "recorded_by": found.recorded_by, "recorded_at": found.recorded_at}


def _in_code_order(found) -> list[str]:
    known = BASELINE_GROUPS.get(found.dimension, ())
    return [g for g in known if g in found.counts] + sorted(g for g in found.counts if g not in known)
