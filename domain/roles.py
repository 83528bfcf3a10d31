"""Who may do what: the service's roles and, for each, what it may do, in one table.

Every role reads everything in its own LA and nothing outside it; the table says what more
each may do. The journey's and the context case's rules (domain/decider.py,
domain/contexts.py), the service layer (services/) and the dashboard all ask `may`, so a
change of who may do what is made here and nowhere else.

| role           | casework | extend_deadline | change_policy | chairs | reports | baselines | access log | subject access | webhooks     | dashboard |
| -------------- | -------- | --------------- | ------------- | ------ | ------- | --------- | ---------- | -------------- | ------------ | --------- |
| `system`       | yes      | no              | yes           | no     | no      | no        | no         | no             | no           | no        |
| `practitioner` | yes      | no              | no            | no     | no      | no        | no         | no             | no           | no        |
| `manager`      | yes      | yes             | yes           | yes    | yes     | yes       | no         | no             | read         | yes       |
| `auditor`      | no       | no              | no            | no     | yes     | no        | yes        | yes            | no           | yes       |
| `admin`        | no       | no              | yes           | yes    | no      | no        | no         | no             | read, manage | no        |

Casework is what is recorded about children: starting a journey, its steps, the ROTH practice
and census commands, and context cases (referral, conferences, actions, closure). An admin
looks after the service, not after children, so records none of it: the actor on a
chronology is always someone accountable for the case or the LA's case system. Keeping the
LA's pool of ROTH chairs is configuration, not casework (the case system may not choose who
may chair). Reports hand over the LA's figures, and recording a population baseline changes
what the LA publishes: a manager's call. The access log tells who looked at which child;
watching staff's reads is the auditors' task. A subject access export hands over everything
held about one young person, so it is the data protection officer's, an auditor's, alone.
The dashboard is for oversight, and read-only.
"""

from __future__ import annotations

SYSTEM = "system"
PRACTITIONER = "practitioner"
MANAGER = "manager"
AUDITOR = "auditor"
ADMIN = "admin"
ROLES = (SYSTEM, PRACTITIONER, MANAGER, AUDITOR, ADMIN)

# What a role may do (the table's columns).
CASEWORK = "casework"
EXTEND_DEADLINE = "extend_deadline"
CHANGE_POLICY = "change_policy"
KEEP_CHAIRS = "keep_chairs"
READ_REPORTS = "read_reports"
RECORD_BASELINES = "record_baselines"
READ_ACCESS_LOG = "read_access_log"
EXPORT_SUBJECT_ACCESS = "export_subject_access"
READ_WEBHOOKS = "read_webhooks"
MANAGE_WEBHOOKS = "manage_webhooks"
USE_DASHBOARD = "use_dashboard"

PERMISSIONS: dict[str, frozenset[str]] = {
    SYSTEM: frozenset({CASEWORK, CHANGE_POLICY}),
    PRACTITIONER: frozenset({CASEWORK}),
    MANAGER: frozenset({CASEWORK, EXTEND_DEADLINE, CHANGE_POLICY, KEEP_CHAIRS, READ_REPORTS, RECORD_BASELINES,
                        READ_WEBHOOKS, USE_DASHBOARD}),
    AUDITOR: frozenset({READ_REPORTS, READ_ACCESS_LOG, EXPORT_SUBJECT_ACCESS, USE_DASHBOARD}),
    ADMIN: frozenset({CHANGE_POLICY, KEEP_CHAIRS, READ_WEBHOOKS, MANAGE_WEBHOOKS}),
}


def may(role: str, permission: str) -> bool:
    """Whether `role` may do `permission`; an unknown role may do nothing."""
    return permission in PERMISSIONS.get(role, frozenset())


def roles_that_may(permission: str) -> tuple[str, ...]:
    """The roles that may do `permission`, in the table's order."""
    return tuple(role for role in ROLES if may(role, permission))


def records_nothing(role: str) -> bool:
    """A role that may record nothing at all (it only reads)."""
    return not PERMISSIONS.get(role, frozenset()) & {CASEWORK, CHANGE_POLICY, KEEP_CHAIRS, RECORD_BASELINES,
                                                     MANAGE_WEBHOOKS}
