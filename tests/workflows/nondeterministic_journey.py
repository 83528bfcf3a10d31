"""Test-only variants of the journey workflow, registered under its name, "JourneyWorkflow".

`NondeterministicJourneyWorkflow` is the current workflow with one deliberate change of the
kind that breaks running journeys: a timer before every append, a command that no
recorded history has in that place. Replaying a recorded history with it must fail with a
non-determinism error (tests/workflows/test_history_replay.py).

`FaithfulJourneyWorkflow` is the same variant without the change, the control: it replays
every recorded history, so the failure above comes from the change and nothing else.

Both subclass the real workflow rather than copy its module, so they follow every change
to it and differ from it only as described.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

from workflows.journey import JourneyInput, JourneyWorkflow


@workflow.defn(name="JourneyWorkflow")
class FaithfulJourneyWorkflow(JourneyWorkflow):
    @workflow.run
    async def run(self, input: JourneyInput) -> dict:
        return await super().run(input)


@workflow.defn(name="JourneyWorkflow")
class NondeterministicJourneyWorkflow(JourneyWorkflow):
    @workflow.run
    async def run(self, input: JourneyInput) -> dict:
        return await super().run(input)

    async def _persist(self, command_id, actor, events, **options):
        # The deliberate change: wait a second before appending.
        await workflow.sleep(timedelta(seconds=1))
        return await super()._persist(command_id, actor, events, **options)
