"""The contract's command shapes (api/schemas) against the domain's commands they carry.

A command is written twice: as the domain's dataclass, which the rules decide on, and as the
pydantic model that checks a caller's body. These tests hold the two together, so that a
field added, renamed or made optional on one side and not the other fails here rather than
as a 422 for a body the rules would take, or a rule that never sees what the caller meant.
"""

from __future__ import annotations

import dataclasses
from typing import get_args

import pytest
from pydantic import BaseModel

from api import schemas
from api.schemas.common import discriminated
from domain import commands, contexts, plans, weighting
from domain.model import YoungPerson

# What the service fills in, never the caller: the actor from the caller's token on every
# command, and what the rules (which are pure) are told.
FROM_THE_TOKEN = {"actor"}
FILLED_BY_THE_SERVICE = {
    # derived from the workflow id and the command id; the LA's policy in force; the practice rules
    "start_journey": {"journey_id", "policy", "chairs_required"},
    "assign_chair": {"in_pool"},  # from the LA's pool of chairs
    "correct_event": {"original"},  # the stored event the correction names
    # derived like a journey's id; the caller's LA; the cadence every context case starts on
    "refer_context": {"case_id", "local_authority", "cadence"},
}
# The clock's commands are the workflow's own; no caller sends them.
NOT_SENT = {commands.ObserveDay}

DOMAIN_COMMANDS = {**commands.COMMAND_TYPES, **contexts.CONTEXT_COMMAND_TYPES}
SENT = {**{n: schemas.Command for n in commands.SENT_COMMAND_TYPES},
        **{n: schemas.ContextCommand for n in contexts.SENT_CONTEXT_COMMAND_TYPES}}


def domain_fields(cls) -> dict[str, bool]:
    """Field name -> required, for a dataclass."""
    return {f.name: f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            for f in dataclasses.fields(cls)}


def contract_fields(model: type[BaseModel]) -> dict[str, bool]:
    """Field name -> required, for a pydantic model."""
    return {name: field.is_required() for name, field in model.model_fields.items()}


def union_members(body) -> dict[str, type[BaseModel]]:
    """The models of a discriminated body, by their `type`."""
    (union, *_) = get_args(body)
    return {get_args(model.model_fields["type"].annotation)[0]: model for model in get_args(union)}


def contract_model(name: str) -> type[BaseModel]:
    if name in SENT:
        return union_members(SENT[name])[name]
    return getattr(schemas, DOMAIN_COMMANDS[name].__name__)


def test_the_contract_takes_the_commands_the_domain_names_as_sent() -> None:
    assert schemas.COMMAND_TYPES == commands.SENT_COMMAND_TYPES
    assert schemas.CONTEXT_COMMAND_TYPES == contexts.SENT_CONTEXT_COMMAND_TYPES
    assert tuple(union_members(schemas.Command)) == commands.SENT_COMMAND_TYPES
    assert tuple(union_members(schemas.ContextCommand)) == contexts.SENT_CONTEXT_COMMAND_TYPES
    # Every domain command has a shape, bar the clock's; the start and the referral have doors of their own.
    assert set(commands.COMMAND_TYPES) - set(commands.SENT_COMMAND_TYPES) == {"start_journey", "observe_day"}
    assert set(contexts.CONTEXT_COMMAND_TYPES) - set(contexts.SENT_CONTEXT_COMMAND_TYPES) == {"refer_context"}
    assert not {commands.COMMAND_NAMES[cls] for cls in NOT_SENT} & set(SENT)


@pytest.mark.parametrize("name", [n for n, cls in DOMAIN_COMMANDS.items() if cls not in NOT_SENT])
def test_a_command_shape_has_the_domain_commands_fields(name: str) -> None:
    domain_cls, model = DOMAIN_COMMANDS[name], contract_model(name)
    assert model.__name__ == domain_cls.__name__  # the OpenAPI document names it as the domain does
    domain = {k: v for k, v in domain_fields(domain_cls).items()
              if k not in FROM_THE_TOKEN | FILLED_BY_THE_SERVICE.get(name, set())}
    contract = {k: v for k, v in contract_fields(model).items() if k != "type"}
    assert set(contract) == set(domain), f"{name}: the contract's fields are not the domain's"
    assert contract == domain, f"{name}: a field required on one side is optional on the other"
    assert ("type" in model.model_fields) == (name in SENT)  # the discriminator, for a body that names its type


@pytest.mark.parametrize("name", sorted(FILLED_BY_THE_SERVICE))
def test_what_the_service_fills_in_is_the_domains_and_not_the_callers(name: str) -> None:
    domain_cls = DOMAIN_COMMANDS[name]
    assert FILLED_BY_THE_SERVICE[name] <= set(domain_fields(domain_cls))
    assert not FILLED_BY_THE_SERVICE[name] & set(contract_model(name).model_fields)


# The values a command carries: the same fields, and any difference in what may be left out is
# stated here. The contract lets a plan's goal and action leave out what the plan quality
# check flags when missing (it sends null or an empty list); the domain's, which events carry
# too, always hold every field.
NESTED = [
    (schemas.YoungPersonIn, YoungPerson, set()),
    (schemas.WeightedContextIn, weighting.WeightedContext, set()),
    (schemas.GoalIn, plans.Goal, {"need", "actions", "outcome"}),
    (schemas.PlanActionIn, plans.Action, {"owner", "due_on"}),
]


@pytest.mark.parametrize(("model", "domain_cls", "optional_in_the_contract"), NESTED,
                         ids=[m.__name__ for m, _, _ in NESTED])
def test_a_commands_values_have_the_domains_fields(model, domain_cls, optional_in_the_contract) -> None:
    contract, domain = contract_fields(model), domain_fields(domain_cls)
    assert set(contract) == set(domain)
    differing = {k for k in domain if contract[k] != domain[k]}
    assert differing == optional_in_the_contract
    assert not any(contract[k] for k in differing)  # only ever the contract the more lenient


def test_a_body_for_a_command_the_domain_does_not_name_is_refused_at_import() -> None:
    members = tuple(union_members(schemas.Command).values())
    with pytest.raises(TypeError):
        discriminated(commands.SENT_COMMAND_TYPES, members[:-1])  # a name with no shape
    with pytest.raises(TypeError):
        discriminated(commands.SENT_COMMAND_TYPES[:-1], members)  # a shape with no name
    with pytest.raises(TypeError):
        discriminated(commands.SENT_COMMAND_TYPES, (*members[:-1], members[0]))  # one shape twice
