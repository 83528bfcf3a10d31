"""Search attributes on a server that has them registered: the real dev server, as
`pathways up` runs it. (The time-skipping test server has no visibility to check.)"""

from __future__ import annotations

import sys
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from sealing.codec import sealing_converter
from support import command, start_request
from temporal_fixtures import eventually_async
from worker import build_worker
from workflows.client import JourneyClient
from workflows.journey import SEARCH_ATTRIBUTES
from workflows.local_time import london_date

pytestmark = pytest.mark.slow


async def test_journeys_are_findable_by_la_pathway_and_stage_without_personal_data(settings, store, key_ring):
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(Path(sys.executable).parent / "temporal"),
        dev_server_extra_args=["--headless"], search_attributes=SEARCH_ATTRIBUTES,
        data_converter=sealing_converter(key_ring),
    )
    try:
        own = replace(settings, task_queue=f"sa-{uuid.uuid4().hex[:8]}", search_attributes=True)
        journeys = JourneyClient(env.client, own)
        async with build_worker(env.client, own, store):
            today = london_date(await env.get_current_time())
            child = f"C{uuid.uuid4().hex[:10].upper()}"
            born = today.replace(year=today.year - 15, day=min(today.day, 28))
            answer = await journeys.start(start_request(child, born, today))
            await journeys.send(answer["workflow_id"], command("record_strategy_discussion", occurred_on=today, outcome="s47_roth"))

            async def found():
                query = "PathwaysLocalAuthority = '873' AND PathwaysPathway = 'roth' AND PathwaysStage = 'section_47'"
                return [w async for w in env.client.list_workflows(query) if w.id == answer["workflow_id"]]

            [listed] = await eventually_async(found, timeout=30)
            attributes = {k.name: v for k, v in listed.typed_search_attributes}
            assert attributes["PathwaysLocalAuthority"] == "873" and attributes["PathwaysStage"] == "section_47"
            assert "PathwaysNextDueOn" in attributes
            # Search attributes, the memo and the workflow id never pass the codec: nothing
            # about the young person is in them.
            described = (await env.client.get_workflow_handle(answer["workflow_id"]).describe()).raw_description
            outside_the_codec = (listed.id.encode() + described.workflow_execution_info.search_attributes.SerializeToString()
                                 + described.workflow_execution_info.memo.SerializeToString())
            for value in (child, born.isoformat()):
                assert value.encode() not in outside_the_codec, value
            assert not described.workflow_execution_info.memo.fields
    finally:
        await env.shutdown()
