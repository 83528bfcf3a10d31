"""The cohort report and the population baselines it compares with (api/routes/reports.py;
reports/cohort_report.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.fields import record_text, whole_number
from api.schemas.common import Period, Strict, example_config
from reports.cohort import AGE_BANDS, BASELINE_GROUPS

BaselineDimension = Literal[tuple(BASELINE_GROUPS)]  # type: ignore[valid-type]
AgeBand = Literal[AGE_BANDS]  # type: ignore[valid-type]
PopulationCount = whole_number(0, 100_000_000)

BASELINE_EXAMPLE = {
    "source": "ONS Census 2021 (TS022), usual residents aged 10 to 17 in the LA, by ethnic group",
    "counts": {"WBRI": 18240, "BCRB": 1310, "BAFR": 2205, "MWBC": 940, "AIND": 1830},
    "age_bands": ["10-12", "13-15", "16-17"],
}


class PopulationBaselineIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [BASELINE_EXAMPLE]})
    source: Annotated[record_text(500, min_length=1), Field(
                                 description="where the counts come from (publication, table, date, ages)")]
    counts: Annotated[dict[str, PopulationCount], Field(
        min_length=1, description="group -> how many people in it: the dataset's codes for the dimension "
                                  "(CIN census ethnicity codes; sex M, F, U; age bands under 10, 10-12, 13-15, 16-17)")]
    age_bands: Annotated[list[AgeBand] | None, Field(
        None, min_length=1, description="the age bands of the cohort the population covers (for ethnicity and "
                                        "sex); left out: every age. Plans of other ages are not compared with it")]


class PopulationBaseline(BaseModel):
    model_config = example_config({**BASELINE_EXAMPLE, "local_authority": "873", "dimension": "ethnicity",
                                  "recorded_by": "tm-0007", "recorded_at": "2026-12-15T10:15:02Z"})
    local_authority: str
    dimension: BaselineDimension
    counts: dict[str, int]
    age_bands: list[str] | None = Field(description="null: every age")
    source: str
    recorded_by: str = Field(description="who recorded it (the token's or OIDC subject)")
    recorded_at: datetime


class ReportColumn(BaseModel):
    code: str
    label: str


class ReportRow(BaseModel):
    code: str
    label: str
    cells: list[int | None] = Field(description="one per column; null: suppressed")
    total: int | None = Field(description="the row's total; null: suppressed")


class ReportTotals(BaseModel):
    cells: list[int | None]
    total: int | None


class ReportTable(BaseModel):
    """A published table of counts: suppressed entries are null (primary and secondary alike:
    which is which is not published)."""

    name: str
    title: str
    note: str
    row_heading: str = Field(description="what the rows are (Ethnicity, Month, ...)")
    columns: list[ReportColumn]
    rows: list[ReportRow]
    totals: ReportTotals


class RothShare(BaseModel):
    table: ReportTable
    roth: int | None = Field(description="ROTH plans, ages 10 and over; null: suppressed")
    all: int | None = Field(description="all child protection plans (ROTH included), ages 10 and over")
    percentage: float | None = Field(description="roth / all, in per cent; null where either is suppressed (or none)")


class DisproportionalityGroup(BaseModel):
    code: str
    label: str
    population: int
    plans: int | None = Field(description="null: suppressed")
    ratio: float | None = Field(description="plans per head of the group over plans per head of the whole population; "
                                            "null where a count it needs is suppressed or the group has no population")


class Disproportionality(BaseModel):
    dimension: BaselineDimension
    title: str
    row_heading: str
    age_bands: list[str] | None = Field(description="the age bands compared; null: every age")
    source: str
    recorded_on: date
    population: int
    plans: int | None
    groups: list[DisproportionalityGroup]
    note: str


class MonthShare(BaseModel):
    held: int | None = Field(description="initial conferences held that month; null: suppressed")
    on_time: int | None
    percentage: float | None
    suppressed: bool = Field(description="true where the share is left out to protect a small count "
                                         "(false with a null percentage: none held)")


class MonthTimeliness(BaseModel):
    month: str = Field(examples=["2026-04"])
    label: str = Field(examples=["Apr 2026"])
    initial_conferences: MonthShare = Field(description="within 15 working days of the last strategy discussion")
    s47_to_initial_conference: MonthShare = Field(description="within 15 working days of the s.47 start (DfE)")


class CohortTimeliness(BaseModel):
    initial_conferences: ReportTable
    initial_conferences_percentage: float | None
    s47_bands: ReportTable
    s47_percentage_within_15: float | None
    by_month: list[MonthTimeliness]
    initial_conferences_by_month: ReportTable
    s47_by_month: ReportTable


class CohortReport(BaseModel):
    local_authority: str
    period: Period
    threshold: int
    suppression: str = Field(description="the disclosure control applied, in words")
    cohort: list[ReportTable] = Field(description="plans by harm type, pathway, age band, sex and ethnicity")
    roth_share: RothShare
    disproportionality: list[Disproportionality] = Field(description="one per population baseline the LA recorded")
    timeliness: CohortTimeliness
    plan_findings: ReportTable
