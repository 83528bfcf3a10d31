"""Sending commands to journeys: what the CLI (and later the HTTP API) call.

A journey's workflow id is derived from the LA and the young person's LA child id with a
keyed hash: deterministic, so "one open journey per young person per LA" is Temporal's own
workflow-id rule, and not reversible, so the id shown in Temporal's UI reveals nothing.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

from temporalio.client import (
    Client, WithStartWorkflowOperation, WorkflowExecutionStatus, WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from domain.codec import to_data
from domain.errors import DomainError
from domain.timescales import policy_in_force
from domain.weighting import check_context_id
from settings import Settings
from workflows.contexts import ContextInput, ContextWorkflow, context_workflow_id
from workflows.journey import JourneyInput, JourneyWorkflow


class CommandRefused(Exception):
    """The journey's rules refused a command; nothing was written."""

    def __init__(self, code: str, message: str, journey_id: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.journey_id = journey_id


def journey_workflow_id(key: bytes, local_authority: str, child_id: str) -> str:
    digest = hmac.new(key, f"{local_authority}/{child_id}".encode(), hashlib.sha256).hexdigest()
    return f"journey-{local_authority}-{digest[:32]}"


def workflow_id_of_state(key: bytes, state) -> str:
    """`journey_workflow_id` of a folded journey; with functools.partial over the key it
    pickles, so a rebuild's worker processes can name each journey's workflow."""
    return journey_workflow_id(key, state.local_authority, state.young_person.id)


class JourneyClient:
    def __init__(self, client: Client, settings: Settings) -> None:
        self.client = client
        self.settings = settings

    def workflow_id(self, local_authority: str, child_id: str) -> str:
        return journey_workflow_id(self.settings.id_key, local_authority, child_id)

    async def start(self, request: dict) -> dict:
        """Start a journey (or answer a retried start) with update-with-start.

        `request`: command_id, actor, local_authority, young_person, referral_date (and the
        client's request_hash, api/idempotency.py, where the HTTP API sends it).
        """
        la = request["local_authority"]
        referral = date.fromisoformat(str(request["referral_date"]))
        workflow_id = self.workflow_id(la, request["young_person"]["id"])
        command = {
            "command_id": request["command_id"],
            "actor": request["actor"],
            "young_person": request["young_person"],
            "referral_date": referral.isoformat(),
            "policy": to_data(policy_in_force(self.settings.timescale_policy, referral)),
        }
        if request.get("request_hash"):
            command["request_hash"] = request["request_hash"]
        start = WithStartWorkflowOperation(
            JourneyWorkflow.run,
            JourneyInput(
                local_authority=la,
                calendar={"closure_days": [d.isoformat() for d in self.settings.closure_days]},
                search_attributes=self.settings.search_attributes,
                max_updates_per_run=self.settings.max_updates_per_run,
            ),
            id=workflow_id,
            task_queue=self.settings.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            # A closed journey's workflow has completed; the next referral starts a new run.
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        )
        try:
            answer = await self.client.execute_update_with_start_workflow(
                JourneyWorkflow.start_journey, command, start_workflow_operation=start, id=request["command_id"]
            )
        except WorkflowUpdateFailedError as err:
            raise _refused(err) from None
        return {**answer, "workflow_id": workflow_id}

    async def send(self, workflow_id: str, request: dict) -> dict:
        """Send one command (`request` has type, command_id, actor and the command's fields)."""
        handle = self.client.get_workflow_handle(workflow_id)
        try:
            return await handle.execute_update(JourneyWorkflow.record, request, id=request["command_id"])
        except WorkflowUpdateFailedError as err:
            raise _refused(err) from None
        except RPCError as err:
            # A closed journey's workflow has completed, and servers word that differently;
            # asking what became of the workflow gives the caller a refusal it can act on.
            raise await _why_unreachable(
                handle, err, CommandRefused("journey_not_found", "There is no such journey."),
                CommandRefused("journey_closed", "This journey has been closed; nothing more can be recorded on it."),
            ) from None

    async def state(self, workflow_id: str) -> dict:
        return await self.client.get_workflow_handle(workflow_id).query(JourneyWorkflow.state)

    async def raw_state(self, workflow_id: str) -> dict:
        return await self.client.get_workflow_handle(workflow_id).query(JourneyWorkflow.raw_state)


class ContextClient:
    """Referring contexts and sending them commands: what the API and the CLI call."""

    def __init__(self, client: Client, settings) -> None:
        self.client = client
        self.settings = settings

    async def refer(self, request: dict) -> dict:
        """`request`: command_id, actor, local_authority, context_id, kind, name, referred_on."""
        la, context_id = request["local_authority"], request["context_id"]
        try:
            check_context_id(context_id)
        except DomainError as err:
            raise CommandRefused(err.code, err.message) from None
        workflow_id = context_workflow_id(la, context_id)
        command = {k: v for k, v in request.items() if k != "local_authority"}
        command["referred_on"] = str(command["referred_on"])
        start = WithStartWorkflowOperation(
            ContextWorkflow.run,
            ContextInput(la, {"closure_days": [d.isoformat() for d in self.settings.closure_days]},
                         max_updates_per_run=self.settings.max_updates_per_run),
            id=workflow_id, task_queue=self.settings.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            # A closed context's workflow has completed; a new referral starts a new case.
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        )
        try:
            answer = await self.client.execute_update_with_start_workflow(
                ContextWorkflow.refer_context, command, start_workflow_operation=start, id=request["command_id"])
        except WorkflowUpdateFailedError as err:
            raise _refused(err) from None
        return {**answer, "workflow_id": workflow_id}

    async def send(self, local_authority: str, context_id: str, request: dict) -> dict:
        """`request`: type (record_context_conference, record_context_action, close_context),
        command_id, actor and the command's fields."""
        handle = self.client.get_workflow_handle(context_workflow_id(local_authority, context_id))
        try:
            return await handle.execute_update(ContextWorkflow.record, request, id=request["command_id"])
        except WorkflowUpdateFailedError as err:
            raise _refused(err) from None
        except RPCError as err:
            raise await _why_unreachable(
                handle, err, CommandRefused("context_not_found", "There is no such context case."),
                CommandRefused("context_closed", "This context case has been closed; refer the context again to open a new one."),
            ) from None

    async def state(self, local_authority: str, context_id: str) -> dict | None:
        """The context case's state, or None if the context was never referred."""
        handle = self.client.get_workflow_handle(context_workflow_id(local_authority, context_id))
        try:
            return await handle.query(ContextWorkflow.state)
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                return None
            raise


async def _why_unreachable(handle, original: RPCError, missing: CommandRefused, closed: CommandRefused) -> Exception:
    """An update the server would not deliver: the workflow is missing, or it has completed
    (servers word that differently), so ask what became of it for a refusal a caller can act on."""
    try:
        description = await handle.describe()
    except RPCError as err:
        return missing if err.status == RPCStatusCode.NOT_FOUND else err
    if description.status != WorkflowExecutionStatus.RUNNING:
        return closed
    return original


def _refused(err: WorkflowUpdateFailedError) -> Exception:
    cause = err.cause
    if isinstance(cause, ApplicationError) and cause.details and isinstance(cause.details[0], dict):
        details = cause.details[0]
        return CommandRefused(
            details.get("code", cause.type or "refused"), details.get("message", cause.message), details.get("journey_id")
        )
    return err
