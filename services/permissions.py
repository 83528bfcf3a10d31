"""The role checks the service makes before anything reaches the rules or the store, all read
from domain/roles.py's table. Each raises NotAllowed (`not_allowed_for_role`) with a sentence
the caller can show.

A journey command is checked after the journey is found, so that another LA's journey is
still "not found" whatever the caller's role. The rules check the same table again (the
workflow must refuse what it is sent, whoever sends it); the service checks first so that a
refusal costs no trip to Temporal and says why in the service's words.
"""

from __future__ import annotations

from domain import roles
from domain.roles import (
    CASEWORK, CHANGE_POLICY, EXPORT_SUBJECT_ACCESS, KEEP_CHAIRS, MANAGE_WEBHOOKS, READ_ACCESS_LOG, READ_REPORTS,
    READ_WEBHOOKS, RECORD_BASELINES, USE_DASHBOARD, may,
)
from services.errors import NotAllowed
from services.identity import Principal

START = "start_journey"
REFER = "refer_context"


def check_may_send(who: Principal, command_type: str) -> None:
    """Refuse what this role may never send: casework (a journey's or a context case's
    commands) unless the role does casework; a policy change unless it may change policy."""
    if command_type == "change_policy" and may(who.role, CHANGE_POLICY):
        return
    if may(who.role, CASEWORK):
        return  # the rules say the rest (an extension is a manager's, for instance)
    if roles.records_nothing(who.role):
        raise NotAllowed(f"An {who.role} can read journeys but not record anything.")
    raise NotAllowed(
        "An admin can read journeys and change their timescale policy, but casework is recorded by "
        "practitioners, managers or the LA's case system.")


def check_may_keep_chairs(who: Principal) -> None:
    if not may(who.role, KEEP_CHAIRS):
        raise NotAllowed("Only a manager or an admin can change the LA's pool of ROTH chairs.")


def check_may_read_reports(who: Principal) -> None:
    if not may(who.role, READ_REPORTS):
        raise NotAllowed("Only managers and auditors can export the LA's reports.")


def check_may_record_baselines(who: Principal) -> None:
    if not may(who.role, RECORD_BASELINES):
        raise NotAllowed("Only managers can record the LA's population baselines.")


def may_read_access_log(who: Principal) -> bool:
    return may(who.role, READ_ACCESS_LOG)


def check_may_read_access_log(who: Principal) -> None:
    if not may_read_access_log(who):
        raise NotAllowed("Only an auditor can read the access log.")


def check_may_export_subject_access(who: Principal) -> None:
    if not may(who.role, EXPORT_SUBJECT_ACCESS):
        raise NotAllowed("Only an auditor can export what is held about a young person (subject access).")


def check_may_read_webhooks(who: Principal) -> None:
    if not may(who.role, READ_WEBHOOKS):
        raise NotAllowed("Only an admin or a manager can see webhook subscriptions.")


def check_may_manage_webhooks(who: Principal) -> None:
    if not may(who.role, MANAGE_WEBHOOKS):
        raise NotAllowed("Only an admin can create or disable webhook subscriptions, or rotate their secrets.")


def may_use_dashboard(who: Principal) -> bool:
    return may(who.role, USE_DASHBOARD)
