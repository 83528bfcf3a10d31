"""Temporal history against the log: `pathways audit replay JOURNEY_ID`.

A journey's workflow history is the record of what the workflow decided; the event log is
the record of what was stored. This module checks the two against each other:

1. the workflow's runs (continue-as-new gives one workflow id several) are fetched from
   Temporal and replayed with the current code (Temporal's ``Replayer``): a run that no
   longer replays means a change to the code would break it (non-determinism);
2. the events each run produced are read out of its history (``events_in_history``) and
   compared with the journey's stream in the log: the same ids in the same order, none
   missing and none extra.

How the events are read from a history. Since the ``persist-in-workflow-task`` patch the
workflow persists with a local activity, which Temporal records as a marker
(``MarkerRecorded``, marker name ``core_local_activity``) whose details hold ``data`` (the
activity's type, sequence number and attempt) and ``result`` (what the activity returned:
the stored events, with event id, version, position, type and command id). A local
activity's input is not recorded, so the stream comes from the event ids themselves:
they are uuid5 of (stream, command id, index in the batch), and the streams a run can
write to are known from its history (the journey or case id its input carries, the ids
its start and referral updates derive, the ids its first events record); an event is
attributed to the stream whose derivation gives its id, or to none. Runs recorded before
the patch persisted with a regular activity: their ``ActivityTaskScheduled`` events carry
the whole request (stream, expected version, the events with their ids), counted once the
matching ``ActivityTaskCompleted`` shows the append committed.

It lives beside the workflows it replays, above them, rather than in audit/: audit/ (the
log's checkpoints and proofs) sits below the activities that write checkpoints, and a tool
there that imports the workflows would close a loop between the packages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client, WorkflowHistory
from temporalio.converter import DataConverter
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import Replayer

from activities.names import PERSIST_JOURNEY_EVENTS
from sealing.codec import SealingCodec, open_all
from store.port import JourneyStore
from workflows.checkpoints import CheckpointWorkflow
from workflows.contexts import ContextWorkflow, context_workflow_id
from workflows.decider_workflow import event_id, stream_id_for
from workflows.journey import JourneyWorkflow
from workflows.notifications import NotificationDelivery, NotificationSweeper

# The SDK core's name for local activity markers.
LOCAL_ACTIVITY_MARKER = "core_local_activity"
# Updates that open a stream: its id is stream_id_for(workflow id, the update's command id).
OPENING_UPDATES = ("start_journey", "refer_context")
# How often a running journey's histories are fetched again when the log is ahead of them
# (a command that committed after the fetch).
CATCH_UP_ATTEMPTS = 3

_payloads = DataConverter.default.payload_converter


def replayer() -> Replayer:
    """A replayer with every workflow the worker runs, as `worker.py` registers them."""
    return Replayer(workflows=[JourneyWorkflow, ContextWorkflow, NotificationDelivery, NotificationSweeper,
                               CheckpointWorkflow])


# --- reading a history ----------------------------------------------------------------------

def events_in_history(history: WorkflowHistory) -> list[dict]:
    """The events the run persisted, in order: dicts with event_id, type, stream (None if no
    stream the run knows derives the id), version, position (None where the history does not
    say) and command_id."""
    streams = _streams_named(history)
    completed = {
        e.activity_task_completed_event_attributes.scheduled_event_id
        for e in history.events if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED
    }
    found: list[dict] = []
    for e in history.events:
        if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED:
            found.extend(_from_local_activity(e, streams))
        elif e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED and e.event_id in completed:
            found.extend(_from_activity_task(e))
    return found


def _from_local_activity(e: HistoryEvent, streams: Sequence[str]) -> list[dict]:
    marker = e.marker_recorded_event_attributes
    if marker.marker_name != LOCAL_ACTIVITY_MARKER or "result" not in marker.details:
        return []  # a patch marker, or a local activity that failed (it has no result)
    data = _decode(marker.details["data"])
    if not isinstance(data, dict) or data.get("activity_type") != PERSIST_JOURNEY_EVENTS:
        return []
    stored = _decode(marker.details["result"]) or []
    return [{
        "event_id": ev["event_id"], "type": ev.get("type"),
        "stream": _stream_of(ev["event_id"], ev.get("command_id"), i, streams),
        "version": ev.get("version"), "position": ev.get("position"), "command_id": ev.get("command_id"),
    } for i, ev in enumerate(stored)]


def _from_activity_task(e: HistoryEvent) -> list[dict]:
    scheduled = e.activity_task_scheduled_event_attributes
    if scheduled.activity_type.name != PERSIST_JOURNEY_EVENTS:
        return []
    request = _decode(scheduled.input)
    return [{
        "event_id": ev["event_id"], "type": ev.get("type"), "stream": request["stream"],
        "version": request["expected_version"] + i + 1, "position": None, "command_id": ev.get("command_id"),
    } for i, ev in enumerate(request["events"])]


def _streams_named(history: WorkflowHistory) -> list[str]:
    """Every stream id the run names: the journey or case its input carries (after
    continue-as-new), those its opening updates derive and those its stored events record."""
    named: list[str] = []
    workflow_id = history.workflow_id
    for e in history.events:
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
            started = e.workflow_execution_started_event_attributes
            workflow_id = getattr(started, "workflow_id", "") or workflow_id
            run_input = _decode(started.input)
            state = (run_input or {}).get("state") if isinstance(run_input, dict) else None
            if isinstance(state, dict):
                named += [state[k] for k in ("journey_id", "case_id") if state.get(k)]
        elif e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
            request = e.workflow_execution_update_accepted_event_attributes.accepted_request.input
            if request.name in OPENING_UPDATES and workflow_id:
                args = _payloads.from_payloads(list(request.args.payloads)) if request.args.payloads else []
                if args and isinstance(args[0], dict) and args[0].get("command_id"):
                    named.append(stream_id_for(workflow_id, str(args[0]["command_id"])))
        elif e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED:
            marker = e.marker_recorded_event_attributes
            if marker.marker_name == LOCAL_ACTIVITY_MARKER and "result" in marker.details:
                for ev in _decode(marker.details["result"]) or []:
                    data = ev.get("data") if isinstance(ev, dict) else None
                    if isinstance(data, dict):
                        named += [data[k] for k in ("journey_id", "case_id") if isinstance(data.get(k), str)]
    return list(dict.fromkeys(named))


def _stream_of(eid: str, command_id: str | None, index: int, streams: Iterable[str]) -> str | None:
    if command_id is None:
        return None
    return next((s for s in streams if event_id(s, command_id, index) == eid), None)


def _decode(payloads) -> Any:
    values = _payloads.from_payloads(list(payloads.payloads)) if payloads.payloads else []
    return values[0] if values else None


# --- comparing with the log -----------------------------------------------------------------

@dataclass(frozen=True)
class Difference:
    """The first place where the history and the log part: the `index`-th event (from 1) of
    the journey; what the history produced there and what the log holds, either possibly
    None (one of them has no event there)."""

    index: int
    in_history: dict | None
    in_log: dict | None

    def describe(self) -> str:
        if self.in_log is None:
            return (f"event {self.index}: the history produced {_named(self.in_history)}, "
                    "which the log is missing")
        if self.in_history is None:
            return (f"event {self.index}: the log holds {_named(self.in_log)}, "
                    "which no run of the workflow produced")
        return (f"event {self.index}: the history produced {_named(self.in_history)}, "
                f"the log holds {_named(self.in_log)}")


def _named(event: dict) -> str:
    version = f" version {event['version']}" if event.get("version") is not None else ""
    return f"{event['event_id']} ({event.get('type')}{version})"


def compare_events(in_history: Sequence[dict], in_log: Sequence[dict]) -> Difference | None:
    """The first difference between the events the history produced and the log's, by event
    id and type, in order; None if they are the same."""
    for i in range(max(len(in_history), len(in_log))):
        produced = in_history[i] if i < len(in_history) else None
        logged = in_log[i] if i < len(in_log) else None
        if produced is None or logged is None or (produced["event_id"], produced.get("type")) != (
                logged["event_id"], logged.get("type")):
            return Difference(i + 1, produced, logged)
    return None


@dataclass
class RunReplayed:
    run_id: str
    history_events: int  # events in the run's history
    produced: int  # journey events it persisted
    failure: str | None = None  # why it did not replay with the current code


@dataclass
class ReplayReport:
    workflow_id: str
    journey_id: str
    runs: list[RunReplayed] = field(default_factory=list)
    produced: list[dict] = field(default_factory=list)  # the journey's events, from history
    logged: list[dict] = field(default_factory=list)  # the journey's events, from the log
    difference: Difference | None = None

    @property
    def replayed(self) -> bool:
        return all(run.failure is None for run in self.runs)

    @property
    def ok(self) -> bool:
        return bool(self.runs) and self.replayed and self.difference is None

    def describe(self) -> str:
        what = "Context case" if self.workflow_id.startswith("context-") else "Journey"
        lines = [f"{what} {self.journey_id}, workflow {self.workflow_id}:"]
        for run in self.runs:
            outcome = "replays with the current code" if run.failure is None else f"DOES NOT REPLAY: {run.failure}"
            lines.append(f"  run {run.run_id}: {run.history_events} history events, "
                         f"{run.produced} journey events persisted; {outcome}")
        if self.difference is not None:
            lines.append(f"  DIFFERENT from the log at {self.difference.describe()}")
        if self.ok:
            lines.append(f"OK: {len(self.runs)} run(s) replayed; the {len(self.produced)} events they produced "
                         f"are the log's {len(self.logged)}, same ids, same order.")
        else:
            lines.append(f"NOT OK: {len(self.produced)} events in history, {len(self.logged)} in the log.")
        return "\n".join(lines)


class JourneyNotFound(LookupError):
    pass


async def replay_journey(client: Client, store: JourneyStore, identifier: str, *, replay_with: Replayer | None = None) -> ReplayReport:
    """Replay the runs of a journey's (or context case's) workflow with the current code and
    compare the events they produced with the log. `identifier` is a journey id (the
    stream's id), a context case id, or a workflow id. Raises JourneyNotFound if neither the
    log nor Temporal knows it."""
    workflow_id, journey_id = _locate(store, identifier)
    for attempt in range(CATCH_UP_ATTEMPTS):
        histories = await _runs_of(client, workflow_id, journey_id)
        if journey_id is None:
            journey_id = _only_stream(histories, workflow_id)
        produced = [e for h in histories for e in events_in_history(h) if e["stream"] in (journey_id, None)]
        logged = [{"event_id": e.event_id, "type": e.type, "version": e.version, "position": e.position}
                  for e in store.read_stream(journey_id)]
        difference = compare_events(produced, logged)
        # The history is fetched first, so a command committed in between leaves the log one
        # batch ahead of it: fetch again rather than report a difference that is not one.
        log_ahead = difference is not None and difference.in_history is None
        if not (log_ahead and attempt + 1 < CATCH_UP_ATTEMPTS):
            break
    report = ReplayReport(workflow_id, journey_id, produced=produced, logged=logged, difference=difference)
    replaying = replay_with or replayer()
    for history in histories:
        result = await replaying.replay_workflow(history, raise_on_replay_failure=False)
        failure = result.replay_failure
        report.runs.append(RunReplayed(
            history.run_id, len(history.events),
            sum(1 for e in events_in_history(history) if e["stream"] in (journey_id, None)),
            None if failure is None else f"{type(failure).__name__}: {failure}",
        ))
    return report


def _locate(store: JourneyStore, identifier: str) -> tuple[str, str | None]:
    """(workflow id, journey id or None if it is to be read from the history)."""
    summary = store.journey(identifier)
    if summary is not None:
        return summary.workflow_id, identifier
    logged = store.read_stream(identifier)
    if logged:
        first = logged[0]
        if first.type == "ContextReferred":
            return context_workflow_id(first.data["local_authority"], first.data["context_id"]), identifier
        raise JourneyNotFound(f"The log has stream {identifier} but no journey row names its workflow; "
                              "run `pathways rebuild`, or give the workflow id instead.")
    if identifier.startswith(("journey-", "context-")):
        return identifier, None
    raise JourneyNotFound(f"No journey or context case {identifier} in the event log.")


async def _runs_of(client: Client, workflow_id: str, journey_id: str | None) -> list[WorkflowHistory]:
    """The histories of the runs that make up the journey, oldest first. The workflow's latest
    run is fetched and continue-as-new's links followed back to the first run. If that chain
    is another journey's (a later referral of the same young person), older runs are looked
    up through visibility, where the server has it."""
    try:
        chain = await workflow_runs(client, workflow_id)
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:
            raise
        raise JourneyNotFound(f"Temporal has no history of workflow {workflow_id} (a closed workflow's history is "
                              "kept for the namespace's retention period only).") from None
    if journey_id is None or _names(chain, journey_id):
        return chain
    try:
        async for execution in client.list_workflows(f"WorkflowId = '{workflow_id}'"):
            chain = await workflow_runs(client, workflow_id, execution.run_id)
            if _names(chain, journey_id):
                return chain
    except Exception as err:  # the test server, for one, has no visibility
        raise JourneyNotFound(f"The latest run of workflow {workflow_id} is not journey {journey_id}'s and the "
                              f"server cannot list its earlier runs ({type(err).__name__}).") from None
    raise JourneyNotFound(f"No run of workflow {workflow_id} produced journey {journey_id}.")


async def workflow_runs(client: Client, workflow_id: str, run_id: str | None = None) -> list[WorkflowHistory]:
    """The histories of the runs continue-as-new chained together with `run_id` (by default
    the workflow's latest run), oldest first, their payloads opened."""
    histories = []
    while True:
        history = _opened(client, await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history())
        histories.insert(0, history)
        started = history.events[0].workflow_execution_started_event_attributes
        run_id = started.continued_execution_run_id
        if not run_id:
            break
    # Forwards too, for a run looked up in the middle of a chain.
    while True:
        last = histories[-1].events[-1]
        if last.event_type != EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
            return histories
        following = last.workflow_execution_continued_as_new_event_attributes.new_execution_run_id
        histories.append(_opened(client, await client.get_workflow_handle(workflow_id, run_id=following).fetch_history()))


def _opened(client: Client, history: WorkflowHistory) -> WorkflowHistory:
    """The history with its sealed payloads opened with the client's keys (sealing/codec.py),
    so it is read and replayed as the workflow saw it."""
    codec = client.data_converter.payload_codec
    if isinstance(codec, SealingCodec):
        for event in history.events:
            open_all(event, codec)
    return history


def _names(histories: Sequence[WorkflowHistory], journey_id: str) -> bool:
    return any(journey_id in _streams_named(h) for h in histories)


def _only_stream(histories: Sequence[WorkflowHistory], workflow_id: str) -> str:
    streams = list(dict.fromkeys(e["stream"] for h in histories for e in events_in_history(h) if e["stream"]))
    if len(streams) != 1:
        raise JourneyNotFound(f"Workflow {workflow_id}'s runs persisted events of {len(streams)} streams; "
                              "give the journey id instead.")
    return streams[0]
