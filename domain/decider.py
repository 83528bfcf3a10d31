"""The journey decider: the rules, as two pure functions every consumer shares.

`decide(state, command, today, calendar)` returns the events a command produces or raises a
DomainError; `evolve(state, event)` folds one event into the state. The workflow, the read
models and the auditors' replay all use these two and nothing else.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from domain import commands as c
from domain import events as e
from domain.calendar import WorkingDayCalendar, birthday
from domain.deadlines import MISSED, Deadline, open_deadlines
from domain.errors import DomainError
from domain.model import (
    ADULTHOOD, CATEGORIES, CLOSE_REASONS, CLOSED, CONSENT_DECISIONS, CONSENT_SCOPES, CP, EIGHTEENTH_BIRTHDAY,
    ETHNICITIES, HARM_TYPES, INITIAL_CONFERENCE_DECISIONS, MEETINGS, NOT_STARTED, PARTICIPANTS, PLAN, REFERRAL,
    REVIEW_DECISIONS, ROTH, SECTION_47,
    SEXES, STEP_DOWNS, STRATEGY_OUTCOMES, CORE_GROUP, FIRST_CORE_GROUP, INITIAL_CONFERENCE, REVIEW_CONFERENCE,
    VISIT, Allocation, Consent, DeadlineKey, DeadlineRecord, Extension, JourneyState, Participation, Plan,
    initial_state,
)
from domain import census
from domain import plans as p
from domain import vocabulary
from domain.corrections import corrected, decide_correction
from domain.recordable import check_recordable
from domain.roles import CASEWORK, CHANGE_POLICY, EXTEND_DEADLINE, ROLES, may, records_nothing
from domain.weighting import (
    CONTEXT_KINDS, MAX_WEIGHT, WEIGHTED_AT, ContextWeighting, check_context_id, transfer_prompt,
)

__all__ = ["decide", "evolve", "fold", "initial_state"]

S47_PATHWAYS = {"s47_roth": ROTH, "s47_cp": CP}


def decide(
    state: JourneyState, command: c.Command, today: date, calendar: WorkingDayCalendar, *,
    check_values: bool = True,
) -> list[e.Event]:
    """The events `command` produces, or a DomainError. `check_values=False` leaves out the
    check of its texts and dates (domain/recordable.py): only for replaying a workflow run
    recorded before that check, whose accepted commands must be decided as they were."""
    handler = _DECIDERS.get(type(command))
    if handler is None:
        raise DomainError("unknown_command", f"{type(command).__name__} is not a journey command.")
    if check_values:
        check_recordable(command)
    _check_role(command)
    if not isinstance(command, c.StartJourney):
        if state.stage == NOT_STARTED:
            raise DomainError("journey_not_started", "This journey has not been started.")
        if state.closed:
            if isinstance(command, c.ObserveDay):
                return []
            raise DomainError(
                "journey_closed",
                f"This journey was closed on {vocabulary.uk_date(state.closed_on)}; nothing more can be recorded on it.",
            )
    return handler(state, command, today, calendar)


def evolve(state: JourneyState, event: e.Event) -> JourneyState:
    changes = _EVOLVERS[type(event)](state, event)
    return _changed(state, changes, state.version + 1)


def _changed(state: JourneyState, changes: dict, version: int) -> JourneyState:
    """A copy of `state` with `changes` and the new version.

    `dataclasses.replace` re-runs __init__ over all the state's fields and was most of the
    cost of a fold (every read of the log folds); the state is frozen and has no
    __post_init__, so copying its __dict__ builds the same value. The field names are the
    evolvers' own, checked by the tests that compare folds with the workflow's state.
    """
    new = object.__new__(JourneyState)
    fields = new.__dict__
    fields.update(state.__dict__)
    fields.update(changes)
    fields["version"] = version
    return new


def fold(events, state: JourneyState | None = None) -> JourneyState:
    state = state or initial_state()
    for event in events:
        state = evolve(state, event)
    return state


# --- refusals shared by several commands --------------------------------------------------

def _check_role(command) -> None:
    """Who may send what is domain/roles.py's table; the journey asks it of every command."""
    role = command.actor.role
    if role not in ROLES:
        raise DomainError("invalid_value", f"{role!r} is not a role.")
    if isinstance(command, c.ExtendDeadline) and not may(role, EXTEND_DEADLINE):
        raise DomainError("not_allowed_for_role", "Only a manager can approve a deadline extension.")
    if isinstance(command, c.ChangePolicy):
        if not may(role, CHANGE_POLICY):
            raise DomainError("not_allowed_for_role", "Only a manager, an administrator or the case system can change a journey's timescale policy.")
        return
    if not may(role, CASEWORK):
        raise DomainError("not_allowed_for_role", f"A {role} can read journeys but not record anything."
                          if records_nothing(role) else f"A {role} can read journeys but not record casework.")


def _check_date(occurred_on: date, today: date, not_before: date | None, step: str, previous: str) -> None:
    if occurred_on > today:
        raise DomainError(
            "date_in_future", f"The {step} date {vocabulary.uk_date(occurred_on)} is in the future."
        )
    if not_before is not None and occurred_on < not_before:
        raise DomainError(
            "date_before_previous_step",
            f"The {step} date {vocabulary.uk_date(occurred_on)} is before the {previous} on {vocabulary.uk_date(not_before)}.",
        )


def _check_choice(value, allowed, what: str) -> None:
    if value not in allowed:
        raise DomainError("invalid_value", f"{value!r} is not a valid {what}; expected one of {', '.join(allowed)}.")


def _check_categories(categories, pathway: str) -> None:
    if not categories:
        raise DomainError(
            "category_required",
            "A plan needs at least one category of harm (physical, emotional, sexual or neglect).",
        )
    for category in categories:
        _check_choice(category, CATEGORIES, "category of harm")
    if len(set(categories)) != len(categories):
        raise DomainError("invalid_value", "A category of harm is listed twice.")


def _require_plan(state: JourneyState, step: str) -> None:
    if state.stage != PLAN:
        if state.stage == REFERRAL:
            raise DomainError("strategy_discussion_required", f"A {step} needs a strategy discussion and an initial conference first.")
        raise DomainError("initial_conference_required", f"A {step} can only be recorded once an initial conference has made a plan.")


def _met(state, today, calendar, kinds, occurred_on) -> list[e.Event]:
    """DeadlineMet for the open deadline of one of `kinds` that this step fulfils."""
    for deadline in open_deadlines(state, state.policy, calendar, today):
        if deadline.kind in kinds:
            return [_deadline_met(deadline, occurred_on)]
    return []


def _deadline_met(deadline: Deadline, occurred_on: date) -> e.DeadlineMet:
    return e.DeadlineMet(
        occurred_on=occurred_on, kind=deadline.kind, due_on=deadline.due_on,
        original_due_on=deadline.original_due_on, on_time=occurred_on <= deadline.due_on,
    )


# --- one function per command -------------------------------------------------------------

def _start(state, cmd: c.StartJourney, today, calendar):
    if state.stage != NOT_STARTED:
        raise DomainError("journey_already_open", f"A journey is already open for this young person ({state.journey_id}).")
    person = cmd.young_person
    if not person.id or len(person.id) > 20:
        raise DomainError("invalid_value", "The young person's LA child id must be 1 to 20 characters.")
    _check_choice(person.sex, SEXES, "sex")
    _check_choice(person.ethnicity, ETHNICITIES, "ethnicity code")
    if person.date_of_birth > today:
        raise DomainError("date_in_future", "The date of birth is in the future.")
    _check_date(cmd.referral_date, today, person.date_of_birth, "referral", "date of birth")
    if cmd.referral_date >= birthday(person.date_of_birth, ADULTHOOD):
        raise DomainError(
            "young_person_too_old",
            "The young person was 18 or over on the referral date; adult services are responsible.",
        )
    return [e.JourneyStarted(cmd.referral_date, cmd.journey_id, cmd.local_authority, person, cmd.policy,
                             cmd.chairs_required)]


def _strategy_discussion(state, cmd: c.RecordStrategyDiscussion, today, calendar):
    _check_choice(cmd.outcome, STRATEGY_OUTCOMES, "strategy discussion outcome")
    if state.stage == PLAN:
        raise DomainError(
            "step_out_of_order",
            "A strategy discussion cannot be recorded while a plan is in place; record a review conference instead.",
        )
    _check_date(cmd.occurred_on, today, state.last_step_on, "strategy discussion", "previous step")
    for harm in cmd.harm_types:
        _check_choice(harm, HARM_TYPES, "type of harm")
    pathway = S47_PATHWAYS.get(cmd.outcome)
    held = e.StrategyDiscussionHeld(cmd.occurred_on, cmd.outcome, pathway, tuple(dict.fromkeys(cmd.harm_types)))
    if pathway:
        return [held]
    # No s.47 enquiry (or one that ends with no further action): the journey ends here.
    return [held, e.JourneyClosed(cmd.occurred_on, cmd.outcome, step_down=_step_down_of(cmd.outcome))]


def _step_down_of(outcome: str) -> str | None:
    return outcome if outcome in ("child_in_need", "early_help") else None


def _initial_conference(state, cmd: c.RecordInitialConference, today, calendar):
    if state.stage == REFERRAL:
        raise DomainError("strategy_discussion_required", "An initial conference needs a strategy discussion that opened a s.47 enquiry.")
    if state.stage == PLAN:
        raise DomainError("step_out_of_order", "The initial conference has already been held; record a review conference instead.")
    _check_choice(cmd.decision, INITIAL_CONFERENCE_DECISIONS, "conference decision")
    _check_date(cmd.occurred_on, today, state.last_step_on, "initial conference", "strategy discussion")
    _check_chair(state, "initial conference")
    met = _met(state, today, calendar, (INITIAL_CONFERENCE,), cmd.occurred_on)
    if cmd.decision == "plan":
        _check_categories(cmd.categories, state.pathway)
        return [
            e.InitialConferenceHeld(cmd.occurred_on, "plan", tuple(cmd.categories), None), *met,
            e.PlanStarted(cmd.occurred_on, state.pathway, tuple(cmd.categories), state.pathway == ROTH),
        ]
    if cmd.categories:
        raise DomainError("unexpected_categories", "Categories of harm are recorded only when the conference makes a plan.")
    if cmd.step_down is None:
        raise DomainError("step_down_required", "Say whether the young person steps down to child in need, early help or none.")
    _check_choice(cmd.step_down, STEP_DOWNS, "step down")
    return [
        e.InitialConferenceHeld(cmd.occurred_on, "no_plan", (), cmd.step_down), *met,
        e.JourneyClosed(cmd.occurred_on, "no_plan", step_down=cmd.step_down),
    ]


def _core_group(state, cmd: c.RecordCoreGroup, today, calendar):
    _require_plan(state, "core group")
    _check_date(cmd.occurred_on, today, state.last_core_group_on or state.initial_conference_on, "core group", "previous core group or conference")
    return [e.CoreGroupHeld(cmd.occurred_on), *_met(state, today, calendar, (FIRST_CORE_GROUP, CORE_GROUP), cmd.occurred_on)]


def _visit(state, cmd: c.RecordVisit, today, calendar):
    # Visits are often recorded late and out of order, so only the referral bounds them.
    _check_date(cmd.occurred_on, today, state.referral_date, "visit", "referral")
    events = [e.VisitRecorded(cmd.occurred_on, bool(cmd.seen_alone))]
    if state.stage == PLAN and cmd.occurred_on >= max(state.last_visit_on or state.plan.started_on, state.plan.started_on):
        events += _met(state, today, calendar, (VISIT,), cmd.occurred_on)
    return events


def _review_conference(state, cmd: c.RecordReviewConference, today, calendar):
    _require_plan(state, "review conference")
    _check_choice(cmd.decision, REVIEW_DECISIONS, "review decision")
    _check_date(cmd.occurred_on, today, state.last_review_on or state.initial_conference_on, "review conference", "previous conference")
    _check_chair(state, "review conference")
    if cmd.categories:
        _check_categories(cmd.categories, state.pathway)
    categories = tuple(cmd.categories) or state.plan.categories
    events = [e.ReviewConferenceHeld(cmd.occurred_on, cmd.decision, tuple(cmd.categories)),
              *_met(state, today, calendar, (REVIEW_CONFERENCE,), cmd.occurred_on)]
    if cmd.decision in ("transfer_to_roth", "transfer_to_cp"):
        target = ROTH if cmd.decision == "transfer_to_roth" else CP
        if target == state.pathway:
            raise DomainError("already_on_pathway", f"The young person is already on the {target.upper()} pathway.")
        events.append(e.PathwayTransferred(cmd.occurred_on, state.pathway, target, categories, target == ROTH))
    elif cmd.decision == "end_plan":
        if cmd.step_down is None:
            raise DomainError("step_down_required", "Say whether the young person steps down to child in need, early help or none.")
        _check_choice(cmd.step_down, STEP_DOWNS, "step down")
        events += [e.PlanEnded(cmd.occurred_on, cmd.step_down),
                   e.JourneyClosed(cmd.occurred_on, "plan_ended", step_down=cmd.step_down)]
    return events


def _extend(state, cmd: c.ExtendDeadline, today, calendar):
    if not cmd.reason or not cmd.reason.strip():
        raise DomainError("reason_required", "An extension needs the reason it was approved.")
    current = next((d for d in open_deadlines(state, state.policy, calendar, today) if d.kind == cmd.deadline), None)
    named = vocabulary.in_a_sentence(vocabulary.deadline(cmd.deadline))
    if current is None or current.kind == EIGHTEENTH_BIRTHDAY:
        raise DomainError("deadline_not_open", f"There is no open {named} deadline to extend.")
    if current.status == MISSED:
        raise DomainError(
            "deadline_passed",
            f"The {named} deadline passed on {vocabulary.uk_date(current.due_on)}; "
            "an extension must be approved before it is missed.",
        )
    if cmd.new_due_on <= current.due_on:
        raise DomainError("extension_not_later", f"The new due date must be after {vocabulary.uk_date(current.due_on)}.")
    return [e.DeadlineExtended(today, cmd.deadline, current.original_due_on, current.due_on, cmd.new_due_on, cmd.reason.strip(), cmd.actor.id)]


def _close(state, cmd: c.CloseJourney, today, calendar):
    _check_choice(cmd.reason, CLOSE_REASONS, "closure reason")
    _check_date(cmd.occurred_on, today, state.last_step_on, "closure", "previous step")
    return [e.JourneyClosed(cmd.occurred_on, cmd.reason, note=cmd.note)]


def _change_policy(state, cmd: c.ChangePolicy, today, calendar):
    if cmd.policy == state.policy:
        raise DomainError("policy_unchanged", f"The journey already follows {cmd.policy.version}.")
    return [e.TimescalePolicyChanged(today, cmd.policy)]


def _observe_day(state, cmd: c.ObserveDay, today, calendar):
    """The clock: reminders as a deadline approaches, misses once it has passed, and adulthood."""
    events: list[e.Event] = []
    for deadline in open_deadlines(state, state.policy, calendar, cmd.today):
        if deadline.kind == EIGHTEENTH_BIRTHDAY:
            if cmd.today >= deadline.due_on:
                return [e.EighteenthBirthdayReached(deadline.due_on, state.transition_plan_on),
                        e.JourneyClosed(deadline.due_on, "eighteenth_birthday", note="transition to adult services")]
        elif deadline.status == MISSED:
            if deadline.key not in state.missed:
                events.append(e.DeadlineMissed(
                    occurred_on=_day_after(deadline.due_on), kind=deadline.kind,
                    due_on=deadline.due_on, original_due_on=deadline.original_due_on,
                ))
            continue
        if (deadline.reminder_on and deadline.reminder_on <= cmd.today <= deadline.due_on
                and deadline.key not in state.reminded):
            events.append(e.DeadlineApproaching(cmd.today, deadline.kind, deadline.due_on))
    return events


def _day_after(day: date) -> date:
    return date.fromordinal(day.toordinal() + 1)


# --- ROTH practice: allocation and chairs, context weighting, the plan, participation ------

def _check_chair(state: JourneyState, meeting: str) -> None:
    """A ROTH conference is chaired by an independent chair from the LA's pool."""
    if not (state.chairs_required and state.pathway == ROTH):
        return
    if state.chair is None:
        raise DomainError("chair_required", f"A ROTH {meeting} needs an independent chair from the pool: assign one first.")
    _check_independent(state.chair, state.allocation)


def _check_independent(chair: str, allocation: Allocation | None) -> None:
    if allocation is not None and chair in (allocation.social_worker, allocation.team_manager):
        raise DomainError(
            "chair_not_independent",
            f"Chair {chair} is the case's allocated social worker or their team manager; a ROTH chair must be independent of the case.",
        )


def _required_text(value: str | None, what: str) -> str:
    if not value or not value.strip():
        raise DomainError("invalid_value", f"Give the {what}.")
    return value.strip()


def _allocate(state, cmd: c.AllocateCase, today, calendar):
    social_worker = _required_text(cmd.social_worker, "allocated social worker's id")
    team_manager = _required_text(cmd.team_manager, "team manager's id")
    if social_worker == team_manager:
        raise DomainError("invalid_value", "The social worker and the team manager must be different people.")
    if state.chair is not None and state.chair in (social_worker, team_manager):
        raise DomainError(
            "chair_not_independent",
            f"The case's chair {state.chair} cannot also hold the case; assign another chair first.",
        )
    if state.allocation == Allocation(social_worker, team_manager):
        raise DomainError("allocation_unchanged", "The case is already allocated to them.")
    return [e.CaseAllocated(today, social_worker, team_manager)]


def _assign_chair(state, cmd: c.AssignChair, today, calendar):
    chair = _required_text(cmd.chair_id, "chair's id")
    if not cmd.in_pool:
        raise DomainError("chair_not_in_pool", f"{chair} is not in the LA's pool of ROTH chairs.")
    if state.allocation is None:
        raise DomainError(
            "case_not_allocated", "Record the case's allocated social worker and team manager first, so the chair's independence can be checked.",
        )
    _check_independent(chair, state.allocation)
    if chair == state.chair:
        raise DomainError("chair_unchanged", f"{chair} already chairs this case.")
    return [e.ChairAssigned(today, chair)]


def _check_meeting_held(state: JourneyState, meeting: str, on: date) -> None:
    """Plans, weightings and voices are recorded for a meeting the journey has held."""
    held = {
        "initial_conference": state.initial_conference_on,
        "review_conference": state.last_review_on,
        "core_group": state.last_core_group_on,
    }.get(meeting)
    if held != on:
        raise DomainError(
            "meeting_not_held",
            f"No {vocabulary.in_a_sentence(vocabulary.meeting(meeting))} is recorded on {vocabulary.uk_date(on)}; record the meeting first.",
        )


def _context_weighting(state, cmd: c.RecordContextWeighting, today, calendar):
    _check_choice(cmd.at, WEIGHTED_AT, "point of weighting")
    _check_date(cmd.occurred_on, today, state.referral_date, "context weighting", "referral")
    if cmd.at == "assessment":
        if state.stage not in (SECTION_47, PLAN):
            raise DomainError("strategy_discussion_required", "A context weighting at assessment needs a strategy discussion that opened a s.47 enquiry.")
    else:
        _check_meeting_held(state, cmd.at, cmd.occurred_on)
    if not cmd.contexts:
        raise DomainError("contexts_required", "A context weighting names at least one context.")
    ids = [context.context_id for context in cmd.contexts]
    if len(set(ids)) != len(ids):
        raise DomainError("duplicate_context", "A context is weighted twice; weigh each context once.")
    for context in cmd.contexts:
        check_context_id(context.context_id)
        _required_text(context.name, f"name of context {context.context_id}")
        _check_choice(context.kind, CONTEXT_KINDS, "kind of context")
        if not 1 <= context.weight <= MAX_WEIGHT:
            raise DomainError("invalid_value", f"The weight of {context.name} must be 1 to {MAX_WEIGHT}.")
        for other in context.affects:
            if other not in ids or other == context.context_id:
                raise DomainError("unknown_context", f"{context.name} is said to affect {other!r}, which is not another context in this weighting.")
    weighting = ContextWeighting(cmd.occurred_on, cmd.at, tuple(cmd.contexts))
    previous = state.weightings[-1] if state.weightings else None
    prompt = transfer_prompt(previous, weighting, state.pathway, state.transfer_prompt)
    return [e.ContextWeightingRecorded(cmd.occurred_on, cmd.at, tuple(cmd.contexts), prompt)]


def _update_plan(state, cmd: c.UpdatePlan, today, calendar):
    _require_plan(state, "plan update")
    _check_choice(cmd.made_at, MEETINGS, "meeting")
    _check_meeting_held(state, cmd.made_at, cmd.occurred_on)
    for need in cmd.needs:
        _check_choice(need, p.NEEDS, "need")
    if len(set(cmd.needs)) != len(cmd.needs):
        raise DomainError("invalid_value", "A need is listed twice.")
    goal_ids = [goal.goal_id for goal in cmd.goals]
    if len(set(goal_ids)) != len(goal_ids):
        raise DomainError("duplicate_goal", "Two goals have the same id.")
    contexts = {c.context_id for c in state.weightings[-1].contexts} if state.weightings else set()
    for goal in cmd.goals:
        _required_text(goal.goal_id, "goal's id")
        _required_text(goal.description, f"description of goal {goal.goal_id}")
        _check_choice(goal.heading, p.HEADINGS, "plan heading")
        if goal.heading == p.NEEDS_HEADING:
            if goal.need not in cmd.needs:
                raise DomainError("invalid_value", f"Goal '{goal.description}' is under the needs heading: name one of the plan's needs it meets.")
        elif goal.need is not None:
            raise DomainError("invalid_value", f"Goal '{goal.description}' names a need but is not under the needs heading.")
        for action in goal.actions:
            _required_text(action.description, f"description of an action of goal {goal.goal_id}")
            for target in action.targets:
                if target not in (p.YOUNG_PERSON, p.FAMILY) and target not in contexts:
                    raise DomainError(
                        "unknown_target",
                        f"Action '{action.description}' is aimed at {target!r}: aim it at the young person, the family, "
                        "or a context in the latest context weighting.",
                    )
            if not action.targets:
                raise DomainError("invalid_value", f"Say whom or what action '{action.description}' is aimed at.")
    version = state.care_plan.version + 1 if state.care_plan else 1
    return [e.PlanUpdated(cmd.occurred_on, cmd.made_at, version, tuple(cmd.needs), tuple(cmd.goals))]


def _participation(state, cmd: c.RecordParticipation, today, calendar):
    _check_choice(cmd.meeting, MEETINGS, "meeting")
    _check_choice(cmd.participant, PARTICIPANTS, "participant")
    _check_meeting_held(state, cmd.meeting, cmd.occurred_on)
    if cmd.attended and not cmd.invited:
        raise DomainError("invalid_value", "Someone who attended was invited; record them as invited.")
    views = cmd.views.strip() if cmd.views and cmd.views.strip() else None
    return [e.ParticipationRecorded(cmd.occurred_on, cmd.meeting, cmd.participant, cmd.invited, cmd.attended, views)]


def _consent(state, cmd: c.RecordConsent, today, calendar):
    _check_choice(cmd.given_by, PARTICIPANTS, "person giving consent")
    _check_choice(cmd.decision, CONSENT_DECISIONS, "consent decision")
    _check_date(cmd.occurred_on, today, state.referral_date, "consent", "referral")
    for scope in cmd.scope:
        _check_choice(scope, CONSENT_SCOPES, "consent scope")
    if cmd.decision == "given" and not cmd.scope:
        raise DomainError("scope_required", "Say whom the consent to share covers (education, health, police, ...).")
    return [e.ConsentRecorded(cmd.occurred_on, cmd.given_by, cmd.decision, tuple(sorted(set(cmd.scope))))]


def _transition_plan(state, cmd: c.RecordTransitionPlan, today, calendar):
    _check_date(cmd.occurred_on, today, state.referral_date, "transition plan", "referral")
    if cmd.occurred_on < birthday(state.young_person.date_of_birth, ADULTHOOD - 1):
        raise DomainError("not_yet_seventeen", "A transition plan is made once the young person is 17.")
    note = cmd.note.strip() if cmd.note and cmd.note.strip() else None
    return [e.TransitionPlanRecorded(cmd.occurred_on, note)]


def _census_details(state, cmd: c.RecordCensusDetails, today, calendar):
    given = (cmd.upn, cmd.upn_unknown, cmd.disabilities, cmd.referral_source, cmd.primary_need)
    if all(value is None for value in given):
        raise DomainError("invalid_value", "Give at least one of upn, upn_unknown, disabilities, referral_source, primary_need.")
    if cmd.upn is not None and cmd.upn_unknown is not None:
        raise DomainError("invalid_value", "Give either the UPN or why it is unknown, not both.")
    if cmd.upn is not None:
        problem = census.upn_problem(cmd.upn)
        if problem:
            raise DomainError("invalid_upn", f"{cmd.upn!r} is not a UPN: {problem}")
    if cmd.upn_unknown is not None:
        _check_choice(cmd.upn_unknown, census.UPN_UNKNOWN, "reason for no UPN")
    if cmd.disabilities is not None:
        _check_codes(cmd.disabilities, census.DISABILITIES, census.NO_DISABILITY, "disability code")
    if cmd.referral_source is not None:
        _check_choice(cmd.referral_source, census.REFERRAL_SOURCES, "referral source")
    if cmd.primary_need is not None:
        _check_choice(cmd.primary_need, census.PRIMARY_NEEDS, "primary need code")
    return [e.CensusDetailsRecorded(today, cmd.upn, cmd.upn_unknown, cmd.disabilities, cmd.referral_source, cmd.primary_need)]


def _check_codes(codes, allowed, alone: str, what: str) -> None:
    """DfE codes: each valid, none twice, and `alone` (the code for "none") on its own."""
    for code in codes:
        _check_choice(code, allowed, what)
    if len(set(codes)) != len(codes):
        raise DomainError("invalid_value", f"A {what} is listed twice.")
    if alone in codes and len(codes) > 1:
        raise DomainError("invalid_value", f"{alone} means none: it cannot be listed with another {what}.")


def _assessment(state, cmd: c.RecordAssessment, today, calendar):
    _check_date(cmd.started_on, today, state.referral_date, "assessment start", "referral")
    _check_codes(cmd.factors, census.ASSESSMENT_FACTORS, census.NO_FACTORS, "assessment factor code")
    if cmd.authorised_on is not None:
        _check_date(cmd.authorised_on, today, cmd.started_on, "assessment authorisation", "assessment's start")
        if not cmd.factors:
            raise DomainError("factors_required", "A completed assessment names the factors it found (21 when it found none).")
    return [e.AssessmentRecorded(cmd.started_on, cmd.authorised_on, tuple(cmd.factors))]


_DECIDERS = {
    c.StartJourney: _start,
    c.RecordStrategyDiscussion: _strategy_discussion,
    c.RecordInitialConference: _initial_conference,
    c.RecordCoreGroup: _core_group,
    c.RecordVisit: _visit,
    c.RecordReviewConference: _review_conference,
    c.ExtendDeadline: _extend,
    c.CloseJourney: _close,
    c.ChangePolicy: _change_policy,
    c.AllocateCase: _allocate,
    c.AssignChair: _assign_chair,
    c.RecordContextWeighting: _context_weighting,
    c.UpdatePlan: _update_plan,
    c.RecordParticipation: _participation,
    c.RecordConsent: _consent,
    c.RecordTransitionPlan: _transition_plan,
    c.RecordCensusDetails: _census_details,
    c.RecordAssessment: _assessment,
    c.CorrectEvent: lambda state, cmd, today, calendar: decide_correction(state, cmd, today),
    c.ObserveDay: _observe_day,
}


# --- evolve: one function per event ---------------------------------------------------------
# Each returns the fields the event changes; `evolve` applies them in one copy.

def _started(s: JourneyState, ev: e.JourneyStarted) -> dict:
    return dict(
        journey_id=ev.journey_id, local_authority=ev.local_authority, young_person=ev.young_person,
        referral_date=ev.occurred_on, policy=ev.policy, stage=REFERRAL, last_step_on=ev.occurred_on,
        chairs_required=ev.chairs_required,
    )


def _strategy_held(s: JourneyState, ev: e.StrategyDiscussionHeld) -> dict:
    changes = dict(strategy_discussion_on=ev.occurred_on, last_step_on=ev.occurred_on)
    if ev.harm_types:
        changes.update(harm_types=ev.harm_types)
    if ev.pathway:
        changes.update(stage=SECTION_47, pathway=ev.pathway, s47_started_on=s.s47_started_on or ev.occurred_on)
    return changes


def _conference_held(s: JourneyState, ev: e.InitialConferenceHeld) -> dict:
    # The conference has considered any transfer prompt standing before it.
    return dict(initial_conference_on=ev.occurred_on, last_step_on=ev.occurred_on, transfer_prompt=None)


def _plan_started(s: JourneyState, ev: e.PlanStarted) -> dict:
    return dict(stage=PLAN, plan=Plan(ev.occurred_on, ev.categories, ev.outside_home))


def _core_group_held(s: JourneyState, ev: e.CoreGroupHeld) -> dict:
    return dict(last_core_group_on=ev.occurred_on, core_groups_held=s.core_groups_held + 1,
                last_step_on=max(s.last_step_on, ev.occurred_on))


def _visit_recorded(s: JourneyState, ev: e.VisitRecorded) -> dict:
    return dict(last_visit_on=max(s.last_visit_on or ev.occurred_on, ev.occurred_on))


def _review_held(s: JourneyState, ev: e.ReviewConferenceHeld) -> dict:
    plan = replace(s.plan, categories=ev.categories) if ev.categories else s.plan
    return dict(last_review_on=ev.occurred_on, reviews_held=s.reviews_held + 1, plan=plan,
                last_step_on=max(s.last_step_on, ev.occurred_on), transfer_prompt=None)


def _transferred(s: JourneyState, ev: e.PathwayTransferred) -> dict:
    plan = replace(s.plan, categories=ev.categories, outside_home=ev.outside_home)
    return dict(pathway=ev.to_pathway, plan=plan, transfers=s.transfers + 1)


def _plan_ended(s: JourneyState, ev: e.PlanEnded) -> dict:
    return dict(step_down=ev.step_down)


def _deadline_met_ev(s: JourneyState, ev: e.DeadlineMet) -> dict:
    record = DeadlineRecord(ev.kind, ev.due_on, ev.original_due_on, ev.occurred_on, "met" if ev.on_time else "missed")
    return dict(history=(*s.history, record))


def _extended(s: JourneyState, ev: e.DeadlineExtended) -> dict:
    others = tuple(x for x in s.extensions if not (x.kind == ev.kind and x.original_due_on == ev.original_due_on))
    extension = Extension(ev.kind, ev.original_due_on, ev.new_due_on, ev.reason, ev.approved_by, ev.occurred_on)
    return dict(extensions=(*others, extension))


def _approaching(s: JourneyState, ev: e.DeadlineApproaching) -> dict:
    return dict(reminded=(*s.reminded, DeadlineKey(ev.kind, ev.due_on)))


def _missed(s: JourneyState, ev: e.DeadlineMissed) -> dict:
    return dict(missed=(*s.missed, DeadlineKey(ev.kind, ev.due_on)))


def _policy_changed(s: JourneyState, ev: e.TimescalePolicyChanged) -> dict:
    return dict(policy=ev.policy)


def _adult(s: JourneyState, ev: e.EighteenthBirthdayReached) -> dict:
    return {}


def _closed(s: JourneyState, ev: e.JourneyClosed) -> dict:
    return dict(stage=CLOSED, closed=True, closed_on=ev.occurred_on, closure_reason=ev.reason,
                step_down=ev.step_down or s.step_down,
                last_step_on=max(s.last_step_on or ev.occurred_on, ev.occurred_on))


def _allocated(s: JourneyState, ev: e.CaseAllocated) -> dict:
    return dict(allocation=Allocation(ev.social_worker, ev.team_manager))


def _chair_assigned(s: JourneyState, ev: e.ChairAssigned) -> dict:
    return dict(chair=ev.chair_id)


def _weighted(s: JourneyState, ev: e.ContextWeightingRecorded) -> dict:
    return dict(weightings=(*s.weightings, ContextWeighting(ev.occurred_on, ev.at, ev.contexts)),
                transfer_prompt=ev.transfer_prompt)


def _plan_updated(s: JourneyState, ev: e.PlanUpdated) -> dict:
    return dict(care_plan=p.PlanVersion(ev.plan_version, ev.occurred_on, ev.made_at, p.Plan(ev.needs, ev.goals)))


def _participated(s: JourneyState, ev: e.ParticipationRecorded) -> dict:
    # One record per person per meeting: recording it again replaces it.
    others = tuple(x for x in s.participation
                   if (x.meeting, x.occurred_on, x.participant) != (ev.meeting, ev.occurred_on, ev.participant))
    record = Participation(ev.meeting, ev.occurred_on, ev.participant, ev.invited, ev.attended, ev.views)
    return dict(participation=(*others, record))


def _consented(s: JourneyState, ev: e.ConsentRecorded) -> dict:
    return dict(consents=(*s.consents, Consent(ev.occurred_on, ev.given_by, ev.decision, ev.scope)))


def _transition_planned(s: JourneyState, ev: e.TransitionPlanRecorded) -> dict:
    return dict(transition_plan_on=ev.occurred_on)


def _census_recorded(s: JourneyState, ev: e.CensusDetailsRecorded) -> dict:
    was = s.census
    upn, upn_unknown = was.upn, was.upn_unknown
    if ev.upn is not None:  # a UPN and the reason there is none replace each other
        upn, upn_unknown = ev.upn, None
    elif ev.upn_unknown is not None:
        upn, upn_unknown = None, ev.upn_unknown
    return dict(census=census.CensusDetails(
        upn=upn, upn_unknown=upn_unknown,
        disabilities=was.disabilities if ev.disabilities is None else ev.disabilities,
        referral_source=ev.referral_source or was.referral_source,
        primary_need=ev.primary_need or was.primary_need,
    ))


def _assessed(s: JourneyState, ev: e.AssessmentRecorded) -> dict:
    others = tuple(a for a in s.assessments if a.started_on != ev.occurred_on)
    recorded = census.Assessment(ev.occurred_on, ev.authorised_on, ev.factors)
    return dict(assessments=tuple(sorted((*others, recorded), key=lambda a: a.started_on)))


_EVOLVERS = {
    e.JourneyStarted: _started,
    e.StrategyDiscussionHeld: _strategy_held,
    e.InitialConferenceHeld: _conference_held,
    e.PlanStarted: _plan_started,
    e.CoreGroupHeld: _core_group_held,
    e.VisitRecorded: _visit_recorded,
    e.ReviewConferenceHeld: _review_held,
    e.PathwayTransferred: _transferred,
    e.PlanEnded: _plan_ended,
    e.DeadlineMet: _deadline_met_ev,
    e.DeadlineExtended: _extended,
    e.DeadlineApproaching: _approaching,
    e.DeadlineMissed: _missed,
    e.TimescalePolicyChanged: _policy_changed,
    e.EighteenthBirthdayReached: _adult,
    e.JourneyClosed: _closed,
    e.CaseAllocated: _allocated,
    e.ChairAssigned: _chair_assigned,
    e.ContextWeightingRecorded: _weighted,
    e.PlanUpdated: _plan_updated,
    e.ParticipationRecorded: _participated,
    e.ConsentRecorded: _consented,
    e.TransitionPlanRecorded: _transition_planned,
    e.EventCorrected: corrected,
    e.CensusDetailsRecorded: _census_recorded,
    e.AssessmentRecorded: _assessed,
}
