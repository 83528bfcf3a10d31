"""domain/roles.py is the one table of who may do what: the rules, the service's checks and the
dashboard all read it, so they cannot disagree."""

from datetime import date

import pytest

from domain import roles
from domain.commands import ChangePolicy
from domain.decider import decide
from domain.errors import DomainError
from domain.model import Actor
from services import identity
from services.errors import NotAllowed
from services.identity import Principal
from services.permissions import START, check_may_send, may_use_dashboard
from support import CALENDAR, run, start, strategy

ADMIN = Actor("it-0001", "admin")


def in_s47():
    return run([start(date(2026, 3, 2)), strategy(date(2026, 3, 3))], date(2026, 3, 10))[0]


def test_the_roles_are_defined_once():
    assert identity.ROLES is roles.ROLES
    assert set(roles.PERMISSIONS) == set(roles.ROLES)


def test_the_table_says_what_each_role_may_do():
    assert roles.roles_that_may(roles.CASEWORK) == ("system", "practitioner", "manager")
    assert roles.roles_that_may(roles.EXTEND_DEADLINE) == ("manager",)
    assert roles.roles_that_may(roles.CHANGE_POLICY) == ("system", "manager", "admin")
    assert roles.roles_that_may(roles.KEEP_CHAIRS) == ("manager", "admin")
    assert roles.roles_that_may(roles.READ_REPORTS) == ("manager", "auditor")
    assert roles.roles_that_may(roles.READ_ACCESS_LOG) == ("auditor",)
    assert roles.roles_that_may(roles.EXPORT_SUBJECT_ACCESS) == ("auditor",)
    assert roles.roles_that_may(roles.USE_DASHBOARD) == ("manager", "auditor")
    assert [r for r in roles.ROLES if roles.records_nothing(r)] == ["auditor"]
    assert not roles.may("operator", roles.CASEWORK)  # an unknown role may do nothing


def test_the_rules_refuse_an_admin_casework_but_not_a_policy_change():
    state = in_s47()
    with pytest.raises(DomainError) as raised:
        decide(state, strategy(date(2026, 3, 9), actor=ADMIN), date(2026, 3, 10), CALENDAR)
    assert raised.value.code == "not_allowed_for_role"
    with pytest.raises(DomainError) as raised:  # past the role check, to the policy's own rule
        decide(state, ChangePolicy("c-1", ADMIN, state.policy), date(2026, 3, 10), CALENDAR)
    assert raised.value.code == "policy_unchanged"


@pytest.mark.parametrize("role", roles.ROLES)
@pytest.mark.parametrize("command_type", [START, "record_strategy_discussion", "change_policy"])
def test_the_service_lets_through_only_what_the_table_allows(role, command_type):
    who = Principal("someone", role, "873")
    needed = roles.CHANGE_POLICY if command_type == "change_policy" else roles.CASEWORK
    allowed = roles.may(role, needed) or (needed == roles.CHANGE_POLICY and roles.may(role, roles.CASEWORK))
    if allowed:
        check_may_send(who, command_type)
    else:
        with pytest.raises(NotAllowed):
            check_may_send(who, command_type)


def test_the_dashboard_is_for_the_roles_the_table_names():
    assert [r for r in roles.ROLES if may_use_dashboard(Principal("x", r, "873"))] == ["manager", "auditor"]
