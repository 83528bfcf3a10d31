"""Return readiness: DfE's rule findings on a generated CIN census return, traced back to the
journeys that caused them, for managers to work through before the census window.

    findings = readiness(result, rows)   # result: reports/cin_validation.py; rows: cin_census.to_xml's RowMap

Each finding names the rule (code, DfE's message, error or query), where it bit (the
validator's table and columns), the young person's LAchildID and the journeys to put right,
with what to send to put it right where the fix is a command of this service. Errors stop the
return being accepted; queries must be answered or explained in the census window.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from reports.cin_validation import validate

# What puts a rule's finding right, for the rules missing or inconsistent records trip.
_FIXES = {
    "8866": "Record who made the referral: record_census_details with referral_source.",
    "8610": "Record the primary need: record_census_details with primary_need.",
    "8650": "Record the primary need: record_census_details with primary_need.",
    "8540": "Record the young person's disabilities (NONE if none): record_census_details with disabilities.",
    "1510": "Check the UPN against the school's records and record it again: record_census_details with upn.",
    "8897Q": "Record the factors the completed assessment found: record_assessment with factors.",
    "8825Q": "Record the assessment behind the closure: record_assessment with its dates and factors.",
    "8565": "A date on the episode falls after its closure: correct the date, or the closure.",
}
ERROR = "error"


@dataclass(frozen=True)
class Finding:
    rule_code: str
    message: str
    severity: str  # "error" or "query"
    table: str | None
    columns: tuple[str, ...]
    child_id: str | None
    journey_ids: tuple[str, ...]
    fix: str | None


def readiness(result, rows) -> list[Finding]:
    """Every failure of `result` (reports/cin_validation.py's findings on the return `rows`
    was made with) with the journeys it traces to: errors first, then by young person and
    rule; the return-level ones, which no single journey caused, last."""
    found = []
    for failure in result.failures:
        journeys = () if failure.table is None else rows.journeys(failure.table, failure.row, failure.la_child_id)
        found.append(Finding(failure.rule_code, failure.message, failure.severity, failure.table, tuple(failure.columns),
                             failure.la_child_id, journeys, _FIXES.get(failure.rule_code)))
    for broken in result.rule_exceptions:
        found += _unchecked(broken, rows)
    found.sort(key=lambda f: (f.table is None, f.severity != ERROR, f.child_id or "", f.rule_code, f.table or ""))
    return found


def _unchecked(broken, rows) -> list[Finding]:
    """A rule the validator could not complete is not a pass: what it found but could not
    place is traced like a failure; a rule that crashed is listed for the return as a whole."""
    message = broken.message or f"DfE's rule {broken.rule_code}"
    severity = broken.severity or ERROR
    if broken.rows:
        return [Finding(broken.rule_code, message, severity, broken.table, (), child_id,
                        rows.journeys(broken.table, row, child_id), _FIXES.get(broken.rule_code))
                for row, child_id in zip(broken.rows, broken.la_child_ids)]
    return [Finding(broken.rule_code, f"{message} (the validator could not run this rule: {broken.exception})",
                    severity, None, (), None, (), None)]


def summary(findings: list[Finding]) -> dict:
    """Counts for the top of the report: errors, queries, and the journeys with either."""
    return {
        "errors": sum(1 for f in findings if f.severity == ERROR),
        "queries": sum(1 for f in findings if f.severity != ERROR),
        "journeys_to_fix": len({j for f in findings for j in f.journey_ids}),
        "ready": not any(f.severity == ERROR for f in findings),
    }


def check_return(xml: bytes, ruleset: str, python=None):
    """DfE's rules on a return held in memory (the validator reads a file)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "return.xml"
        path.write_bytes(xml)
        return validate(path, ruleset, python=python)
