"""A ROTH plan under the three headings of the seed report, and the plan quality check.

The learning report asks that plans meet young people's needs and build safety in the
contexts where harm happens, not only change a young person's behaviour, and that partners
organise their responses under three headings: the young person's needs, guardianship in
extra-familial contexts, and environmental factors. A plan here is those headings' goals,
each with actions (who does what by when, aimed at the young person, the family or a named
context) and an outcome (how progress will be known).

`check_plan` is the quality check a chair sees whenever a plan changes: pure, so that the
workflow, the journey page and the KPIs all judge a plan the same way. Each finding has a
stable code and a sentence a chair can act on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain import vocabulary
from domain.weighting import WeightedContext

# The three headings (seed report: "From welfare-orientated intentions to welfare-orientated actions").
NEEDS_HEADING = "needs"
GUARDIANSHIP = "guardianship"
ENVIRONMENT = "environment"
HEADINGS = (NEEDS_HEADING, GUARDIANSHIP, ENVIRONMENT)

# The needs the report found young people on ROTH plans most often had ("Needs").
NEEDS = (
    "education_access",
    "assessment_and_support",  # ASD, SEND or mental health assessment and support
    "physical_safety",  # in public places and in education
    "substance_use",
    "poverty",  # support with the impact of poverty
    "other",
)

# Whom or what an action is aimed at: the young person, the family, or a context by its id.
YOUNG_PERSON = "young_person"
FAMILY = "family"

# Voices a ROTH conference records (Six Cs: Collaboration).
YOUNG_PERSONS_VIEWS = "young_person"
PARENTS_VIEWS = "parent_carer"

# Finding codes.
NEED_WITHOUT_GOAL = "need_without_goal"
GOAL_WITHOUT_ACTION = "goal_without_action"
ACTION_WITHOUT_OWNER_OR_DATE = "action_without_owner_or_date"
HARM_CONTEXT_WITHOUT_ACTION = "harm_context_without_action"
ONLY_BEHAVIOUR_TARGETED = "only_behaviour_targeted"
VOICES_NOT_RECORDED = "voices_not_recorded"
GOAL_WITHOUT_OUTCOME = "goal_without_outcome"


@dataclass(frozen=True)
class Action:
    description: str
    owner: str | None  # the organisation that will do it
    due_on: date | None
    targets: tuple[str, ...]  # YOUNG_PERSON, FAMILY and/or context ids


@dataclass(frozen=True)
class Goal:
    goal_id: str
    heading: str  # one of HEADINGS
    description: str
    need: str | None  # under the needs heading: the need it meets (one of NEEDS)
    actions: tuple[Action, ...]
    outcome: str | None  # how progress will be known


@dataclass(frozen=True)
class Plan:
    needs: tuple[str, ...]  # the needs the assessment identified (NEEDS)
    goals: tuple[Goal, ...]


@dataclass(frozen=True)
class PlanVersion:
    """A plan as a conference or core group made it: plans are versioned by those meetings."""

    version: int
    made_on: date
    made_at: str  # initial_conference, review_conference or core_group
    plan: Plan


@dataclass(frozen=True)
class Finding:
    code: str
    message: str


def check_plan(
    plan: Plan, contexts: tuple[WeightedContext, ...] = (), views_recorded: frozenset[str] | None = None,
) -> tuple[Finding, ...]:
    """What a chair should put right in `plan`, in a stable order (empty if nothing).

    `contexts` is the journey's latest context weighting; `views_recorded` the voices the
    ROTH conference that made or reviewed the plan recorded (None when the plan was not
    made at a ROTH conference, such as at a core group)."""
    findings: list[Finding] = []
    met = {goal.need for goal in plan.goals if goal.heading == NEEDS_HEADING}
    for need in plan.needs:
        if need not in met:
            findings.append(Finding(NEED_WITHOUT_GOAL, f"No goal meets the need for {_need(need)}: "
                                                       "add a goal under the needs heading."))
    for goal in plan.goals:
        if not goal.actions:
            findings.append(Finding(GOAL_WITHOUT_ACTION, f"Goal '{goal.description}' has no action: "
                                                         "say who will do what to reach it."))
        for action in goal.actions:
            missing = [word for word, value in (("owner", action.owner), ("due date", action.due_on)) if not value]
            if missing:
                findings.append(Finding(ACTION_WITHOUT_OWNER_OR_DATE,
                                        f"Action '{action.description}' has no {' or '.join(missing)}: "
                                        "name who will do it and by when."))
        if not goal.outcome:
            findings.append(Finding(GOAL_WITHOUT_OUTCOME, f"Goal '{goal.description}' has no outcome: "
                                                          "say how progress towards it will be known."))
    actions = [action for goal in plan.goals for action in goal.actions]
    aimed_at = {target for action in actions for target in action.targets}
    for context in contexts:
        if context.harm and context.context_id not in aimed_at:
            findings.append(Finding(HARM_CONTEXT_WITHOUT_ACTION,
                                    f"{context.name} is a place of harm but no action is aimed at it: "
                                    "plan guardianship or environmental change there."))
    if actions and all(set(action.targets) <= {YOUNG_PERSON} for action in actions):
        findings.append(Finding(ONLY_BEHAVIOUR_TARGETED,
                                "Every action is aimed at the young person: add actions that build safety "
                                "in the contexts where harm happens, or support the family."))
    if views_recorded is not None:
        missing_voices = [name for voice, name in ((YOUNG_PERSONS_VIEWS, "the young person"),
                                                   (PARENTS_VIEWS, "the parents or carers"))
                          if voice not in views_recorded]
        if missing_voices:
            findings.append(Finding(VOICES_NOT_RECORDED,
                                    f"The conference recorded no views from {' or '.join(missing_voices)}: "
                                    "record what they said, or why they could not take part."))
    return tuple(findings)


def _need(code: str) -> str:
    return vocabulary.in_a_sentence(vocabulary.NEEDS.get(code, code))
