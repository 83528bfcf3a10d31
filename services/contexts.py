"""Context cases' use cases: refer a context, send its case a command, read a context with the
journeys that name it, and list the contexts several open journeys name.

A context case lives in its own workflow; which young people it links is not its state but
the journeys' (their latest context weighting names it), read from the journeys read model.
Another LA's context is "not found", as one never referred nor named. Commands are
idempotent as journeys' are (services/commands.py), and answered only with their events in
the log (services/outcomes.py).
"""

from __future__ import annotations

import asyncio
from datetime import date

from anyio import to_thread

from domain import contexts as ctx
from domain.calendar import WorkingDayCalendar
from services import access
from services.access import Reader
from services.commands import actor, check_same_request
from services.errors import NOT_FOUND_CODES, NotAllowed, NotFound, Refusal, context_not_found
from services.outcomes import sent_or_recorded
from services.permissions import REFER, check_may_send
from services.wiring import Services
from store.access_log import CONTEXT_LINKED
from store.contexts import contexts_linked_to_open_journeys, journeys_linked_to
from store.events import EventStore
from store.records import event_view
from workflows.client import CommandRefused
from workflows.contexts import context_workflow_id
from workflows.journey import journey_id_for

# Codes meaning the context's case is not there to take the command: never referred, or
# closed (its workflow has finished, and servers word that differently).
GONE = frozenset({"context_not_found", "context_not_referred", "context_closed"})


# --- commands ---------------------------------------------------------------------------

async def refer(svc: Services, who, command_id: str, referral: dict, fingerprint: str,
                calendar: WorkingDayCalendar, today: date) -> dict:
    """Refer a context of the caller's LA (`referral`: context_id, kind, name, referred_on):
    the case's answer, or the first answer if this is a retry."""
    check_may_send(who, REFER)
    la = who.local_authority
    case_id = journey_id_for(context_workflow_id(la, referral["context_id"]), command_id)
    replay, recorded = await to_thread.run_sync(
        lambda: (_answer_from_log(svc.store, case_id, command_id, calendar, today),
                 svc.store.recorded_request(la, command_id)))
    check_same_request(recorded, fingerprint)
    if replay is not None:
        return replay
    try:
        answer = await sent_or_recorded(svc.contexts.refer({
            "command_id": command_id, "actor": actor(who), "local_authority": la, **referral,
            "request_hash": fingerprint,
        }), lambda: _recorded_answer(svc.store, la, command_id, calendar, today))
    except CommandRefused as err:
        raise _refusal(err) from None
    return await to_thread.run_sync(answered, svc.store, answer, command_id, la, fingerprint)


async def send(svc: Services, who, context_id: str, command_id: str, fields: dict, fingerprint: str,
               calendar: WorkingDayCalendar, today: date) -> dict:
    """Send the case of a context of the caller's LA a command (`fields`, with its `type`)."""
    la = who.local_authority
    try:
        check_may_send(who, fields["type"])
    except NotAllowed:
        # As for journeys: a context that is not there is "not found" whoever asks.
        if await case(svc, la, context_id) is None:
            raise context_not_found() from None
        raise
    check_same_request(await to_thread.run_sync(svc.store.recorded_request, la, command_id), fingerprint)
    try:
        answer = await sent_or_recorded(
            svc.contexts.send(la, context_id, {**fields, "command_id": command_id, "actor": actor(who),
                                               "request_hash": fingerprint}),
            lambda: _recorded_answer(svc.store, la, command_id, calendar, today))
    except CommandRefused as err:
        if err.code not in GONE:
            raise _refusal(err) from None
        return await _after_the_case(svc, calendar, today, la, context_id, command_id, err)
    return await to_thread.run_sync(answered, svc.store, answer, command_id, la, fingerprint)


def answered(store: EventStore, answer: dict, command_id: str, local_authority: str, fingerprint: str) -> dict:
    """The answer in the contract's shape; refused if it is another request's (sent at the
    same time with the same command_id)."""
    check_same_request(store.recorded_request(local_authority, command_id), fingerprint)
    case_id = answer["case_id"]
    events = answer["events"]
    if answer.get("duplicate"):
        # A retry the workflow no longer holds the whole answer for (it keeps the latest
        # ones across continue-as-new): the command's events come from the log.
        events = [event_view(e) for e in store.events_for_command(case_id, command_id)]
    return {"case_id": case_id, "events": events, "state": answer["state"]}


async def _after_the_case(svc: Services, calendar: WorkingDayCalendar, today: date, la: str, context_id: str,
                          command_id: str, err: CommandRefused) -> dict:
    """A command that found no case to take it: not found if the context was never referred;
    if its case has closed, the first answer for a retry (from the log), else context_closed."""
    found = await case(svc, la, context_id)
    if found is None:
        raise context_not_found()
    replay = await to_thread.run_sync(_answer_from_log, svc.store, found["case_id"], command_id, calendar, today)
    if replay is not None:
        return replay
    if found["closed"]:
        raise Refusal("context_closed", f"This context case was closed on {_day(found['closed_on'])}; refer the "
                                        "context again to open a new one.")
    raise _refusal(err)


def _day(iso: str | None) -> str:
    return f"{date.fromisoformat(iso):%d %B %Y}" if iso else "an earlier date"


def _refusal(err: CommandRefused) -> Refusal:
    # A context refusal carries the case's id where a journey's carries the journey's: the
    # contract's error body has no place for it, so it is left out.
    return (NotFound if err.code in NOT_FOUND_CODES else Refusal)(err.code, err.message)


def _recorded_answer(store: EventStore, local_authority: str, command_id: str, calendar: WorkingDayCalendar,
                     today: date) -> dict | None:
    """For a command whose sending failed (services/outcomes.py): its answer from the log,
    found through the case its command_id was recorded with, or None."""
    recorded = store.recorded_request(local_authority, command_id)
    if recorded is None:
        return None
    return _answer_from_log(store, recorded[0], command_id, calendar, today, only_if_closed=False)


def _answer_from_log(store: EventStore, case_id: str, command_id: str, calendar: WorkingDayCalendar,
                     today: date, only_if_closed: bool = True) -> dict | None:
    """A retry that reaches a case whose workflow has finished (it closed) is answered from
    the log: the command's events and the case as it now stands. A retry while the case is
    open goes to the workflow, which returns its first answer exactly."""
    events = store.events_for_command(case_id, command_id)
    if not events:
        return None
    found = ctx.fold(ctx.decode(e.type, e.occurred_on, e.data) for e in store.read_stream(case_id))
    if only_if_closed and not found.closed:
        return None
    return {"case_id": case_id, "events": [event_view(e) for e in events],
            "state": ctx.context_view(found, calendar, today)}


# --- reads ------------------------------------------------------------------------------

async def case(svc: Services, local_authority: str, context_id: str) -> dict | None:
    """The context's latest case as its workflow shows it, or None if it was never referred
    (a refused referral leaves a workflow without a case)."""
    state = await svc.contexts.state(local_authority, context_id)
    return state if state and state.get("case_id") else None


def linked_journeys(store: EventStore, reader: Reader, context_id: str, include_closed: bool) -> list[dict]:
    """The reader's LA's journeys naming the context, each recorded as read (journeys found
    are always answered; should the case's read then fail, the rows stay: a recorded read
    that was not answered, never the reverse)."""
    linked = journeys_linked_to(store.engine, reader.who.local_authority, context_id, include_closed=include_closed)
    access.record(store, reader, CONTEXT_LINKED, [j["journey_id"] for j in linked], detail=context_id)
    return linked


def ever_named(store: EventStore, local_authority: str, context_id: str) -> bool:
    """Whether any journey of the LA, open or closed, has named the context."""
    return bool(journeys_linked_to(store.engine, local_authority, context_id, include_closed=True))


async def context(svc: Services, reader: Reader, context_id: str, include_closed: bool) -> dict:
    """A context of the reader's LA: its case (None if never referred) and the journeys whose
    latest weighting names it; NotFound if it was never referred nor named."""
    la = reader.who.local_authority
    found, linked = await asyncio.gather(
        case(svc, la, context_id),
        to_thread.run_sync(linked_journeys, svc.store, reader, context_id, include_closed))
    if found is None and not linked:
        if include_closed or not await to_thread.run_sync(ever_named, svc.store, la, context_id):
            raise context_not_found()
    return {"context_id": context_id, "case": found, "linked_journeys": linked}


def named_by_open_journeys(store: EventStore, local_authority: str, minimum: int) -> list[dict]:
    """Contexts named in the latest weighting of at least `minimum` open journeys of the LA."""
    return contexts_linked_to_open_journeys(store.engine, local_authority, minimum=minimum)


async def linked_contexts(svc: Services, local_authority: str, minimum: int) -> list[dict]:
    """The contexts several open journeys name, each with whether it has an open case."""
    rows = await to_thread.run_sync(named_by_open_journeys, svc.store, local_authority, minimum)
    cases = await asyncio.gather(*(case(svc, local_authority, row["context_id"]) for row in rows))
    listed = []
    for row, found in zip(rows, cases):
        open_case = found is not None and not found["closed"]
        listed.append({"context_id": row["context_id"], "open_journeys": row["open_journeys"], "open_case": open_case,
                       "case_id": found["case_id"] if open_case else None})
    return listed
