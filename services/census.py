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

CIN_CENSUS = "cin_census"  # the access log's code for a journey in a return, its companion or its readiness


def census_return(store: EventStore, reader: Reader, year: cin_census.CollectionYear, calendar: WorkingDayCalendar):
    """(the year's episodes, the return as DfE's XML, its rows) for the reader's LA, each
    journey in it recorded as read."""
    la = reader.who.local_authority
    found = cin_census.census_episodes(store.engine, la, year, calendar)
    xml, rows = cin_census.to_xml(found, la, year, now())
    access.record(store, reader, CIN_CENSUS, [x.journey_id for x in found])
    return found, xml, rows


def readiness(store: EventStore, reader: Reader, year: cin_census.CollectionYear, ruleset: str,
              calendar: WorkingDayCalendar, validator_python: Path) -> dict:
    """The year's return checked with `ruleset` (the API's and the dashboard's readiness):
    each journey in it recorded in the access log first. Raises CinValidatorError."""
    _, xml, rows = census_return(store, reader, year, calendar)
    findings = cin_readiness.readiness(cin_readiness.check_return(xml, ruleset, validator_python), rows)
    return {"year": year.label, "ruleset": ruleset, **cin_readiness.summary(findings),
            "findings": [asdict(f) for f in findings]}
