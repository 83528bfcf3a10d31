"""What the CIN census asks that a journey records: census details (UPN, disabilities, referral
source, primary need) and assessments with their factor codes. Every refusal code.

Dates as in test_decider: referral Mon 2 Mar 2026, strategy discussion Tue 3 Mar.
"""

from datetime import date

import pytest

from domain import events as e
from domain.census import CensusDetails, upn_problem
from domain.codec import from_data, to_data
from domain.commands import RecordAssessment, RecordCensusDetails, parse_command
from domain.decider import decide, evolve
from domain.errors import DomainError
from domain.model import JourneyState
from domain.views import journey_view
from support import CALENDAR, PRACTITIONER, cid, close, run, start, strategy

TODAY = date(2026, 11, 20)
REFERRAL_ON = date(2026, 3, 2)
SD_ON = date(2026, 3, 3)
VALID_UPN = "A950000178301"  # DfE's own example of a valid check letter


def in_s47():
    return run([start(REFERRAL_ON), strategy(SD_ON)], TODAY)[0]


def details(**fields) -> RecordCensusDetails:
    return RecordCensusDetails(cid(), PRACTITIONER, **fields)


def assessment(started_on=SD_ON, authorised_on=None, factors=()) -> RecordAssessment:
    return RecordAssessment(cid(), PRACTITIONER, started_on, authorised_on, tuple(factors))


def refused(state, command, today=TODAY) -> str:
    with pytest.raises(DomainError) as raised:
        decide(state, command, today, CALENDAR)
    assert raised.value.message
    return raised.value.code


def test_upn_check_letter_as_dfe_computes_it():
    assert upn_problem(VALID_UPN) is None
    assert upn_problem("H243278544154") is None
    assert "should be Q" in upn_problem("R247962919251")  # a wrong check letter names the right one
    assert upn_problem("A95000017830") == "A UPN has 13 characters."
    assert upn_problem("A9500001783X1").startswith("Characters 2 to 12")
    assert upn_problem("A95000017830A") is None  # a temporary UPN: no check letter to check


def test_census_details_are_recorded_and_amended_field_by_field():
    state = in_s47()
    state, events = run([details(upn=VALID_UPN, disabilities=("NONE",), referral_source="6")], TODAY, state)
    assert events == [e.CensusDetailsRecorded(TODAY, VALID_UPN, None, ("NONE",), "6", None)]
    assert state.census == CensusDetails(VALID_UPN, None, ("NONE",), "6", None)
    # A later record changes only what it gives; a reason for no UPN replaces the UPN.
    state, _ = run([details(primary_need="N1", upn_unknown="UN5")], TODAY, state)
    assert state.census == CensusDetails(None, "UN5", ("NONE",), "6", "N1")
    state, _ = run([details(disabilities=("LD", "AUT"))], TODAY, state)
    assert state.census.disabilities == ("LD", "AUT") and state.census.referral_source == "6"
    view = journey_view(state, CALENDAR, TODAY)
    assert view["census"] == {"upn": None, "upn_unknown": "UN5", "disabilities": ["LD", "AUT"],
                              "referral_source": "6", "primary_need": "N1"}


@pytest.mark.parametrize("fields, code", [
    ({}, "invalid_value"),
    ({"upn": "R247962919251"}, "invalid_upn"),
    ({"upn": VALID_UPN, "upn_unknown": "UN1"}, "invalid_value"),
    ({"upn_unknown": "UN8"}, "invalid_value"),
    ({"disabilities": ("NONE", "LD")}, "invalid_value"),
    ({"disabilities": ("LD", "LD")}, "invalid_value"),
    ({"disabilities": ("BLIND",)}, "invalid_value"),
    ({"referral_source": "11"}, "invalid_value"),
    ({"primary_need": "N10"}, "invalid_value"),
])
def test_census_details_refusals(fields, code):
    assert refused(in_s47(), details(**fields)) == code


def test_an_assessment_is_started_then_authorised_with_its_factors():
    state = in_s47()
    state, [started] = run([assessment()], TODAY, state)
    assert started == e.AssessmentRecorded(SD_ON, None, ())
    done = assessment(authorised_on=date(2026, 4, 24), factors=("11A", "24A", "10A"))
    state, _ = run([done, assessment(started_on=date(2026, 6, 1))], TODAY, state)
    # The second record with the same start completed the first rather than adding one.
    assert [(a.started_on, a.authorised_on, a.factors) for a in state.assessments] == [
        (SD_ON, date(2026, 4, 24), ("11A", "24A", "10A")), (date(2026, 6, 1), None, ())]
    assert journey_view(state, CALENDAR, TODAY)["assessments"][0] == {
        "started_on": "2026-03-03", "authorised_on": "2026-04-24", "factors": ["11A", "24A", "10A"]}


@pytest.mark.parametrize("command, code", [
    (assessment(started_on=date(2026, 3, 1)), "date_before_previous_step"),  # before the referral
    (assessment(started_on=date(2026, 11, 21)), "date_in_future"),
    (assessment(authorised_on=date(2026, 3, 2), factors=("21",)), "date_before_previous_step"),
    (assessment(authorised_on=date(2026, 4, 24)), "factors_required"),
    (assessment(factors=("21", "11A")), "invalid_value"),
    (assessment(factors=("11A", "11A")), "invalid_value"),
    (assessment(factors=("99Z",)), "invalid_value"),
])
def test_assessment_refusals(command, code):
    assert refused(in_s47(), command) == code


def test_a_closed_journey_takes_no_census_details():
    state = run([close(date(2026, 3, 10))], TODAY, in_s47())[0]
    assert refused(state, details(primary_need="N1")) == "journey_closed"


def test_the_state_with_census_details_survives_its_codec_and_the_contract_parses_both_commands():
    state = run([details(upn=VALID_UPN, disabilities=("NONE",)), assessment(authorised_on=SD_ON, factors=("24A",))],
                TODAY, in_s47())[0]
    assert from_data(JourneyState, to_data(state)) == state
    parsed = parse_command({"type": "record_assessment", "command_id": "x", "actor": {"id": "sw", "role": "practitioner"},
                            "started_on": "2026-03-03", "factors": ["24A"]})
    assert parsed.factors == ("24A",) and parsed.started_on == SD_ON
    parsed = parse_command({"type": "record_census_details", "command_id": "y", "actor": {"id": "sw", "role": "practitioner"},
                            "disabilities": ["NONE"]})
    assert parsed.disabilities == ("NONE",) and parsed.upn is None
    assert evolve(state, e.CensusDetailsRecorded(TODAY, None, None, None, None, "N2")).census.primary_need == "N2"
