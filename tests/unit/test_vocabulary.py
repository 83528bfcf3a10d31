"""domain/vocabulary.py: one name for each code, whoever shows it (the dashboard, the timeline,
the command line, the reports)."""

from __future__ import annotations

from datetime import date

from domain import contexts, model, plans, vocabulary as v, weighting
from domain.ages import ADULT, AGE_BANDS


def test_plain_words_for_the_journeys_codes():
    assert v.pathway("roth") == "ROTH (harm outside the home)"
    assert v.pathway("cp", short=True) == "Child protection"
    assert v.pathway(None) == "Not decided yet"
    assert v.stage("section_47") == "Section 47 enquiry"
    assert v.deadline("initial_conference") == "Initial conference"
    assert v.category("sexual") == "Sexual abuse"
    assert v.closure_reason("transferred_out") == "Moved to another local authority"
    assert v.sentence("held 2 March 2026") == "Held 2 March 2026"


def test_stages_in_the_order_a_young_person_moves_through_them():
    assert v.STAGE_ORDER == (model.REFERRAL, model.SECTION_47, model.PLAN, model.CLOSED)
    assert v.OPEN_STAGES == (model.REFERRAL, model.SECTION_47, model.PLAN)
    assert sorted(["closed", "plan", "a_later_stage", "referral"], key=v.stage_rank) == [
        "referral", "plan", "closed", "a_later_stage"]


def test_one_wording_for_a_step_down():
    assert [v.step_down(code) for code in model.STEP_DOWNS] == ["child in need", "early help", "no step down"]
    assert v.steps_down("early_help") == "steps down to early help"
    assert v.steps_down("none") == v.steps_down(None) == "no step down"


def test_plain_words_for_roth_practice():
    assert v.context_kind("public_place") == "Public place"
    assert v.weighted_at("initial_conference") == "At the initial conference"
    assert v.transfer_prompt("cp") == "Consider transfer to CP"
    assert v.transfer_prompt("roth") == "Consider transfer to ROTH"
    assert v.influential_side("family") == "Home and family"
    assert v.plan_heading("guardianship") == "Guardianship in contexts outside the home"
    assert v.need("education_access") == "Access to education"
    assert v.plan_finding("voices_not_recorded").startswith("The conference recorded no views")
    assert v.consent_scope(["education", "health", "police"]) == "education, health and police"


def test_every_code_the_domain_can_produce_has_words_of_its_own():
    assert set(model.PATHWAYS) == set(v.PATHWAYS) == set(v.PATHWAYS_SHORT) == set(v.PATHWAY_ABBREVIATIONS)
    assert set(model.CATEGORIES) <= set(v.CATEGORIES)
    assert set(model.STRATEGY_OUTCOMES) <= set(v.STRATEGY_OUTCOMES)
    assert set(model.REVIEW_DECISIONS) <= set(v.REVIEW_DECISIONS)
    closures = set(model.CLOSE_REASONS) | {"no_plan", "plan_ended", "eighteenth_birthday"} | (
        set(model.STRATEGY_OUTCOMES) - {"s47_roth", "s47_cp"})
    assert closures <= set(v.CLOSURE_REASONS)
    deadline_kinds = {model.INITIAL_CONFERENCE, model.FIRST_CORE_GROUP, model.CORE_GROUP, model.REVIEW_CONFERENCE,
                      model.VISIT, model.EIGHTEENTH_BIRTHDAY}
    assert deadline_kinds <= set(v.DEADLINES)
    assert set(weighting.CONTEXT_KINDS) <= set(v.CONTEXT_KINDS) and set(weighting.WEIGHTED_AT) <= set(v.WEIGHTED_AT)
    assert set(plans.HEADINGS) == set(v.PLAN_HEADINGS) == set(v.PLAN_HEADING_ORDER)
    assert set(plans.NEEDS) <= set(v.NEEDS)
    assert set(model.CONSENT_SCOPES) <= set(v.CONSENT_SCOPES) and set(model.PARTICIPANTS) <= set(v.PARTICIPANTS)
    assert set(model.MEETINGS) <= set(v.MEETINGS) and set(model.CONSENT_DECISIONS) <= set(v.CONSENT_DECISIONS)
    assert set(contexts.ACTION_KINDS) <= set(v.CONTEXT_ACTION_KINDS)
    assert set(contexts.CLOSE_REASONS) <= set(v.CONTEXT_CLOSE_REASONS)
    assert set(model.HARM_TYPES) <= set(v.HARM_TYPES)
    assert set(AGE_BANDS) | {ADULT} == set(v.AGE_BANDS)
    assert set(model.SEXES) == set(v.SEXES) and set(model.ETHNICITIES) == set(v.ETHNICITIES)
    findings = {value for key, value in vars(plans).items() if key.isupper() and isinstance(value, str)
                and value.endswith(("_goal", "_action", "_date", "_targeted", "_recorded", "_outcome"))}
    assert findings and findings == set(v.PLAN_FINDINGS)


def test_a_code_no_table_names_is_spelt_out_not_dropped():
    assert v.stage("awaiting_panel") == "Awaiting panel"
    assert v.spelt_out("CaseNoteAdded") == "Case note added"
    assert v.name({}, None) == ""


def test_names_inside_a_sentence_keep_their_acronyms():
    assert v.in_a_sentence("Access to education") == "access to education"
    assert v.in_a_sentence("ASD, SEND or mental health assessment and support").startswith("ASD")
    assert v.in_a_sentence("ROTH") == "ROTH"


def test_dates_are_written_the_uk_way_whatever_the_locale():
    assert v.uk_date(date(2026, 3, 24)) == "24 March 2026"
    assert v.uk_date(date(2026, 3, 24), weekday=True) == "Tuesday 24 March 2026"
