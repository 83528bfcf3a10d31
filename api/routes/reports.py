"""Reports for managers and auditors: the ROTH dataset (reports/roth_dataset.py) as CSV or XLSX.

The dataset hands over one row of a young person's data per journey, so each journey exported
is recorded in the access log (what "roth_dataset") before the file is answered. Other roles
are refused with 409 not_allowed_for_role (api/auth.py's convention); the rows are the
caller's LA's only.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from api import access, schemas
from api.auth import principal
from api.errors import ApiError, invalid_query
from api.identity import Principal
from api.services import Services, services
from reports import roth_dataset

router = APIRouter(prefix="/v1/reports", tags=["reports"])

ROTH_DATASET = "roth_dataset"  # the access log's code for a journey's row in an exported dataset
MAY_READ_REPORTS = frozenset({"manager", "auditor"})
CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

UNAUTHENTICATED = {"model": schemas.ErrorAnswer, "description": "no bearer token, or one that is not valid"}
REFUSED = {"model": schemas.ErrorAnswer, "description": "not_allowed_for_role: only managers and auditors export reports"}
MALFORMED = {"model": schemas.ValidationAnswer,
             "description": "a date that is not YYYY-MM-DD, a period that ends before it starts, an unknown format"}


def reader(who: Principal = Depends(principal)) -> Principal:
    if who.role not in MAY_READ_REPORTS:
        raise ApiError(409, "not_allowed_for_role", "Only managers and auditors can export the LA's reports.")
    return who


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
    start: date = Query(alias="from", description="first day of the period (YYYY-MM-DD)"),
    end: date = Query(alias="to", description="last day of the period, included"),
    format: Literal["csv", "xlsx"] = Query("csv", description="csv (text/csv) or xlsx (a formatted workbook)"),
    who: Principal = Depends(reader), svc: Services = Depends(services),
) -> Response:
    """The ROTH dataset: one row per young person per plan (ROTH or CP) of the caller's LA that
    overlapped the period, with the fields sites keep: pathway and transfers, the dates of the
    strategy discussion, initial conference and the plan's start and end, categories and the
    outside-the-home mark, harm types, needs, contexts, age band, sex, ethnicity and outcome.
    Each journey exported is recorded in the access log."""
    if end < start:
        raise invalid_query("to", "invalid_period", "The period ends before it starts.", end.isoformat())
    rows = roth_dataset.dataset_rows(svc.store.engine, who.local_authority, start, end)
    content = roth_dataset.to_csv(rows).encode("utf-8") if format == "csv" else roth_dataset.to_xlsx(rows)
    access.record(request, ROTH_DATASET, [row["journey_id"] for row in rows])
    filename = f"roth-dataset-{who.local_authority}-{start.isoformat()}-to-{end.isoformat()}.{format}"
    return Response(content, media_type=CSV if format == "csv" else XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
