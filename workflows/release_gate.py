"""The release gate: replay every open workflow's history with the code about to be deployed.

Journeys live for months or years, and a workflow change that alters the commands a
recorded history expects (without a `workflow.patched` branch) would leave every open
journey failing its workflow tasks once the new workers take them over. Before a release is
rolled out, this runs with the new image against the live cluster: it lists the workflows
still running on the task queue (Temporal's visibility), fetches each history and replays
it with this code's workflows. Any failure stops the release, naming the workflow and why.
Read-only: nothing is sent to a workflow and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from temporalio.client import Client
from temporalio.worker import Replayer

from workflows.replay import replayer, workflow_runs


@dataclass
class GateReport:
    replayed: int = 0
    runs: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)  # (workflow id, why)

    @property
    def ok(self) -> bool:
        return not self.failures

    def describe(self) -> str:
        lines = [f"Replayed {self.runs} run(s) of {self.replayed} open workflow(s) with this release's code."]
        lines += [f"  FAILS {workflow_id}: {why}" for workflow_id, why in self.failures]
        lines.append("OK: the release may be rolled out." if self.ok else
                     f"{len(self.failures)} workflow(s) would break: do not roll this release out.")
        return "\n".join(lines)


def open_workflows_query(task_queue: str) -> str:
    return f"ExecutionStatus = 'Running' AND TaskQueue = '{task_queue}'"


async def check_release(client: Client, task_queue: str, *, replay_with: Replayer | None = None,
                        limit: int | None = None) -> GateReport:
    """Replay the open workflows of `task_queue` (every run since each last continued as new
    from its earliest still-kept one) with `replay_with` (by default this code's workflows)."""
    replay_with = replay_with or replayer()
    report = GateReport()
    async for execution in client.list_workflows(open_workflows_query(task_queue), limit=limit):
        histories = await workflow_runs(client, execution.id, execution.run_id)
        report.replayed += 1
        for history in histories:
            report.runs += 1
            result = await replay_with.replay_workflow(history, raise_on_replay_failure=False)
            if result.replay_failure is not None:
                why = (str(result.replay_failure).strip().splitlines() or [""])[0][:300]
                report.failures.append((execution.id, f"{type(result.replay_failure).__name__}: {why}"))
                break
    return report
