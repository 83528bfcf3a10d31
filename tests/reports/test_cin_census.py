"""The CIN census return (issue 7): journeys as CIN episodes, the XML and its companion file,
checked against hand-worked expectations and then by DfE's own rules (cin2025_26 and
cin2026_27, through the validator in its own environment), with injected faults traced
back to the journeys that caused them.

Pure episode tests use the rules' fold; the return tests record a generated population in
a real store on SQLite and PostgreSQL (tests/reports/census_population.py).
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date, datetime

import pytest

from census_population import PRACTITIONER, Journey, _id, population, record
from domain import commands as c
from domain.calendar import WorkingDayCalendar
from domain.census import CensusDetails
from domain.census_episode import episode
from domain.decider import decide, evolve, initial_state
from store.report_queries import ReportQueries
from reports.cin_census import census_episodes, collection_year, companion_csv, to_xml
from reports.cin_readiness import readiness, summary
from reports.cin_validation import validate
from support import close, conference, review, start, strategy

CALENDAR = WorkingDayCalendar()
YEAR = collection_year("2025-26")
LA = "909"  # the population's own LA: other suites' journeys are LA 873's
TODAY = date(2026, 11, 20)
GENERATED = datetime(2026, 4, 15, 9, 0)


def events_of(commands, today=TODAY):
    state, events = initial_state(), []
    for command in commands:
        new = decide(state, command, today, CALENDAR)
        for event in new:
            state = evolve(state, event)
        events += new
    return events


def as_episode(commands, year=YEAR, details=CensusDetails()):
    return episode("j-1", events_of(commands), details, year.start, year.end, CALENDAR)


# --- the collection year ------------------------------------------------------------------

def test_a_collection_year_runs_from_april_to_march_and_names_its_rules():
    assert (YEAR.start, YEAR.end, YEAR.ruleset) == (date(2025, 4, 1), date(2026, 3, 31), "cin2025_26")
    for wrong in ("2025-27", "2025", "25-26", "2025/26", ""):
        with pytest.raises(ValueError, match="like 2025-26"):
            collection_year(wrong)


# --- episodes, by hand --------------------------------------------------------------------

def test_a_plan_with_several_categories_reviewed_to_one_is_mul_then_that_one():
    referral, sd, icpc = date(2025, 5, 1), date(2025, 5, 2), date(2025, 5, 22)
    found = as_episode([start(referral), strategy(sd, "s47_cp"), conference(icpc, ("emotional", "neglect")),
                        review(date(2025, 8, 14), "continue", ("neglect",)), review(date(2025, 11, 13))])
    assert found.section47.started_on == sd
    assert found.section47.initial_cpc_on == icpc and not found.section47.icpc_not_required
    plan = found.plan
    assert (plan.started_on, plan.ended_on, plan.initial_category, plan.latest_category) == (icpc, None, "MUL", "NEG")
    assert plan.reviews == (date(2025, 8, 14), date(2025, 11, 13)) and plan.pathways == ("cp",) and not plan.roth
    assert (found.closed_on, found.reason_for_closure) == (None, None)


def test_the_initial_cpc_target_is_15_working_days_after_the_enquiry_started():
    # Fri 2 May 2025 + 15 working days, past the bank holidays of Mon 5 and Mon 26 May: Tue 27 May.
    found = as_episode([start(date(2025, 5, 1)), strategy(date(2025, 5, 2), "s47_cp")])
    assert found.section47.initial_cpc_target == date(2025, 5, 27)
    assert found.section47.initial_cpc_on is None and not found.section47.icpc_not_required  # still open


@pytest.mark.parametrize("ending, closed, reason", [
    ([close(date(2025, 6, 2), "transferred_out")], date(2025, 6, 2), "RC5"),
    ([close(date(2025, 6, 2), "died")], date(2025, 6, 2), "RC2"),
    ([close(date(2025, 6, 2), "moved_to_adult_services")], date(2025, 6, 2), "RC6"),
    ([close(date(2025, 6, 2), "looked_after")], None, None),  # looked-after children stay children in need
    ([close(date(2025, 6, 2), "other")], date(2025, 6, 2), "RC7"),
])
def test_closures_in_the_enquiry_give_dfe_reasons_and_icpc_not_required(ending, closed, reason):
    found = as_episode([start(date(2025, 5, 1)), strategy(date(2025, 5, 2), "s47_roth"), *ending])
    assert (found.closed_on, found.reason_for_closure) == (closed, reason)
    assert found.section47.icpc_not_required and found.plan is None


@pytest.mark.parametrize("outcome, closed, reason", [
    ("no_further_action", date(2025, 5, 2), "RC8"),
    ("early_help", date(2025, 5, 2), "RC9"),
    ("child_in_need", None, None),
])
def test_a_strategy_discussion_with_no_enquiry_closes_after_assessment(outcome, closed, reason):
    found = as_episode([start(date(2025, 5, 1)), strategy(date(2025, 5, 2), outcome)])
    assert found.section47 is None and (found.closed_on, found.reason_for_closure) == (closed, reason)


def test_a_plan_that_ends_closes_the_episode_unless_it_steps_down_to_child_in_need():
    base = [start(date(2025, 5, 1)), strategy(date(2025, 5, 2), "s47_cp"), conference(date(2025, 5, 22))]
    ended = as_episode([*base, review(date(2025, 8, 14), "end_plan", step_down="early_help")])
    assert ended.plan.ended_on == date(2025, 8, 14) and (ended.closed_on, ended.reason_for_closure) == (date(2025, 8, 14), "RC7")
    cin = as_episode([*base, review(date(2025, 8, 14), "end_plan", step_down="child_in_need")])
    assert cin.plan.ended_on == date(2025, 8, 14) and cin.closed_on is None


def test_an_episode_carried_over_returns_only_the_years_activity():
    referral, icpc = date(2024, 11, 4), date(2024, 11, 25)
    assessed = c.RecordAssessment(_id(), PRACTITIONER, referral, date(2024, 11, 20), ("2A",))
    commands = [start(referral), strategy(date(2024, 11, 5), "s47_cp"), assessed, conference(icpc),
                review(date(2025, 2, 20)), review(date(2025, 8, 14))]
    found = as_episode(commands)
    assert found.section47 is None and found.assessments == ()  # both fell in the year before
    assert found.plan.started_on == icpc and found.plan.reviews == (date(2025, 8, 14),)
    # A later year sees an assessment completed after its end as still going on, factors not yet found.
    late = c.RecordAssessment(_id(), PRACTITIONER, date(2026, 3, 2), date(2026, 4, 20), ("11A",))
    found = as_episode([start(date(2026, 2, 2)), strategy(date(2026, 2, 3), "s47_cp"), late])
    assert [(a.started_on, a.authorised_on, a.factors) for a in found.assessments] == [(date(2026, 3, 2), None, ())]


def test_a_transfer_keeps_one_plan_marked_roth_in_the_companion():
    base = [start(date(2025, 5, 1)), strategy(date(2025, 5, 2), "s47_cp"), conference(date(2025, 5, 22), ("physical",))]
    found = as_episode([*base, review(date(2025, 8, 14), "transfer_to_roth", ("emotional",))], details=CensusDetails())
    assert found.plan.pathways == ("cp", "roth") and found.plan.roth
    assert (found.plan.initial_category, found.plan.latest_category) == ("PHY", "EMO")


# --- the return from a store -------------------------------------------------------------

@pytest.fixture
def recorded(event_store):
    journeys = population(LA, CALENDAR)
    ids = record(event_store, LA, journeys, CALENDAR, TODAY)
    return event_store, journeys, ids


def _return(store, year=YEAR):
    found = census_episodes(ReportQueries(store.engine), LA, year, CALENDAR)
    xml, rows = to_xml(found, LA, year, GENERATED)
    return found, xml, rows


def test_the_return_holds_each_young_person_once_with_an_episode_per_journey(recorded, tmp_path):
    store, journeys, ids = recorded
    found, xml, rows = _return(store)
    root = ET.fromstring(xml)
    assert root.findtext("Header/CollectionDetails/ReferenceDate") == "2026-03-31"
    assert root.findtext("Header/Source/LEA") == LA
    children = root.findall("Children/Child")
    in_year = [(j, i) for j, i in zip(journeys, ids) if j.referral <= YEAR.end and j.referral >= date(2025, 1, 1)]
    assert len(found) == len(in_year)  # the 2024 journey's plan ended before the year
    assert len(children) == len({j.child_id for j, _ in in_year})
    # The young person with a plan the year before: one previous plan.
    repeat = journeys[0].child_id
    [child] = [x for x in children if x.findtext("ChildIdentifiers/LAchildID") == repeat]
    assert child.findtext("CINdetails/ChildProtectionPlans/NumberOfPreviousCPP") == "1"
    # Every category code is DfE's; several categories became MUL.
    categories = Counter(x.text for x in root.iter("InitialCategoryOfAbuse"))
    assert set(categories) <= {"NEG", "PHY", "EMO", "SAB", "MUL"} and categories["MUL"] >= 2
    # The companion file keeps the ROTH mark for every plan in the return.
    companion = list(csv.DictReader(io.StringIO(companion_csv(found))))
    planned = {x.journey_id: x for x in found if x.plan is not None}
    assert {r["journey_id"] for r in companion} == set(planned)
    for r in companion:
        assert r["roth"] == ("yes" if "roth" in planned[r["journey_id"]].plan.pathways else "no")
    assert {"roth>cp", "cp>roth"} <= {r["pathways"] for r in companion}
    # Each table row traces to its journey.
    assert rows.rows["CINdetails"] == [(x.journey_id,) for x in found]


@pytest.mark.parametrize("ruleset", ["cin2025_26", "cin2026_27"])
def test_the_generated_population_passes_dfe_rules_with_nothing_to_fix(recorded, tmp_path, ruleset):
    store, _, _ = recorded
    found, xml, rows = _return(store)
    path = tmp_path / "return.xml"
    path.write_bytes(xml)
    result = validate(path, ruleset)
    assert result.failures == () and result.rule_exceptions == () and result.rules_run > 100
    assert summary(readiness(result, rows))["ready"] is True


def test_injected_faults_are_traced_to_the_journeys_that_caused_them(recorded, tmp_path):
    store, _, _ = recorded
    referral = date(2025, 9, 1)
    # No referral source, no primary need, no disability recorded: the record was never completed.
    incomplete = Journey("FAULT0001", date(2011, 3, 3), referral)
    incomplete.send(referral, c.RecordCensusDetails(_id(), PRACTITIONER, upn_unknown="UN5"))
    incomplete.send(date(2025, 9, 2), c.RecordStrategyDiscussion(_id(), PRACTITIONER, date(2025, 9, 2), "s47_cp"))
    # Closed with no further action at the discussion, with no assessment behind it (RC8).
    unassessed = Journey("FAULT0002", date(2012, 4, 4), referral)
    unassessed.send(referral, c.RecordCensusDetails(_id(), PRACTITIONER, upn_unknown="UN5", referral_source="6",
                                                    primary_need="N1", disabilities=("NONE",)))
    unassessed.send(date(2025, 9, 2), c.RecordStrategyDiscussion(_id(), PRACTITIONER, date(2025, 9, 2), "no_further_action"))
    incomplete_id, unassessed_id = record(store, LA, [incomplete, unassessed], CALENDAR, TODAY)
    found, xml, rows = _return(store)
    path = tmp_path / "return.xml"
    path.write_bytes(xml)
    findings = readiness(validate(path, "cin2025_26"), rows)
    by_rule = {}
    for finding in findings:
        by_rule.setdefault(finding.rule_code, set()).update(finding.journey_ids)
    assert by_rule["8866"] == {incomplete_id}  # referral source
    assert incomplete_id in by_rule.get("8650", set()) | by_rule.get("8610", set())  # primary need
    assert by_rule["8825Q"] == {unassessed_id}  # RC8 with no assessment
    assert by_rule["8540"] == {incomplete_id}  # no disability recorded: found by a rule the validator cannot place
    assert {j for f in findings for j in f.journey_ids} <= {incomplete_id, unassessed_id}
    fix = next(f for f in findings if f.rule_code == "8866")
    assert fix.severity == "error" and "referral_source" in fix.fix and fix.child_id == "FAULT0001"
    assert summary(findings)["ready"] is False and summary(findings)["journeys_to_fix"] == 2
