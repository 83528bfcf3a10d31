"""What the contract's shapes share: the field types several resources take, the strict base
of every request body, the error answers, and the helpers that attach OpenAPI examples."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal, Union, get_args
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from api.fields import free_text, record_text
from domain.weighting import CONTEXT_KINDS

LaCode = Annotated[str, Field(pattern=r"^[0-9]{3}$", examples=["873"])]
# Staff ids (a social worker, a team manager, a chair): the LA's ids for its people, never
# their names; they are recorded on a child's chronology and appear in URLs.
STAFF_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$"
StaffId = Annotated[str, Field(pattern=STAFF_ID_PATTERN, examples=["sw-0042"])]
# Context ids are the LA's short names for places and groups (domain/weighting.py CONTEXT_ID).
CONTEXT_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
ContextId = Annotated[str, Field(pattern=CONTEXT_ID_PATTERN, examples=["riverside-park"])]
ContextKind = Literal[CONTEXT_KINDS]  # type: ignore[valid-type]
Text = free_text(2000)
ShortText = record_text(200)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CommandIn(Strict):
    """A command sent to an open journey or context case: the caller's id makes a retry safe."""

    command_id: UUID


def discriminated(names: tuple[str, ...], models: tuple[type[CommandIn], ...]):
    """The body that takes one of `models`, told apart by `type`, in the order of `names`
    (the domain's command names). A model for a command the domain has no name for, or a
    name with no model, fails the import: the contract cannot drift from the rules unseen."""
    by_name = {get_args(model.model_fields["type"].annotation)[0]: model for model in models}
    if sorted(by_name) != sorted(names) or len(by_name) != len(models):
        raise TypeError(f"command shapes for {sorted(by_name)}, but the domain names {sorted(names)}")
    return Annotated[Union[tuple(by_name[name] for name in names)], Field(discriminator="type")]


def example_config(value: dict) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [value]})


class ErrorDetail(BaseModel):
    code: str = Field(description="stable snake_case code to branch on")
    message: str = Field(description="a sentence a practitioner can read")
    journey_id: str | None = Field(None, description="with journey_already_open: the journey that is open")


class ErrorAnswer(BaseModel):
    model_config = example_config({"error": {"code": "strategy_discussion_required",
                                            "message": "An initial conference needs a strategy discussion that opened a s.47 enquiry."}})
    error: ErrorDetail


class ValidationIssue(BaseModel):
    type: str
    loc: list[str | int]
    msg: str
    input: Any = None
    ctx: dict[str, Any] | None = None


class ValidationAnswer(BaseModel):
    """pydantic's detail: what was wrong with the request's shape, field by field."""

    model_config = example_config({"detail": [{"type": "literal_error", "loc": ["body", "record_strategy_discussion", "outcome"],
                                              "msg": "Input should be 's47_roth', 's47_cp', 'child_in_need', 'early_help' or 'no_further_action'",
                                              "input": "s47", "ctx": {"expected": "'s47_roth', 's47_cp', 'child_in_need', 'early_help' or 'no_further_action'"}}]})
    detail: list[ValidationIssue]


def error_examples(*cases: tuple[str, str]) -> dict:
    """OpenAPI examples of error answers: (code, message) pairs."""
    return {code: {"summary": code, "value": {"error": {"code": code, "message": message}}} for code, message in cases}


class Period(BaseModel):
    """A reporting period, both days included (the KPIs', the cohort report's)."""

    model_config = ConfigDict(populate_by_name=True)
    from_: date = Field(alias="from")
    to: date
