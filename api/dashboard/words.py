"""The dashboard's words: domain/vocabulary.py's names as Jinja filters, and the wording only a
page needs (how long until a date, how overdue, percentages, London times).

Codes stay in the data; pages show these. What a code is called lives in the vocabulary, so
the dashboard, the timeline, the command line and the reports never word one code two ways.
"""

from __future__ import annotations

from datetime import date

from domain import ages
from domain import vocabulary as v
# The tables and names the routes read from here.
from domain.vocabulary import OPEN_STAGES, PATHWAYS, PLAN_HEADING_ORDER, STAGE_ORDER, STATUSES  # noqa: F401
from domain.vocabulary import deadline, sentence, stage  # noqa: F401


def as_date(value: date | str | None) -> date | None:
    """A date from a view's ISO text (views hold dates as text), or None for none."""
    if value is None or value == "":
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def uk_date(value: date | str | None, weekday: bool = False) -> str:
    """The vocabulary's '24 March 2026' for a date or a view's ISO text; empty for no date."""
    day = as_date(value)
    return "" if day is None else v.uk_date(day, weekday)


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


def percent(value) -> str:
    """A percentage (0 to 100) as a whole number ('81%'); a dash where there is nothing to measure."""
    if value is None:
        return "–"
    return f"{round(value)}%"


def uk_time(value) -> str:
    """'24 March 2026, 10:15:02' in London time (the access log keeps UTC)."""
    if value is None:
        return ""
    from zoneinfo import ZoneInfo

    local = value.astimezone(ZoneInfo("Europe/London"))
    return f"{uk_date(local.date())}, {local:%H:%M:%S}"


def install(env) -> None:
    """Make the words available to the Jinja templates as filters."""
    env.filters.update({
        "uk_date": uk_date, "pathway": v.pathway, "stage": v.stage, "deadline": v.deadline,
        "category": v.category, "closure_reason": v.closure_reason, "step_down": v.step_down,
        "percent": percent, "sentence": v.sentence, "context_kind": v.context_kind, "weighted_at": v.weighted_at,
        "meeting": v.meeting, "plan_heading": v.plan_heading, "need": v.need, "plan_finding": v.plan_finding,
        "participant": v.participant, "consent_decision": v.consent_decision, "consent_scope": v.consent_scope,
        "context_conference": v.context_conference, "context_action_kind": v.context_action_kind,
        "context_close_reason": v.context_close_reason, "influential_side": v.influential_side,
        "side": v.side, "transfer_reason": v.transfer_reason,
        "transfer_prompt": v.transfer_prompt, "and_list": v.and_list, "due_in": due_in,
        "access_what": v.access_what, "access_channel": v.access_channel, "uk_time": uk_time,
    })
