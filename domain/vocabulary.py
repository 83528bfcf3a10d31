"""The words people read for the service's codes: one vocabulary for the dashboard, the
timeline (domain/timeline.py), the command line and the published reports.

Codes stay in the data and the API's fields; these are the names shown beside or instead of
them, written for a practitioner or manager without training in the codes. A code this
version does not know is still shown, spelt out from the code itself, never dropped.

Dates are written the UK way ("24 March 2026") from a fixed list of month names, so that the
host's locale never changes what anyone reads.
"""

from __future__ import annotations

from datetime import date
from typing import Iterable, Mapping


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# --- the journey ------------------------------------------------------------------------------

PATHWAYS = {"roth": "ROTH (harm outside the home)", "cp": "Child protection (harm in the family)"}
# In a table's cells and the published reports, where the column already says "pathway".
PATHWAYS_SHORT = {"roth": "ROTH", "cp": "Child protection"}
# As practitioners say them in one breath: "transferred from CP to ROTH".
PATHWAY_ABBREVIATIONS = {"roth": "ROTH", "cp": "CP"}
NO_PATHWAY = "Not decided yet"

STAGES = {
    "not_started": "Not started",
    "referral": "Referral",
    "section_47": "Section 47 enquiry",
    "plan": "On a plan",
    "closed": "Closed",
}
# The order a young person usually moves through the stages: tables and filters list them so.
STAGE_ORDER = ("referral", "section_47", "plan", "closed")
OPEN_STAGES = STAGE_ORDER[:-1]

# The conference that decides on a plan is named after the pathway it is held on.
INITIAL_CONFERENCES = {"roth": "Initial ROTH conference", "cp": "Initial child protection conference"}

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

STATUSES = {"open": "Open", "met": "Met", "missed": "Missed", "extended": "Extended"}

CATEGORIES = {
    "physical": "Physical abuse",
    "emotional": "Emotional abuse",
    "sexual": "Sexual abuse",
    "neglect": "Neglect",
}

STRATEGY_OUTCOMES = {
    "s47_roth": "s.47 enquiry on the ROTH pathway",
    "s47_cp": "s.47 enquiry on the child protection pathway",
    "child_in_need": "no s.47 enquiry; child in need",
    "early_help": "no s.47 enquiry; early help",
    "no_further_action": "no further action",
}

REVIEW_DECISIONS = {
    "continue": "plan continues",
    "transfer_to_roth": "transfer to the ROTH pathway",
    "transfer_to_cp": "transfer to the child protection pathway",
    "end_plan": "plan ends",
}

# What a young person steps down to when a conference makes or ends no plan.
STEP_DOWNS = {"child_in_need": "child in need", "early_help": "early help"}
NO_STEP_DOWN = "no step down"

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
# Closed by a strategy discussion that chose a lower level of support: the reason already
# names what the young person moved to.
CLOSED_TO_SUPPORT = ("child_in_need", "early_help")

# --- ROTH practice: context weighting, the plan under three headings, voices ------------------

CONTEXT_KINDS = {
    "home_family": "Home and family",
    "peer_group": "Peer group",
    "school_college": "School or college",
    "public_place": "Public place",
    "online": "Online",
    "other": "Other context",
}

# When a context weighting was made.
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

# Where the most influential context is: a shift from one side to the other prompts a transfer.
INFLUENTIAL_SIDES = {
    "family": "Home and family",
    "outside": "A context outside the home",
    None: "Neither side: the family and a context outside the home are weighted equally",
}
SIDES = {"family": "the family", "outside": "outside the home"}

TRANSFER_PROMPTS = {"roth": "Consider transfer to ROTH", "cp": "Consider transfer to CP"}
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

# The plan quality check's findings (domain/plans.py), in the order reports list them.
PLAN_FINDINGS = {
    "need_without_goal": "A need has no goal",
    "goal_without_action": "A goal has no action",
    "action_without_owner_or_date": "An action has no owner or no due date",
    "goal_without_outcome": "A goal has no outcome",
    "harm_context_without_action": "A place of harm has no action aimed at it",
    "only_behaviour_targeted": "Every action is aimed at the young person",
    "voices_not_recorded": "The conference recorded no views from the young person or parents",
}

PARTICIPANTS = {"young_person": "Young person", "parent_carer": "Parent or carer"}

CONSENT_DECISIONS = {"given": "Given", "refused": "Refused", "withdrawn": "Withdrawn"}
CONSENT_SCOPES = {
    "education": "education", "health": "health", "police": "police", "youth_justice": "youth justice",
    "community_safety": "community safety", "voluntary_sector": "the voluntary sector",
    "transport": "transport", "housing": "housing",
}

# --- context cases -----------------------------------------------------------------------------

CONTEXT_CONFERENCES = {"context_conference": "First context conference", "context_review": "Context review conference"}
CONTEXT_ACTION_KINDS = {
    "guardianship": "Guardianship", "environmental": "Environmental change", "school": "School",
    "transport": "Transport", "other": "Other",
}
CONTEXT_CLOSE_REASONS = {
    "safety_improved": "Safety improved", "merged": "Merged with another context case",
    "no_longer_a_concern": "No longer a concern", "other": "Other reason",
}

# --- the cohort report's groups ----------------------------------------------------------------

HARM_TYPES = {
    "serious_youth_violence": "Serious youth violence", "cce": "Child criminal exploitation",
    "cse": "Child sexual exploitation", "peer_abuse": "Peer-on-peer abuse",
    "intimate_partner_abuse": "Intimate partner abuse", "online_abuse": "Online abuse", "other": "Other harm",
}
# domain/ages.py's bands.
AGE_BANDS = {"under 10": "Under 10", "10-12": "10 to 12", "13-15": "13 to 15", "16-17": "16 to 17",
             "18 and over": "18 and over"}
SEXES = {"M": "Male", "F": "Female", "U": "Not known"}
# The CIN census's descriptions of its ethnicity codes.
ETHNICITIES = {
    "WBRI": "White British", "WIRI": "White Irish", "WIRT": "Traveller of Irish heritage",
    "WOTH": "Any other White background", "WROM": "Gypsy/Roma", "MWBC": "White and Black Caribbean",
    "MWBA": "White and Black African", "MWAS": "White and Asian", "MOTH": "Any other mixed background",
    "AIND": "Indian", "APKN": "Pakistani", "ABAN": "Bangladeshi", "AOTH": "Any other Asian background",
    "BCRB": "Black Caribbean", "BAFR": "Black African", "BOTH": "Any other Black background", "CHNE": "Chinese",
    "OOTH": "Any other ethnic group", "REFU": "Refused", "NOBT": "Information not yet obtained",
}

# --- the access log (store/access_log.py's codes), as an auditor reads them -----------------

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
    "subject_access": "Everything held about the young person, in a subject access export",
}
ACCESS_CHANNELS = {"api": "HTTP API", "dashboard": "Dashboard", "cli": "Command line"}


# --- looking words up --------------------------------------------------------------------------

def spelt_out(code: str | None) -> str:
    """A code no table names, as words: 'case_note' -> 'Case note', 'CaseNoteAdded' -> 'Case note added'."""
    if not code:
        return ""
    if "_" in code or code.islower():
        return sentence(code.replace("_", " "))
    return sentence("".join(f" {c.lower()}" if c.isupper() else c for c in code).strip())


def name(table: Mapping, code: str | None) -> str:
    """The table's name for the code, or the code spelt out."""
    return table.get(code or "", spelt_out(code))


def pathway(code: str | None, short: bool = False) -> str:
    if code is None:
        return NO_PATHWAY
    return (PATHWAYS_SHORT if short else PATHWAYS).get(code, code)


def stage(code: str | None) -> str:
    return name(STAGES, code)


def stage_rank(code: str) -> tuple[int, str]:
    """Where a stage sorts in STAGE_ORDER; one added later follows, alphabetically."""
    return (STAGE_ORDER.index(code), "") if code in STAGE_ORDER else (len(STAGE_ORDER), code)


def deadline(kind: str | None) -> str:
    return name(DEADLINES, kind)


def category(code: str | None) -> str:
    return name(CATEGORIES, code)


def closure_reason(code: str | None) -> str:
    return name(CLOSURE_REASONS, code)


def step_down(code: str | None) -> str:
    """What the young person stepped down to ('early help'), or NO_STEP_DOWN for none."""
    if code in (None, "", "none"):
        return NO_STEP_DOWN
    return STEP_DOWNS.get(code, code.replace("_", " "))


def steps_down(code: str | None) -> str:
    """'steps down to early help', or 'no step down'."""
    named = step_down(code)
    return named if named == NO_STEP_DOWN else f"steps down to {named}"


def in_a_sentence(text: str) -> str:
    """A name as it reads inside a sentence: 'Access to education' -> 'access to education',
    but 'ASD, SEND or ...' and 'ROTH' keep their capitals."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def sentence(text: str | None) -> str:
    """The first letter in capitals and nothing else changed."""
    return (text[:1].upper() + text[1:]) if text else ""


def and_list(names: Iterable[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    names = [n for n in names if n]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def consent_scope(codes: Iterable[str] | None) -> str:
    """'education, health and police'."""
    return and_list(CONSENT_SCOPES.get(c, c.replace("_", " ")) for c in codes or ())


def uk_date(day: date, weekday: bool = False) -> str:
    """24 March 2026 (or Tuesday 24 March 2026)."""
    text = f"{day.day} {MONTHS[day.month - 1]} {day.year}"
    return f"{WEEKDAYS[day.weekday()]} {text}" if weekday else text


def context_kind(code: str | None) -> str:
    return name(CONTEXT_KINDS, code)


def weighted_at(code: str | None) -> str:
    return name(WEIGHTED_AT, code)


def meeting(code: str | None) -> str:
    return name(MEETINGS, code)


def plan_heading(code: str | None) -> str:
    return name(PLAN_HEADINGS, code)


def need(code: str | None) -> str:
    return name(NEEDS, code)


def plan_finding(code: str | None) -> str:
    return name(PLAN_FINDINGS, code)


def participant(code: str | None) -> str:
    return name(PARTICIPANTS, code)


def consent_decision(code: str | None) -> str:
    return name(CONSENT_DECISIONS, code)


def context_conference(code: str | None) -> str:
    return name(CONTEXT_CONFERENCES, code)


def context_action_kind(code: str | None) -> str:
    return name(CONTEXT_ACTION_KINDS, code)


def context_close_reason(code: str | None) -> str:
    return name(CONTEXT_CLOSE_REASONS, code)


def influential_side(code: str | None) -> str:
    return INFLUENTIAL_SIDES.get(code, INFLUENTIAL_SIDES[None])


def side(code: str | None) -> str:
    return SIDES.get(code or "", "neither side")


def transfer_prompt(code: str | None) -> str:
    return TRANSFER_PROMPTS.get(code or "", "")


def transfer_reason(code: str | None) -> str:
    return TRANSFER_REASONS.get(code or "", "")


def access_what(code: str | None) -> str:
    return name(ACCESS_WHAT, code)


def access_channel(code: str | None) -> str:
    return ACCESS_CHANNELS.get(code or "", code or "")
