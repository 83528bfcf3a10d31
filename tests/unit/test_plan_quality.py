"""The plan quality check: the seed report's kind of plan passes; each defect alone is flagged alone."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from domain import plans as p
from domain.plans import Action, Goal, Plan, check_plan
from domain.weighting import WeightedContext

DUE = date(2026, 12, 4)

# A young person out of education, exposed to violence in a public place (the park, the town
# centre on the way to college), with a parent providing guardianship at home.
HOME = WeightedContext("home", "home_family", "Home", harm=False, safety=True, weight=4)
PARK = WeightedContext("park", "public_place", "The park by the station", harm=True, safety=False, weight=9)
TOWN = WeightedContext("town", "public_place", "The town centre bus route", harm=True, safety=False, weight=7)
CONTEXTS = (HOME, PARK, TOWN)
VOICES = frozenset({p.YOUNG_PERSONS_VIEWS, p.PARENTS_VIEWS})

SEED_PLAN = Plan(
    needs=("education_access", "physical_safety"),
    goals=(
        Goal("g1", p.NEEDS_HEADING, "Back in full-time education at a school where he feels safe", "education_access",
             (Action("Secure a school place outside the area he feels unsafe in", "Education service", DUE,
                     (p.YOUNG_PERSON,)),
              Action("Support his mother through the admissions process", "Children's social care", DUE, (p.FAMILY,))),
             "Attending full time, checked at each core group"),
        Goal("g2", p.NEEDS_HEADING, "Safe to travel to and from college", "physical_safety",
             (Action("Youth workers meet him on the bus route after college", "Youth service", DUE,
                     (p.YOUNG_PERSON, TOWN.context_id)),),
             "He says he feels safe on the route; no incidents reported"),
        Goal("g3", p.GUARDIANSHIP, "Trusted adults present in the park in the evenings", None,
             (Action("Detached youth work sessions in the park, three evenings a week", "Youth service", DUE,
                     (PARK.context_id,)),
              Action("Train the station staff to recognise and respond to exploitation", "Transport police", DUE,
                     (PARK.context_id,))),
             "Sessions running; staff trained"),
        Goal("g4", p.ENVIRONMENT, "The underpass by the park lit and overlooked", None,
             (Action("Raise lighting in the underpass at the community safety partnership", "Community safety", DUE,
                     (PARK.context_id,)),),
             "Lighting in place by the review"),
    ),
)


def codes(plan: Plan, contexts=CONTEXTS, views=VOICES) -> list[str]:
    return [finding.code for finding in check_plan(plan, contexts, views)]


def with_goal(plan: Plan, goal_id: str, **changes) -> Plan:
    return replace(plan, goals=tuple(replace(g, **changes) if g.goal_id == goal_id else g for g in plan.goals))


def with_first_action(plan: Plan, goal_id: str, **changes) -> Plan:
    goal = next(g for g in plan.goals if g.goal_id == goal_id)
    return with_goal(plan, goal_id, actions=(replace(goal.actions[0], **changes), *goal.actions[1:]))


def test_the_seed_reports_kind_of_plan_passes() -> None:
    assert check_plan(SEED_PLAN, CONTEXTS, VOICES) == ()
    assert check_plan(SEED_PLAN, CONTEXTS, None) == ()  # a core group: no conference voices to check


@pytest.mark.parametrize("defective, contexts, views, code", [
    (replace(SEED_PLAN, needs=SEED_PLAN.needs + ("substance_use",)), CONTEXTS, VOICES, p.NEED_WITHOUT_GOAL),
    (with_goal(SEED_PLAN, "g4", actions=()), CONTEXTS, VOICES, p.GOAL_WITHOUT_ACTION),
    (with_first_action(SEED_PLAN, "g1", owner=None), CONTEXTS, VOICES, p.ACTION_WITHOUT_OWNER_OR_DATE),
    (with_first_action(SEED_PLAN, "g1", due_on=None), CONTEXTS, VOICES, p.ACTION_WITHOUT_OWNER_OR_DATE),
    (SEED_PLAN, CONTEXTS + (WeightedContext("online", "online", "A group chat", harm=True, safety=False, weight=5),), VOICES,
     p.HARM_CONTEXT_WITHOUT_ACTION),
    (replace(SEED_PLAN, goals=tuple(replace(g, actions=tuple(replace(a, targets=(p.YOUNG_PERSON,)) for a in g.actions))
                                    for g in SEED_PLAN.goals)),
     (HOME,), VOICES, p.ONLY_BEHAVIOUR_TARGETED),
    (SEED_PLAN, CONTEXTS, frozenset({p.PARENTS_VIEWS}), p.VOICES_NOT_RECORDED),
    (SEED_PLAN, CONTEXTS, frozenset({p.YOUNG_PERSONS_VIEWS}), p.VOICES_NOT_RECORDED),
    (with_goal(SEED_PLAN, "g2", outcome=None), CONTEXTS, VOICES, p.GOAL_WITHOUT_OUTCOME),
], ids=["need", "goal-action", "action-owner", "action-date", "harm-context", "behaviour-only", "yp-voice",
        "parent-voice", "outcome"])
def test_each_defect_alone_is_flagged_alone(defective, contexts, views, code) -> None:
    assert codes(defective, contexts, views) == [code]


def test_findings_name_what_to_put_right() -> None:
    [need] = check_plan(replace(SEED_PLAN, needs=SEED_PLAN.needs + ("substance_use",)), CONTEXTS, VOICES)
    assert "substance use" in need.message
    # The need is named as the journey page names it (domain/vocabulary.py), acronyms kept.
    [named] = check_plan(replace(SEED_PLAN, needs=SEED_PLAN.needs + ("assessment_and_support",)), CONTEXTS, VOICES)
    assert "the need for ASD, SEND or mental health assessment and support:" in named.message
    [action] = check_plan(with_first_action(SEED_PLAN, "g1", owner=None, due_on=None), CONTEXTS, VOICES)
    assert "no owner or due date" in action.message and "Secure a school place" in action.message
    [context] = check_plan(SEED_PLAN, CONTEXTS + (WeightedContext("bus", "public_place", "The bus station", True, False, 6),), VOICES)
    assert context.message.startswith("The bus station is a place of harm")
    [voices] = check_plan(SEED_PLAN, CONTEXTS, frozenset())
    assert "the young person or the parents or carers" in voices.message


def test_a_harm_context_is_covered_by_an_action_aimed_at_it_under_any_heading() -> None:
    # The town centre is targeted only by the needs goal's action: that is enough.
    assert p.HARM_CONTEXT_WITHOUT_ACTION not in codes(SEED_PLAN)
    untargeted = with_goal(SEED_PLAN, "g2", actions=(replace(SEED_PLAN.goals[1].actions[0], targets=(p.YOUNG_PERSON,)),))
    assert codes(untargeted) == [p.HARM_CONTEXT_WITHOUT_ACTION]
