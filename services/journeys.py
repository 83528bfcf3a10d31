"""The journey's use cases: start one, send it a command, and read it (as it stands, as it
stood, its chronology, a page of the LA's journeys).

Commands go to the journey's workflow as Temporal updates (the service never writes events);
reads come from the read models, or from the log itself for the auditors' questions. Every
journey outside the caller's LA is "not found", exactly as one that does not exist: the
journey is looked up in the caller's LA before anything else is said about the request.
Every read that hands over a journey's data records it in the access log first
(services/access.py). A command is answered only with its events in the log
(services/outcomes.py).
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from anyio import to_thread

from domain.calendar import WorkingDayCalendar
from domain.history import as_of, chronology
from domain.views import journey_view
from services import access
from services.access import Reader
from services.clock import Clock, la_today
from services.commands import actor, check_same_request
from services.errors import Refusal, journey_not_found
from services.outcomes import sent_or_recorded
from services.permissions import START, check_may_send
from services.policy import policy_for_change
from services.wiring import Services
from store.access_log import COMMAND_ANSWER, EVENTS, JOURNEY
from store.chairs import chair_in_pool
from store.events import EventStore
from store.history import corrected_fact, journey_history
from store.queries import journey_in_la, journeys_page
from store.records import JourneySummary, event_view
from workflows.journey import journey_id_for
from workflows.local_time import london_date

# Refusals that say the journey's workflow was not there to take the command (it may have
# closed with this very command, whose answer was lost): the log decides.
GONE = frozenset({"journey_closed", "journey_not_found"})

Found = tuple[JourneySummary, dict | None]


# --- commands ---------------------------------------------------------------------------

async def start_journey(svc: Services, who, command_id: str, young_person: dict, referral_date,
                        local_authority: str, fingerprint: str) -> dict:
    """Start a journey in the caller's LA (one open journey per young person per LA): the
    workflow's answer, or the first answer if this is a retry."""
    if local_authority != who.local_authority:
        raise Refusal("local_authority_mismatch",
                      f"Your token is for LA {who.local_authority}; this journey would be in LA {local_authority}.")
    check_may_send(who, START)
    la = who.local_authority
    journey_id = journey_id_for(svc.journeys.workflow_id(la, young_person["id"]), command_id)
    _, replay, recorded = await to_thread.run_sync(_look_up, svc.store, journey_id, la, command_id)
    check_same_request(recorded, fingerprint)
    if replay is not None:
        return replay
    return await sent_or_recorded(svc.journeys.start({
        "command_id": command_id, "actor": actor(who), "local_authority": la,
        "young_person": young_person, "referral_date": referral_date, "request_hash": fingerprint,
    }), lambda: recorded_answer(svc.store, journey_id, la, command_id))


async def send_command(svc: Services, who, journey_id: str, command_id: str, fields: dict, fingerprint: str,
                       clock: Clock | None = None) -> dict:
    """Send a journey of the caller's LA a command (`fields`: its data, with its `type`): the
    workflow's answer, or the first answer if this is a retry. What the rules cannot know,
    the service tells them here (`told`), and a policy change pins the policy in force."""
    la = who.local_authority
    # Store reads run off the event loop (it is shared with the worker under `pathways up`),
    # all in one trip to the thread pool.
    found, replay, recorded, told = await to_thread.run_sync(
        _look_up_for_command, svc.store, journey_id, la, command_id, fields)
    if found is None:
        raise journey_not_found()
    check_may_send(who, fields["type"])
    check_same_request(recorded, fingerprint)
    if replay is not None:
        return replay
    fields = dict(fields)
    if fields["type"] == "change_policy":
        fields["policy"] = policy_for_change(fields["policy"], clock)
    fields.update(told)
    return await sent_or_recorded(
        svc.journeys.send(found[0].workflow_id, {**fields, "command_id": command_id, "actor": actor(who),
                                                 "request_hash": fingerprint}),
        lambda: recorded_answer(svc.store, journey_id, la, command_id), gone=GONE)


def answered(store: EventStore, reader: Reader, answer: dict, command_id: str, fingerprint: str) -> dict:
    """The command's answer (its events and the journey's state), its read of the state
    recorded (a retry's events may come from the log, and the record is a write: call it off
    the event loop); refused if the answer is another request's (sent at the same time with
    the same command_id)."""
    check_same_request(store.recorded_request(reader.who.local_authority, command_id), fingerprint)
    journey_id = answer["journey_id"]
    events = answer["events"]
    if answer.get("duplicate"):
        # A retry the workflow no longer holds the whole answer for (it keeps the latest
        # ones across continue-as-new): the command's events come from the log.
        events = [event_view(e) for e in store.events_for_command(journey_id, command_id)]
    access.record(store, reader, COMMAND_ANSWER, [journey_id])
    return {"journey_id": journey_id, "events": events, "state": answer["state"]}


def what_the_service_tells(store: EventStore, local_authority: str, journey_id: str, fields: dict) -> dict:
    """The fields the service adds to a command for the rules, which are pure and cannot look:
    with assign_chair whether the chair is in the caller's LA's pool (`in_pool`), with
    correct_event the stored event it names (`original`; None if the journey has no such
    event). Never the caller's to say."""
    if fields["type"] == "assign_chair":
        return {"in_pool": chair_in_pool(store.engine, local_authority, fields["chair_id"])}
    if fields["type"] == "correct_event":
        return {"original": corrected_fact(store, journey_id, fields["event_id"])}
    return {}


def _look_up(store: EventStore, journey_id: str, local_authority: str, command_id: str) -> tuple:
    """The journey's (summary, view) in the caller's LA, or None; the answer from the log if
    this is a retry that the journey's workflow can no longer give, or None; and the
    (stream, fingerprint) recorded for the LA's command_id, or None."""
    found = journey_in_la(store.engine, journey_id, local_authority)
    return found, _answer_from_log(store, found, command_id), store.recorded_request(local_authority, command_id)


def _look_up_for_command(store: EventStore, journey_id: str, local_authority: str, command_id: str,
                         fields: dict) -> tuple:
    """`_look_up`, and what the service tells the rules when there is something to send."""
    found, replay, recorded = _look_up(store, journey_id, local_authority, command_id)
    told = what_the_service_tells(store, local_authority, journey_id, fields) if found and replay is None else {}
    return found, replay, recorded, told


def recorded_answer(store: EventStore, journey_id: str, local_authority: str, command_id: str) -> dict | None:
    """For a command whose sending failed (services/outcomes.py): its answer from the log, or None."""
    return _logged_answer(store, journey_in_la(store.engine, journey_id, local_authority), command_id)


def _answer_from_log(store: EventStore, found: Found | None, command_id: str) -> dict | None:
    """A retry that reaches a journey whose workflow has finished (it closed) is answered
    from the log (for the command that closed it, exactly the first answer). A retry while
    the journey is open goes to the workflow, which returns its first answer exactly."""
    if found is None or not found[0].closed:
        return None
    return _logged_answer(store, found, command_id)


def _logged_answer(store: EventStore, found: Found | None, command_id: str) -> dict | None:
    """The command's events in the log and the journey as it now stands, or None if the log
    has none. `found` is the journey's (summary, view) in the caller's LA, or None."""
    if found is None:
        return None
    journey_id = found[0].journey_id
    events = store.events_for_command(journey_id, command_id)
    if not events:
        return None
    return {"journey_id": journey_id, "events": [event_view(e) for e in events], "state": found[1]}


# --- reads ------------------------------------------------------------------------------

def find(store: EventStore, journey_id: str, local_authority: str) -> Found | None:
    """The journey's (summary, view) in the LA, or None (another LA's is None too)."""
    return journey_in_la(store.engine, journey_id, local_authority)


def current_view(store: EventStore, reader: Reader, journey_id: str, what: str = JOURNEY,
                 detail: str | None = None) -> Found:
    """The journey as the read model holds it (up to date with every answered command), its
    read recorded; NotFound if the reader's LA has no such journey."""
    found = find(store, journey_id, reader.who.local_authority)
    if found is None or found[1] is None:
        raise journey_not_found()
    access.record(store, reader, what, [journey_id], detail)
    return found


def page(store: EventStore, reader: Reader, what: str, *, limit: int, after: str | None = None,
         pathway: str | None = None, stage: str | None = None, overdue: bool | None = None,
         due_before: date | None = None) -> tuple[list[JourneySummary], bool]:
    """A page of the reader's LA's journeys in journey id order (after the id `after`), and
    whether there are more; each journey listed is recorded as read."""
    rows = journeys_page(store.engine, reader.who.local_authority, pathway=pathway, stage=stage, overdue=overdue,
                         due_before=due_before, after=after, limit=limit + 1)
    shown, more = rows[:limit], len(rows) > limit
    access.record(store, reader, what, [r.journey_id for r in shown])
    return shown, more


def events(store: EventStore, reader: Reader, journey_id: str) -> list[dict]:
    """Every event of the journey in order, with valid time, system time, actor and hash."""
    _exists(store, reader, journey_id)
    found = [event_view(e) for e in store.read_stream(journey_id)]
    access.record(store, reader, EVENTS, [journey_id])
    return found


def full_chronology(store: EventStore, reader: Reader, journey_id: str) -> list[dict]:
    """The events in log order, each correction beside what it corrects (domain/history.py)."""
    _exists(store, reader, journey_id)
    entries = chronology_of(store, journey_id)
    access.record(store, reader, EVENTS, [journey_id], "chronology")
    return entries


def chronology_of(store: EventStore, journey_id: str) -> list[dict]:
    """`full_chronology`'s entries, not recorded: for a use case that records its own read
    (services/subject_access.py), so that every chronology is read the one way."""
    return chronology([event_view(x) for x in store.read_stream(journey_id)])


def state_as_of(store: EventStore, reader: Reader, journey_id: str, as_recorded_at: datetime | None,
                as_occurred_by: date | None, calendar: WorkingDayCalendar, clock: Clock | None = None) -> dict:
    """The journey's view as the record showed it at `as_recorded_at`, as it stood on
    `as_occurred_by` by what is known now, or both, folded from the log; its deadlines judged
    on `as_occurred_by`, else on the day of `as_recorded_at`, else today. NotFound if the
    LA has no such journey, or nothing had been recorded of it yet."""
    _exists(store, reader, journey_id)
    state = as_of(journey_history(store, journey_id), as_recorded_at, as_occurred_by)
    if state.journey_id is None:
        raise journey_not_found()  # nothing had been recorded yet: the journey did not exist then
    today = as_occurred_by or (london_date(as_recorded_at.astimezone(timezone.utc)) if as_recorded_at
                               else la_today(clock))
    detail = f"as_recorded_at={as_recorded_at.isoformat() if as_recorded_at else '-'} as_occurred_by={as_occurred_by or '-'}"
    access.record(store, reader, JOURNEY, [journey_id], detail)
    return journey_view(state, calendar, today)


def view_as_of(store: EventStore, journey_id: str, as_recorded_at: datetime | None, as_occurred_by: date | None,
               calendar: WorkingDayCalendar, today: date) -> dict | None:
    """The dashboard's journey page as of a time: the view folded from the log (None if
    nothing had been recorded by then), judged on the day asked about, else `today`."""
    state = as_of(journey_history(store, journey_id), as_recorded_at, as_occurred_by)
    return journey_view(state, calendar, today) if state.journey_id else None


def _exists(store: EventStore, reader: Reader, journey_id: str) -> None:
    if find(store, journey_id, reader.who.local_authority) is None:
        raise journey_not_found()
