"""The Children in Need census return for a collection year, as DfE's XML, and its local
companion file keeping the ROTH mark.

    year = collection_year("2025-26")           # 1 April 2025 to 31 March 2026
    found = census_episodes(ReportQueries(engine), "873", year, calendar)
    xml, rows = to_xml(found, "873", year, generated_at)
    companion = companion_csv(found)

Each journey of the LA that was open at some point in the year is one CIN episode
(domain/census_episode.py), folded from its events that occurred by the year's last day,
with every correction applied, so a return made in the census window shows the year as it
stood on 31 March by what is known when it is made. The census details (UPN, disabilities,
referral source, primary need) are the latest recorded: they are often completed after the
year end, for the return.

A young person's journeys are one <Child> with one <CINdetails> per journey. ROTH plans are
child protection plans to DfE, with their categories; the companion file lists every plan
in the return with its pathways, so the LA can report ROTH beside the statutory figures.

`to_xml` also answers which journey each row of each of the validator's tables came from
(`RowMap`), so the validator's findings (reports/cin_validation.py) can be traced back to
the journeys to put right (reports/cin_readiness.py).
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime

from domain.calendar import WorkingDayCalendar
from domain.census import CensusDetails
from domain.census_episode import Episode, episode
from domain.codec import from_data
from domain.history import events_as_of
from reports.cells import csv_row

__all__ = ["CollectionYear", "RowMap", "census_episodes", "collection_year", "companion_csv", "to_xml"]

SOFTWARE = "Safeguarding Pathways"
_YEAR = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class CollectionYear:
    """A census collection year: 1 April to 31 March."""

    label: str  # e.g. "2025-26"
    start: date
    end: date  # the census's ReferenceDate

    @property
    def ruleset(self) -> str:
        """The name of DfE's validation rules for this year, e.g. cin2025_26."""
        return "cin" + self.label.replace("-", "_")


def collection_year(label: str) -> CollectionYear:
    """The collection year named like 2025-26, or ValueError saying what is wrong."""
    found = _YEAR.match(label or "")
    if not found or (int(found.group(1)) + 1) % 100 != int(found.group(2)):
        raise ValueError(f"{label!r} is not a collection year: write it like 2025-26 (1 April 2025 to 31 March 2026).")
    first = int(found.group(1))
    return CollectionYear(label, date(first, 4, 1), date(first + 1, 3, 31))


def census_episodes(queries, local_authority: str, year: CollectionYear, calendar: WorkingDayCalendar) -> list[Episode]:
    """The LA's journeys open at some point in the year, as CIN episodes, with each plan's
    NumberOfPreviousCPP counted from the LA's earlier plans for the same young person; read
    through `queries` (store/report_queries.py's ReportQueries)."""
    every = queries.journeys_with_views(local_authority)
    found = []
    for journey_id, view, opened_on, closed_on in every:
        if opened_on > year.end or (closed_on is not None and closed_on < year.start):
            continue
        details = from_data(CensusDetails, view.get("census") or {})
        events = events_as_of(queries.history(journey_id), occurred_by=year.end)
        found.append(episode(journey_id, events, details, year.start, year.end, calendar))
    plans_started = defaultdict(list)  # child id -> the start of each of their plans, any year
    for _, view, _, _ in every:
        if view.get("plan"):
            plans_started[view["young_person"]["id"]].append(date.fromisoformat(view["plan"]["started_on"]))
    found.sort(key=lambda x: (x.child_id, x.referral_date, x.journey_id))
    return [_with_previous_plans(x, plans_started[x.child_id]) for x in found]


def _with_previous_plans(found: Episode, starts: list[date]) -> Episode:
    if found.plan is None:
        return found
    return replace(found, previous_plans=sum(1 for s in starts if s < found.plan.started_on))


@dataclass(frozen=True)
class RowMap:
    """Which journeys each row of each of the validator's tables came from: for a child's
    own tables (ChildIdentifiers, ChildCharacteristics, Disabilities) every journey of the
    child, otherwise the one journey of the episode."""

    rows: dict[str, list[tuple[str, ...]]]
    children: dict[str, tuple[str, ...]]  # LAchildID -> the child's journeys in the return

    def journeys(self, table: str, row: int | None, child_id: str | None) -> tuple[str, ...]:
        table_rows = self.rows.get(table, [])
        if row is not None and 0 <= row < len(table_rows):
            return table_rows[row]
        return self.children.get(child_id or "", ())


def to_xml(episodes: list[Episode], local_authority: str, year: CollectionYear, generated_at: datetime,
           serial_no: int = 1) -> tuple[bytes, RowMap]:
    """The return as DfE's XML (UTF-8), and which journey each validator row came from."""
    message = ET.Element("Message")
    header = ET.SubElement(message, "Header")
    collection = ET.SubElement(header, "CollectionDetails")
    _add(collection, "Collection", "CIN")
    _add(collection, "Year", str(year.end.year))
    _add(collection, "ReferenceDate", year.end)
    source = ET.SubElement(header, "Source")
    _add(source, "SourceLevel", "L")
    _add(source, "LEA", local_authority)
    _add(source, "SoftwareCode", SOFTWARE)
    _add(source, "Release", "1")
    _add(source, "SerialNo", str(serial_no))
    _add(source, "DateTime", generated_at.replace(microsecond=0, tzinfo=None).isoformat())
    children = ET.SubElement(message, "Children")
    rows: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    by_child: dict[str, list[Episode]] = defaultdict(list)
    for found in episodes:
        by_child[found.child_id].append(found)
    for child_id, own in by_child.items():
        everyone = tuple(x.journey_id for x in own)
        _child(ET.SubElement(children, "Child"), own, rows, everyone)
    ET.indent(message)
    xml = ET.tostring(message, encoding="utf-8", xml_declaration=True)
    return xml, RowMap(dict(rows), {child_id: tuple(x.journey_id for x in own) for child_id, own in by_child.items()})


def _child(child: ET.Element, own: list[Episode], rows, everyone: tuple[str, ...]) -> None:
    first = own[0]
    details = own[-1].details  # the same young person: the latest journey's record
    identifiers = ET.SubElement(child, "ChildIdentifiers")
    _add(identifiers, "LAchildID", first.child_id)
    _add(identifiers, "UPN", details.upn)
    _add(identifiers, "UPNunknown", details.upn_unknown)
    _add(identifiers, "PersonBirthDate", first.date_of_birth)
    _add(identifiers, "Sex", first.sex)
    rows["ChildIdentifiers"].append(everyone)
    characteristics = ET.SubElement(child, "ChildCharacteristics")
    _add(characteristics, "Ethnicity", first.ethnicity)
    rows["ChildCharacteristics"].append(everyone)
    if details.disabilities:
        disabilities = ET.SubElement(characteristics, "Disabilities")
        for code in details.disabilities:
            _add(disabilities, "Disability", code)
            rows["Disabilities"].append(everyone)
    for found in own:
        _episode(ET.SubElement(child, "CINdetails"), found, rows)


def _episode(details: ET.Element, found: Episode, rows) -> None:
    mine = (found.journey_id,)
    _add(details, "CINreferralDate", found.referral_date)
    _add(details, "ReferralSource", found.details.referral_source)
    _add(details, "PrimaryNeedCode", found.details.primary_need)
    _add(details, "CINclosureDate", found.closed_on)
    _add(details, "ReasonForClosure", found.reason_for_closure)
    # Every journey went on to a strategy discussion or is waiting for one: none is a
    # referral closed with no further action at the front door.
    _add(details, "ReferralNFA", "0")
    rows["CINdetails"].append(mine)
    for assessment in found.assessments:
        module = _module(details, "Assessments", rows, mine, (
            ("AssessmentActualStartDate", assessment.started_on), ("AssessmentAuthorisationDate", assessment.authorised_on)))
        if assessment.factors:
            factors = ET.SubElement(module, "FactorsIdentifiedAtAssessment")
            for code in assessment.factors:
                _add(factors, "AssessmentFactors", code)
    enquiry = found.section47
    if enquiry is not None:
        _module(details, "Section47", rows, mine, (
            ("S47ActualStartDate", enquiry.started_on), ("InitialCPCtarget", enquiry.initial_cpc_target),
            ("DateOfInitialCPC", enquiry.initial_cpc_on), ("ICPCnotRequired", "1" if enquiry.icpc_not_required else "0")))
    plan = found.plan
    if plan is not None:
        module = _module(details, "ChildProtectionPlans", rows, mine, (
            ("CPPstartDate", plan.started_on), ("CPPendDate", plan.ended_on),
            ("InitialCategoryOfAbuse", plan.initial_category), ("LatestCategoryOfAbuse", plan.latest_category),
            ("NumberOfPreviousCPP", str(found.previous_plans))))
        if plan.reviews:
            # DfE's layout: one Reviews module holding each review's date.
            reviews = ET.SubElement(module, "Reviews")
            for review in plan.reviews:
                _add(reviews, "CPPreviewDate", review)
            rows["Reviews"].append(mine)


def _module(parent: ET.Element, name: str, rows, journeys: tuple[str, ...], fields) -> ET.Element:
    """A module of (element, value) fields, noted as the next row of the validator's table."""
    module = ET.SubElement(parent, name)
    for element, value in fields:
        _add(module, element, value)
    rows[name].append(journeys)
    return module


def _add(parent: ET.Element, name: str, value) -> None:
    """An element with its text; nothing for a value not known (DfE's rules tell a missing
    element from an empty one, and ask for what is missing by name)."""
    if value is None:
        return
    ET.SubElement(parent, name).text = value.isoformat() if isinstance(value, date) else str(value)


COMPANION_COLUMNS = ("LAchildID", "journey_id", "CPPstartDate", "CPPendDate", "roth", "pathways", "latest_pathway")


def companion_csv(episodes: list[Episode]) -> str:
    """The local companion file: every plan in the return with the ROTH mark DfE's return
    cannot carry (roth: yes when the plan was on the ROTH pathway at any time; pathways in
    order, e.g. roth>cp; latest_pathway as at the year end)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COMPANION_COLUMNS)
    for found in episodes:
        plan = found.plan
        if plan is None:
            continue
        writer.writerow(csv_row([found.child_id, found.journey_id, plan.started_on.isoformat(),
                                 plan.ended_on.isoformat() if plan.ended_on else "", "yes" if plan.roth else "no",
                                 ">".join(plan.pathways), plan.pathways[-1]]))
    return out.getvalue()
