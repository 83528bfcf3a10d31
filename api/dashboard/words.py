"""Plain words for the dashboard: what a practitioner reads without training.

Codes stay in the data; pages show these. Dates are written the UK way ("24 March 2026"),
from a fixed list of month names so that the host's locale never changes what is shown.
"""

from __future__ import annotations

from datetime import date

from domain import ages
from reports.cohort_report import LABELS as COHORT_LABELS

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

PATHWAYS = {
    "roth": "ROTH (harm outside the home)",
    "cp": "Child protection (harm in the family)",
}
PATHWAYS_SHORT = {"roth": "ROTH", "cp": "Child protection"}
NO_PATHWAY = "Not decided yet"

STAGES = {
    "not_started": "Not started",
    "referral": "Referral",
    "section_47": "Section 47 enquiry",
    "plan": "On a plan",
    "closed": "Closed",
}
# The order a young person usually moves through them, for tables.
STAGE_ORDER = ("referral", "section_47", "plan", "closed")

DEADLINES = {
    "initial_conference": "Initial conference",
    "first_core_group": "First core group",
    "core_group": "Core group",
    "review_conference": "Review conference",
    "visit": "Visit",
    "eighteenth_birthday": "18th birthday (move to adult services)",
    "assessment": "Assessment",
    "transfer_in_conference": "Transfer-in conference",
}

CATEGORIES = {
    "physical": "Physical abuse",
    "emotional": "Emotional abuse",
    "sexual": "Sexual abuse",
    "neglect": "Neglect",
}

STATUSES = {"open": "Open", "met": "Met", "missed": "Missed", "extended": "Extended"}

CLOSURE_REASONS = {
    "transferred_out": "Moved to another local authority",
    "looked_after": "Became looked after",
    "died": "Died",
    "moved_to_adult_services": "Moved to adult services",
    "eighteenth_birthday": "Turned 18 (moved to adult services)",
    "no_plan": "Initial conference decided no plan was needed",
    "plan_ended": "Plan ended",
    "child_in_need": "Strategy discussion: child in need instead",
    "early_help": "Strategy discussion: early help instead",
    "no_further_action": "No further action",
    "other": "Other reason",
}

STEP_DOWNS = {"child_in_need": "child in need", "early_help": "early help", "none": "no further support"}

STRATEGY_OUTCOMES = {
    "s47_roth": "section 47 enquiry on the ROTH pathway",
    "s47_cp": "section 47 enquiry on the child protection pathway",
    "child_in_need": "child in need instead",
    "early_help": "early help instead",
    "no_further_action": "no further action",
}

REVIEW_DECISIONS = {
    "continue": "plan continues",
    "transfer_to_roth": "move to the ROTH pathway",
    "transfer_to_cp": "move to the child protection pathway",
    "end_plan": "plan ends",
}

# --- ROTH practice: context weighting, the plan under three headings, voices ----------------

CONTEXT_KINDS = {
    "home_family": "Home and family",
    "peer_group": "Peer group",
    "school_college": "School or college",
    "public_place": "Public place",
    "online": "Online",
    "other": "Other context",
}

# When a weighting was made.
WEIGHTED_AT = {
    "assessment": "At assessment",
    "initial_conference": "At the initial conference",
    "review_conference": "At a review conference",
    "core_group": "At a core group",
}

MEETINGS = {
    "initial_conference": "Initial conference",
    "review_conference": "Review conference",
    "core_group": "Core group",
}

# Where the most influential context is: what a shift in prompts a transfer.
INFLUENTIAL_SIDES = {
    "family": "Home and family",
    "outside": "A context outside the home",
    None: "Neither side: the family and a context outside the home are weighted equally",
}

SIDES = {"family": "the family", "outside": "outside the home"}

TRANSFER_PROMPTS = {
    "roth": "Consider transfer to ROTH",
    "cp": "Consider transfer to CP",
}
TRANSFER_REASONS = {
    "roth": "At the latest context weighting the most influential context moved from the family to a context "
            "outside the home. The conference decides; this is a prompt, not a transfer.",
    "cp": "At the latest context weighting the most influential context moved from outside the home to the "
          "family. The conference decides; this is a prompt, not a transfer.",
}

PLAN_HEADINGS = {
    "needs": "The young person’s needs",
    "guardianship": "Guardianship in contexts outside the home",
    "environment": "Environmental factors in those contexts",
}
PLAN_HEADING_ORDER = ("needs", "guardianship", "environment")

NEEDS = {
    "education_access": "Access to education",
    "assessment_and_support": "ASD, SEND or mental health assessment and support",
    "physical_safety": "Physical safety in public places and education",
    "substance_use": "Support with substance use",
    "poverty": "Support with the impact of poverty",
    "other": "Another need",
}

# Plan quality check findings, counted on the overview and in the cohort report (the journey
# page shows each message): the cohort report's published words, so the two never differ.
PLAN_FINDINGS = COHORT_LABELS["plan_finding"]

PARTICIPANTS = {"young_person": "Young person", "parent_carer": "Parent or carer"}

CONSENT_DECISIONS = {"given": "Given", "refused": "Refused", "withdrawn": "Withdrawn"}
CONSENT_SCOPES = {
    "education": "education", "health": "health", "police": "police", "youth_justice": "youth justice",
    "community_safety": "community safety", "voluntary_sector": "the voluntary sector",
    "transport": "transport", "housing": "housing",
}

# Context cases.
CONTEXT_CONFERENCES = {"context_conference": "First context conference", "context_review": "Context review conference"}
CONTEXT_ACTION_KINDS = {
    "guardianship": "Guardianship", "environmental": "Environmental change", "school": "School",
    "transport": "Transport", "other": "Other",
}
CONTEXT_CLOSE_REASONS = {
    "safety_improved": "Safety improved", "merged": "Merged with another context case",
    "no_longer_a_concern": "No longer a concern", "other": "Other reason",
}


def uk_date(value: date | str | None, weekday: bool = False) -> str:
    """24 March 2026 (or Tuesday 24 March 2026); an empty string for no date."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    text = f"{value.day} {MONTHS[value.month - 1]} {value.year}"
    return f"{WEEKDAYS[value.weekday()]} {text}" if weekday else text


def as_date(value: date | str | None) -> date | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def pathway(code: str | None, short: bool = False) -> str:
    if code is None:
        return NO_PATHWAY
    return (PATHWAYS_SHORT if short else PATHWAYS).get(code, code)


def stage(code: str | None) -> str:
    return STAGES.get(code or "", (code or "").replace("_", " ").capitalize())


def deadline(kind: str | None) -> str:
    return DEADLINES.get(kind or "", (kind or "").replace("_", " ").capitalize())


def category(code: str) -> str:
    return CATEGORIES.get(code, code.replace("_", " ").capitalize())


def closure_reason(code: str | None) -> str:
    return CLOSURE_REASONS.get(code or "", (code or "").replace("_", " ").capitalize())


def step_down(code: str | None) -> str:
    return STEP_DOWNS.get(code or "", (code or "").replace("_", " "))


def _label(table: dict, code: str | None) -> str:
    return table.get(code or "", (code or "").replace("_", " ").capitalize())


def context_kind(code: str | None) -> str:
    return _label(CONTEXT_KINDS, code)


def weighted_at(code: str | None) -> str:
    return _label(WEIGHTED_AT, code)


def meeting(code: str | None) -> str:
    return _label(MEETINGS, code)


def plan_heading(code: str | None) -> str:
    return _label(PLAN_HEADINGS, code)


def need(code: str | None) -> str:
    return _label(NEEDS, code)


def plan_finding(code: str | None) -> str:
    return _label(PLAN_FINDINGS, code)


def participant(code: str | None) -> str:
    return _label(PARTICIPANTS, code)


def consent_decision(code: str | None) -> str:
    return _label(CONSENT_DECISIONS, code)


def consent_scope(codes) -> str:
    """'education, health and police'."""
    names = [CONSENT_SCOPES.get(c, c.replace("_", " ")) for c in codes or ()]
    return and_list(names)


def context_conference(code: str | None) -> str:
    return _label(CONTEXT_CONFERENCES, code)


def context_action_kind(code: str | None) -> str:
    return _label(CONTEXT_ACTION_KINDS, code)


def context_close_reason(code: str | None) -> str:
    return _label(CONTEXT_CLOSE_REASONS, code)


def influential_side(code: str | None) -> str:
    return INFLUENTIAL_SIDES.get(code, INFLUENTIAL_SIDES[None])


def transfer_reason(code: str | None) -> str:
    return TRANSFER_REASONS.get(code or "", "")


def side(code: str | None) -> str:
    return SIDES.get(code or "", "neither side")


def transfer_prompt(code: str | None) -> str:
    return TRANSFER_PROMPTS.get(code or "", "")


def and_list(names) -> str:
    """'a', 'a and b', 'a, b and c'."""
    names = [n for n in names if n]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def age_on(date_of_birth: date | str | None, today: date) -> int | None:
    """domain/ages.py's age, from a view's date of birth (None where none is recorded)."""
    born = as_date(date_of_birth)
    return None if born is None else ages.age_on(born, today)


def a(noun: str) -> str:
    """'a manager', 'an auditor'."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def days_word(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def overdue_by(due_on: date | str | None, today: date) -> str:
    """'3 days overdue' (calendar days: what a manager counts on a wall calendar)."""
    due = as_date(due_on)
    if due is None or due >= today:
        return ""
    return f"{days_word((today - due).days)} overdue"


def due_in(due_on: date | str | None, today: date) -> str:
    """'due today', 'due in 4 days', 'due in 3 weeks', 'due in 5 months', or how overdue."""
    due = as_date(due_on)
    if due is None:
        return ""
    if due < today:
        return overdue_by(due, today)
    days = (due - today).days
    if days == 0:
        return "due today"
    if days == 1:
        return "due tomorrow"
    if days < 14:
        return f"due in {days} days"
    if days < 60:
        return f"due in {days // 7} weeks"
    if days < 730:
        return f"due in {int(days / 30.44)} months"
    return f"due in {int(days / 365.25)} years"


def sentence(text: str | None) -> str:
    """The first letter in capitals and nothing else changed (Jinja's capitalize lowers the rest)."""
    return (text[:1].upper() + text[1:]) if text else ""


def percent(value) -> str:
    """A percentage (0 to 100) as a whole number ('81%'); a dash where there is nothing to measure."""
    if value is None:
        return "–"
    return f"{round(value)}%"


# The access log's codes (store/access_log.py), as an auditor reads them.
ACCESS_WHAT = {
    "journey": "The journey’s state",
    "events": "The journey’s chronology",
    "command_answer": "The journey’s state, in answer to a command",
    "timeline": "The journey’s timeline",
    "journey_list": "Listed among journeys",
    "overdue_list": "Listed as overdue",
    "due_list": "Listed as due soon",
    "context_linked": "Listed on a context",
    "overview": "Listed on the dashboard’s overview",
    "journey_page": "The dashboard’s journey page",
    "journey_record": "The journey’s record, at the command line",
    "access_log": "The access log",
    "cohort_report": "The cohort report (counts only; detail: period, threshold and what was shown)",
}
ACCESS_CHANNELS = {"api": "HTTP API", "dashboard": "Dashboard", "cli": "Command line"}


def access_what(code: str | None) -> str:
    return ACCESS_WHAT.get(code or "", (code or "").replace("_", " ").capitalize())


def access_channel(code: str | None) -> str:
    return ACCESS_CHANNELS.get(code or "", code or "")


def uk_time(value) -> str:
    """'24 March 2026, 10:15:02' in London time (the access log keeps UTC)."""
    if value is None:
        return ""
    from zoneinfo import ZoneInfo

    local = value.astimezone(ZoneInfo("Europe/London"))
    return f"{uk_date(local.date())}, {local:%H:%M:%S}"


def install(env) -> None:
    """Make these words available to the Jinja templates as filters."""
    env.filters.update({
        "uk_date": uk_date, "pathway": pathway, "stage": stage, "deadline": deadline,
        "category": category, "closure_reason": closure_reason, "step_down": step_down,
        "percent": percent, "sentence": sentence, "context_kind": context_kind, "weighted_at": weighted_at,
        "meeting": meeting, "plan_heading": plan_heading, "need": need, "plan_finding": plan_finding,
        "participant": participant, "consent_decision": consent_decision, "consent_scope": consent_scope,
        "context_conference": context_conference, "context_action_kind": context_action_kind,
        "context_close_reason": context_close_reason, "influential_side": influential_side,
        "side": side, "transfer_reason": transfer_reason,
        "transfer_prompt": transfer_prompt, "and_list": and_list, "due_in": due_in,
        "access_what": access_what, "access_channel": access_channel, "uk_time": uk_time,
    })
