"""The CIN census return's use cases (reports/cin_census.py): the return for a collection year,
and its readiness by DfE's own rules, for the API, the dashboard and the CLI.

The return hands over every young person's identifiers and history in it, so each journey
in it is recorded in the access log before anything is handed over.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from domain.calendar import WorkingDayCalendar
from reports import cin_census, cin_readiness
from services import access
from services.access import Reader
from services.clock import now
from store.events import EventStore
from store.report_queries import ReportQueries

CIN_CENSUS = "cin_census"  # the access log's code for a journey in a return, its companion or its readiness


def census_return(store: EventStore, reader: Reader, year: cin_census.CollectionYear, calendar: WorkingDayCalendar):
    """(the year's episodes, the return as DfE's XML, its rows) for the reader's LA, each
    journey in it recorded as read."""
    found, xml, rows = census_unrecorded(store, reader.who.local_authority, year, calendar)
    record_census(store, reader, found)
    return found, xml, rows


def census_unrecorded(store: EventStore, local_authority: str, year: cin_census.CollectionYear,
                      calendar: WorkingDayCalendar):
    """The return, not yet recorded: for an edge that records it itself, with
    `record_census`, before handing it over (the CLI, which says which step failed)."""
    found = cin_census.census_episodes(ReportQueries(store.engine), local_authority, year, calendar)
    xml, rows = cin_census.to_xml(found, local_authority, year, now())
    return found, xml, rows


def record_census(store: EventStore, reader: Reader, found) -> None:
    access.record(store, reader, CIN_CENSUS, [x.journey_id for x in found])


def checked(xml: bytes, rows, ruleset: str, validator_python: Path) -> list:
    """The return's findings by DfE's rules `ruleset`, each traced to its journeys. Raises
    CinValidatorError."""
    return cin_readiness.readiness(cin_readiness.check_return(xml, ruleset, validator_python), rows)


def readiness(store: EventStore, reader: Reader, year: cin_census.CollectionYear, ruleset: str,
              calendar: WorkingDayCalendar, validator_python: Path) -> dict:
    """The year's return checked with `ruleset` (the API's and the dashboard's readiness):
    each journey in it recorded in the access log first. Raises CinValidatorError."""
    _, xml, rows = census_return(store, reader, year, calendar)
    findings = checked(xml, rows, ruleset, validator_python)
    return {"year": year.label, "ruleset": ruleset, **cin_readiness.summary(findings),
            "findings": [asdict(f) for f in findings]}
