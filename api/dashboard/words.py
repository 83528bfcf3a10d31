"""Plain words for the dashboard: what a practitioner reads without training.

Codes stay in the data; pages show these. Dates are written the UK way ("24 March 2026"),
from a fixed list of month names so that the host's locale never changes what is shown.
"""

from __future__ import annotations

from datetime import date

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


def age_on(date_of_birth: date | str | None, today: date) -> int | None:
    born = as_date(date_of_birth)
    if born is None:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


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


def install(env) -> None:
    """Make these words available to the Jinja templates as filters."""
    env.filters.update({
        "uk_date": uk_date, "pathway": pathway, "stage": stage, "deadline": deadline,
        "category": category, "closure_reason": closure_reason, "step_down": step_down,
        "percent": percent, "sentence": sentence,
    })
