"""Builders shared by the test suites: fictional young people and the commands about them."""

from __future__ import annotations

import uuid
from datetime import date

from domain import commands as c
from domain.calendar import WorkingDayCalendar
from domain.decider import decide, evolve
from domain.model import Actor, JourneyState, YoungPerson, initial_state
from domain.timescales import policy_in_force

PRACTITIONER = Actor("sw-0042", "practitioner")
MANAGER = Actor("tm-0007", "manager")
AUDITOR = Actor("qa-0001", "auditor")
SYSTEM = Actor("lcs-873", "system")
CALENDAR = WorkingDayCalendar()


def young_person(dob: date = date(2010, 6, 1), child_id: str = "CHILD0001") -> YoungPerson:
    return YoungPerson(id=child_id, date_of_birth=dob, sex="M", ethnicity="MWBC")


def cid() -> str:
    return str(uuid.uuid4())


def start(referral: date, dob: date = date(2010, 6, 1), policy: str = "national", actor: Actor = SYSTEM) -> c.StartJourney:
    return c.StartJourney(cid(), actor, "journey-1", "873", young_person(dob), referral, policy_in_force(policy, referral))


def strategy(on: date, outcome: str = "s47_roth", actor: Actor = PRACTITIONER):
    return c.RecordStrategyDiscussion(cid(), actor, on, outcome)


def conference(on: date, categories=("physical",), decision: str = "plan", step_down=None):
    return c.RecordInitialConference(cid(), PRACTITIONER, on, decision, tuple(categories), step_down)


def core_group(on: date):
    return c.RecordCoreGroup(cid(), PRACTITIONER, on)


def visit(on: date, seen_alone: bool = True):
    return c.RecordVisit(cid(), PRACTITIONER, on, seen_alone)


def review(on: date, decision: str = "continue", categories=(), step_down=None):
    return c.RecordReviewConference(cid(), PRACTITIONER, on, decision, tuple(categories), step_down)


def extend(kind: str, new_due_on: date, reason: str = "Family bereavement; chair available later", actor: Actor = MANAGER):
    return c.ExtendDeadline(cid(), actor, kind, new_due_on, reason)


def close(on: date, reason: str = "transferred_out"):
    return c.CloseJourney(cid(), PRACTITIONER, on, reason)


def allocate(social_worker: str = "sw-0042", team_manager: str = "tm-0007", actor: Actor = PRACTITIONER):
    return c.AllocateCase(cid(), actor, social_worker, team_manager)


def assign_chair(chair_id: str = "chair-0003", in_pool: bool = True):
    return c.AssignChair(cid(), PRACTITIONER, chair_id, in_pool)


def context(context_id: str, kind: str = "public_place", weight: int = 5, harm: bool = True, safety: bool = False,
            name: str | None = None, affects=()):
    from domain.weighting import WeightedContext

    return WeightedContext(context_id, kind, name or context_id.replace("-", " ").title(), harm, safety, weight, tuple(affects))


def weighting(on: date, contexts, at: str = "assessment"):
    return c.RecordContextWeighting(cid(), PRACTITIONER, on, at, tuple(contexts))


def update_plan(on: date, plan, made_at: str = "initial_conference"):
    return c.UpdatePlan(cid(), PRACTITIONER, on, made_at, plan.needs, plan.goals)


def participation(on: date, participant: str = "young_person", meeting: str = "initial_conference",
                  invited: bool = True, attended: bool = True, views: str | None = "Wants to go back to school"):
    return c.RecordParticipation(cid(), PRACTITIONER, on, meeting, participant, invited, attended, views)


def run(commands, today: date, state: JourneyState | None = None, calendar: WorkingDayCalendar = CALENDAR):
    """Decide and evolve each command in turn; returns (state, all events)."""
    state = state or initial_state()
    produced = []
    for command in commands:
        for event in decide(state, command, today, calendar):
            state = evolve(state, event)
            produced.append(event)
    return state, produced


# --- requests in the contract's JSON form, for the workflow and end-to-end suites -------------

SYSTEM_ACTOR = {"id": "lcs-873", "role": "system"}
PRACTITIONER_ACTOR = {"id": "sw-0042", "role": "practitioner"}
MANAGER_ACTOR = {"id": "tm-0007", "role": "manager"}


def start_request(child_id: str, dob: date, referral: date, la: str = "873") -> dict:
    return {
        "command_id": cid(), "actor": SYSTEM_ACTOR, "local_authority": la,
        "young_person": {"id": child_id, "date_of_birth": dob.isoformat(), "sex": "F", "ethnicity": "BCRB"},
        "referral_date": referral.isoformat(),
    }


def refer_request(context_id: str, on: date, name: str = "Riverside park", la: str = "873") -> dict:
    return {"command_id": cid(), "actor": PRACTITIONER_ACTOR, "local_authority": la,
            "context_id": context_id, "kind": "public_place", "name": name, "referred_on": on.isoformat()}


def command(type_: str, actor: dict = PRACTITIONER_ACTOR, **fields) -> dict:
    return {"type": type_, "command_id": cid(), "actor": actor,
            **{k: v.isoformat() if isinstance(v, date) else v for k, v in fields.items()}}


def stored_domain_events(store, journey_id: str):
    from domain.events import decode

    return [decode(e.type, e.occurred_on, e.data) for e in store.read_stream(journey_id)]


async def assert_consistent(journeys, store, workflow_id: str) -> JourneyState:
    """Three consumers, one fold: the log folded with evolve, the workflow's state and the
    journey summary row must agree, and the log must have no gap or duplicate."""
    from domain.codec import from_data
    from domain.decider import fold

    state = from_data(JourneyState, await journeys.raw_state(workflow_id))
    stored = store.read_stream(state.journey_id)
    assert [e.version for e in stored] == list(range(1, len(stored) + 1))
    assert len({e.event_id for e in stored}) == len(stored)
    assert fold(stored_domain_events(store, state.journey_id)) == state
    summary = store.journey(state.journey_id)
    assert (summary.stage, summary.pathway, summary.closed, summary.version, summary.closure_reason) == (
        state.stage, state.pathway, state.closed, state.version, state.closure_reason)
    return state


def enqueue_bare_notification(store, la: str) -> str:
    """A notification in the outbox as a journey leaves it, without a journey (nor an event in
    the log: the log is folded by other suites, the outbox is not)."""
    from datetime import datetime, timezone

    from store.outbox import enqueue
    from store.records import Notification

    journey_id, notification_id = str(uuid.uuid4()), str(uuid.uuid4())
    with store.engine.begin() as connection:
        enqueue(connection, [Notification(
            notification_id=notification_id, journey_id=journey_id, local_authority=la, type="deadline_missed",
            event_id=notification_id,
            payload={"journey_id": journey_id, "local_authority": la, "event_type": "DeadlineMissed",
                     "kind": "initial_conference", "due_on": "2026-03-23", "reason": None, "occurred_on": "2026-03-24"},
        )], datetime.now(timezone.utc))
    return notification_id


# --- through the HTTP API -------------------------------------------------------------------

POOL_CHAIR = "chair-0003"  # an independent chair: neither the social worker nor the team manager below


async def chair_over_http(http, tokens, journey_id: str, la: str = "873", role: str = "system",
                         chair_id: str = POOL_CHAIR, social_worker: str = "sw-0042",
                         team_manager: str = "tm-0007") -> dict:
    """Through the HTTP API, what a ROTH conference now needs first on a journey started under
    the chair rule: the chair in the LA's pool (put there by a manager; idempotent), the case
    allocated (`allocate_case`) and the chair assigned (`assign_chair`), both sent as `role`.
    For a journey with no allocation yet; returns the journey's state after."""
    from temporal_fixtures import auth

    pooled = await http.put(f"/v1/chairs/{chair_id}", json={"name": f"Chair {chair_id}"}, headers=auth(tokens, "manager", la))
    assert pooled.status_code == 200, pooled.text
    answer = None
    for body in ({"type": "allocate_case", "social_worker": social_worker, "team_manager": team_manager},
                 {"type": "assign_chair", "chair_id": chair_id}):
        answer = await http.post(f"/v1/journeys/{journey_id}/commands", json={"command_id": cid(), **body},
                                 headers=auth(tokens, role, la))
        assert answer.status_code == 200, answer.text
    return answer.json()["state"]
