"""A journey's timeline: its logged events and the deadlines it still owes, in date order, each
worded for a manager through domain/vocabulary.py.

The store reads the rows (store/manager_queries.py `timeline_rows`); this words them, so the
API's timeline, the dashboard's journey page and anything else that shows a journey's story
read the same words. The young person's details are never part of an entry.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Iterable

from domain import vocabulary as v
from domain.events import EVENT_TYPES, decode

__all__ = ["timeline_entries"]

CLOCK_RECORDED_MISSED = "missed"


def timeline_entries(logged: Iterable[dict], pending: Iterable[dict]) -> list[dict]:
    """Entries a page renders as they are: {"date", "kind", "type", "title", "detail",
    "deadline", "event_id", "version", "actor", "actor_role"}, in date order.

    `logged` are the journey's events in log order ({"event_id", "version", "type",
    "occurred_on", "actor", "actor_role", "data"}); `pending` its deadlines not yet met
    ({"kind", "due_on", "original_due_on", "status"}).

    `kind` groups entries: "step" (something that happened), "plan", "transfer", "deadline"
    (met, missed, extended, or still open: `type` "DeadlineDue"), "reminder", "policy",
    "closure".
    """
    entries = []
    pathway = None
    for row in logged:
        event = _decoded(row)
        entry = _describe(row["type"], event, pathway)
        # The initial conference is named after the pathway the journey is on when it is held.
        if isinstance(event, EVENT_TYPES["StrategyDiscussionHeld"]) and event.pathway:
            pathway = event.pathway
        elif isinstance(event, EVENT_TYPES["PathwayTransferred"]):
            pathway = event.to_pathway
        entries.append({
            "date": _iso(row["occurred_on"]), **entry,
            "event_id": row["event_id"], "version": row["version"],
            "actor": row["actor"], "actor_role": row["actor_role"],
        })
    for row in pending:
        entries.append({
            "date": _iso(row["due_on"]), **_describe_pending(row),
            "event_id": None, "version": None, "actor": None, "actor_role": None,
        })
    # Logged entries keep their log order within a day; open deadlines follow on their day.
    return sorted(entries, key=lambda x: (x["date"] or "", x["version"] is None, x["version"] or 0))


def _decoded(row: dict) -> Any:
    if row["type"] not in EVENT_TYPES:
        return None
    try:
        return decode(row["type"], row["occurred_on"], row["data"])
    except (TypeError, ValueError, KeyError):
        return None  # an event this version cannot read is still listed, by its type


def _describe(type_name: str, ev: Any, pathway: str | None) -> dict:
    """kind, type, title, detail and deadline of one logged event."""
    def entry(kind: str, title: str, detail: str | None = None, deadline: dict | None = None) -> dict:
        return {"kind": kind, "type": type_name, "title": title, "detail": detail, "deadline": deadline}

    if ev is None:
        return entry("step", v.spelt_out(type_name))
    if type_name == "JourneyStarted":
        return entry("step", "Referral received", f"Timescale policy {ev.policy.version}")
    if type_name == "StrategyDiscussionHeld":
        return entry("step", "Strategy discussion", v.sentence(v.STRATEGY_OUTCOMES.get(ev.outcome) or v.spelt_out(ev.outcome)))
    if type_name == "InitialConferenceHeld":
        name = v.INITIAL_CONFERENCES.get(pathway, v.INITIAL_CONFERENCES["cp"])
        if ev.decision == "plan":
            return entry("step", name, f"Plan: {_category_names(ev.categories)}")
        return entry("step", name, v.sentence(f"no plan; {v.steps_down(ev.step_down)}"))
    if type_name == "PlanStarted":
        return entry("plan", f"{v.pathway(ev.pathway, short=True)} plan started", _categories(ev.categories, ev.outside_home))
    if type_name == "CoreGroupHeld":
        return entry("step", "Core group held")
    if type_name == "VisitRecorded":
        return entry("step", "Visit", "Seen alone" if ev.seen_alone else "Not seen alone")
    if type_name == "ReviewConferenceHeld":
        detail = v.sentence(v.REVIEW_DECISIONS.get(ev.decision) or v.spelt_out(ev.decision))
        if ev.categories:
            detail += f"; categories: {_category_names(ev.categories)}"
        return entry("step", "Review conference", detail)
    if type_name == "PathwayTransferred":
        return entry("transfer", f"Transferred from {_abbreviation(ev.from_pathway)} to {_abbreviation(ev.to_pathway)}",
                     _categories(ev.categories, ev.outside_home))
    if type_name == "PlanEnded":
        return entry("plan", "Plan ended", v.sentence(v.steps_down(ev.step_down)) if ev.step_down else "")
    if type_name == "DeadlineMet":
        status = "met" if ev.on_time else CLOCK_RECORDED_MISSED
        title = f"{v.deadline(ev.kind)} deadline met" + ("" if ev.on_time else " late")
        return entry("deadline", title, _due_detail(ev.due_on, ev.original_due_on),
                     _deadline_ref(ev.kind, ev.due_on, ev.original_due_on, status, ev.occurred_on))
    if type_name == "DeadlineMissed":
        return entry("deadline", f"{v.deadline(ev.kind)} deadline missed",
                     _due_detail(ev.due_on, ev.original_due_on, "Was due"),
                     _deadline_ref(ev.kind, ev.due_on, ev.original_due_on, CLOCK_RECORDED_MISSED))
    if type_name == "DeadlineExtended":
        detail = f"From {v.uk_date(ev.previous_due_on)}"
        if ev.original_due_on != ev.previous_due_on:
            detail += f" (statutory {v.uk_date(ev.original_due_on)})"
        detail += f". Reason: {ev.reason}"
        return entry("deadline", f"{v.deadline(ev.kind)} deadline extended to {v.uk_date(ev.new_due_on)}", detail,
                     _deadline_ref(ev.kind, ev.new_due_on, ev.original_due_on, "extended"))
    if type_name == "DeadlineApproaching":
        return entry("reminder", f"{v.deadline(ev.kind)} due soon", f"Due {v.uk_date(ev.due_on)}",
                     _deadline_ref(ev.kind, ev.due_on, ev.due_on, "open"))
    if type_name == "TimescalePolicyChanged":
        return entry("policy", "Timescale policy changed", f"Now {ev.policy.version}")
    if type_name == "EighteenthBirthdayReached":
        return entry("step", "18th birthday", "Transition to adult services")
    if type_name == "JourneyClosed":
        parts = [v.closure_reason(ev.reason)]
        if ev.step_down and ev.reason not in v.CLOSED_TO_SUPPORT:
            parts.append(v.steps_down(ev.step_down))
        if ev.note:
            parts.append(ev.note)
        return entry("closure", "Journey closed", "; ".join(parts))
    practice = _describe_practice(type_name, ev)
    if practice is not None:
        return entry("step", *practice)
    return entry("step", v.spelt_out(type_name))


def _describe_practice(type_name: str, ev: Any) -> tuple[str, str | None] | None:
    """Title and detail of a ROTH practice event (staff ids, never a young person's details)."""
    if type_name == "CaseAllocated":
        return "Case allocated", f"Social worker {ev.social_worker}, team manager {ev.team_manager}"
    if type_name == "ChairAssigned":
        return "Chair assigned", f"Chair {ev.chair_id}"
    if type_name == "ContextWeightingRecorded":
        top = max(c.weight for c in ev.contexts)
        leading = _codes([c.name for c in ev.contexts if c.weight == top])
        at = v.WEIGHTED_AT.get(ev.at) or f"At {v.in_a_sentence(v.spelt_out(ev.at))}"
        detail = f"{at}; most influential: {leading}"
        if ev.transfer_prompt:
            detail += f"; consider transfer to {_abbreviation(ev.transfer_prompt)}"
        return "Context weighting", detail
    if type_name == "PlanUpdated":
        made_at = v.in_a_sentence(v.name(v.MEETINGS, ev.made_at))
        return f"Plan version {ev.plan_version}", f"Made at the {made_at}; {len(ev.goals)} goal(s)"
    if type_name == "ParticipationRecorded":
        took_part = "attended" if ev.attended else ("invited, did not attend" if ev.invited else "not invited")
        views = "Views recorded" if ev.views else "No views recorded"
        return f"{v.name(v.PARTICIPANTS, ev.participant)} {took_part}", views
    if type_name == "ConsentRecorded":
        decision = v.in_a_sentence(v.name(v.CONSENT_DECISIONS, ev.decision))
        who = v.name(v.PARTICIPANTS, ev.given_by)
        return f"Consent to share {decision}", f"{who}: {v.consent_scope(ev.scope)}" if ev.scope else who
    if type_name == "TransitionPlanRecorded":
        return "Transition plan made", None
    if type_name == "CensusDetailsRecorded":
        # Which details were given, never their values: the UPN is the child's identifier.
        given = [name for name, value in (("UPN", ev.upn), ("reason for no UPN", ev.upn_unknown),
                 ("disabilities", ev.disabilities), ("referral source", ev.referral_source),
                 ("primary need", ev.primary_need)) if value is not None]
        return "Census details recorded", _codes(given)
    if type_name == "AssessmentRecorded":
        found = f"factors {_codes(ev.factors)}" if ev.factors else "no factors yet"
        return ("Assessment authorised" if ev.authorised_on else "Assessment started"), found
    return None


def _describe_pending(row: dict) -> dict:
    status = row["status"]
    title = f"{v.deadline(row['kind'])} " + ("overdue" if status == "missed" else "due")
    if row["kind"] == "eighteenth_birthday":
        title = "18th birthday: transition to adult services"
    return {
        "kind": "deadline", "type": "DeadlineDue", "title": title,
        "detail": _due_detail(row["due_on"], row["original_due_on"]) + (" (extended)" if status == "extended" else ""),
        "deadline": _deadline_ref(row["kind"], row["due_on"], row["original_due_on"], status),
    }


def _deadline_ref(kind: str, due_on: date, original_due_on: date, status: str, met_on: date | None = None) -> dict:
    return {"kind": kind, "due_on": _iso(due_on), "original_due_on": _iso(original_due_on),
            "status": status, "met_on": _iso(met_on)}


def _due_detail(due_on: date, original_due_on: date, prefix: str = "Due") -> str:
    detail = f"{prefix} {v.uk_date(due_on)}"
    if original_due_on != due_on:
        detail += f" (statutory {v.uk_date(original_due_on)})"
    return detail


def _categories(categories, outside_home: bool) -> str:
    return f"Categories: {_category_names(categories)}" + ("; harm outside the home" if outside_home else "")


def _category_names(categories) -> str:
    """'physical abuse and neglect', as the journey page names the categories."""
    return v.and_list(v.in_a_sentence(v.category(c)) for c in categories) if categories else "none recorded"


def _abbreviation(pathway: str | None) -> str:
    return v.PATHWAY_ABBREVIATIONS.get(pathway or "", pathway or "")


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _codes(values) -> str:
    return ", ".join(values) if values else "none recorded"
