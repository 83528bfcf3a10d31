"""The contract's answers (api/schemas) against what the domain and the read models build.

A journey's summary exists three times: the row domain/views.py builds, the read model's
dataclass the store gives back (store/records.py), and the contract's JourneySummary. A
journey's and a context case's state are dicts the domain builds and models the contract
documents. Each pair is held to the same fields here, so a field added on one side only is
caught before a caller sees an answer its document does not describe (or the reverse).
"""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from api import schemas
from domain import contexts, deadlines
from domain.views import journey_view, read_model_rows
from store.records import JourneySummary
from support import CALENDAR, run, start

TODAY = date(2026, 4, 1)
# The read model's columns the list of journeys does not answer with: the store's own
# bookkeeping, and what managers' queries filter on (chair, contexts, plan findings).
NOT_IN_THE_LIST = {"workflow_id", "version", "view", "chair_id", "linked_contexts", "plan_findings"}


def started():
    state, _ = run([start(date(2026, 3, 2))], TODAY)
    return state


def test_the_summary_row_is_the_read_models_dataclass() -> None:
    row, _ = read_model_rows(started(), "journey-873-x", CALENDAR, TODAY)
    assert set(row) == {f.name for f in dataclasses.fields(JourneySummary)}


def test_the_contracts_summary_is_the_read_models_less_what_the_list_leaves_out() -> None:
    stored = [f.name for f in dataclasses.fields(JourneySummary) if f.name not in NOT_IN_THE_LIST]
    assert list(schemas.JourneySummary.model_fields) == stored
    assert NOT_IN_THE_LIST <= {f.name for f in dataclasses.fields(JourneySummary)}


def test_the_contracts_journey_state_is_the_domains_view() -> None:
    view = journey_view(started(), CALENDAR, TODAY)
    assert set(schemas.JourneyState.model_fields) == set(view)


def test_the_contracts_context_case_is_the_domains_view() -> None:
    view = contexts.context_view(contexts.ContextCase(), CALENDAR, TODAY)
    assert set(schemas.ContextCase.model_fields) == set(view)


@pytest.mark.parametrize(("model", "domain_cls"), [
    (schemas.Deadline, deadlines.Deadline),
    (schemas.ContextDeadline, contexts.ContextDeadline),
    (schemas.ContextAction, contexts.ContextAction),
], ids=lambda x: x.__module__.split(".")[0] + "." + x.__name__)
def test_the_values_an_answer_shows_are_the_domains(model, domain_cls) -> None:
    assert list(model.model_fields) == [f.name for f in dataclasses.fields(domain_cls)]
