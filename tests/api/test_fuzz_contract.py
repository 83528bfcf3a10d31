"""Every operation of the OpenAPI document fuzzed with schemathesis, against the live app and a real worker."""

from __future__ import annotations

import asyncio
import os
import time

import pytest
import schemathesis
from hypothesis.errors import Unsatisfiable
from hypothesis import HealthCheck, Phase, given, settings as hypothesis_settings
from schemathesis import GenerationMode

from openapi_fuzz import Bridge, Tally, linked_state_machine
from temporal_fixtures import auth

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("PATHWAYS_FUZZ_EXAMPLES", "25"))
SCENARIOS = int(os.environ.get("PATHWAYS_FUZZ_SCENARIOS", "15"))
STEPS = 6
ROLES = ("system", "manager")


async def subscriptions(http, tokens) -> list:
    answers = [await http.get("/v1/webhooks", headers=auth(tokens, "manager", la)) for la in ("873", "874")]
    return [s for answer in answers for s in answer.json()["subscriptions"]]


async def test_every_operation_answers_as_documented(http, tokens, settings):
    # The service's one way out is a webhook delivery: the guard is on, with no allow-list (every
    # address but a public one over https is refused), and the fuzzer's roles (the LA's system and
    # a manager) may not subscribe, so nothing it sends can make the service connect anywhere.
    assert settings.webhook_allowed_hosts == ()
    subscribed = await subscriptions(http, tokens)
    schema = schemathesis.openapi.from_dict((await http.get("/openapi.json")).json())
    operations = [result.ok() for result in schema.get_all_operations()]
    tally = Tally()
    bridge = Bridge(http, asyncio.get_running_loop(), tally)
    started = time.monotonic()

    def fuzz(operation, mode, headers):
        @given(case=operation.as_strategy(generation_mode=mode))
        @hypothesis_settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                             phases=[Phase.explicit, Phase.generate],
                             suppress_health_check=list(HealthCheck))
        def run(case):
            response = bridge.send(case, headers)
            bridge.check(case, response, mode == GenerationMode.POSITIVE)
        try:
            run()
        except Unsatisfiable:
            assert mode == GenerationMode.NEGATIVE  # nothing in the operation can be made invalid

    for operation in operations:
        for role in ROLES:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                await asyncio.to_thread(fuzz, operation, mode, auth(tokens, role))
    for role in ROLES:
        machine = linked_state_machine(schema, bridge, auth(tokens, role))
        await asyncio.to_thread(machine.run, settings=hypothesis_settings(
            max_examples=SCENARIOS, stateful_step_count=STEPS, deadline=None, database=None, derandomize=True,
            phases=[Phase.generate], suppress_health_check=list(HealthCheck)))
    elapsed = time.monotonic() - started
    print(f"\nfuzzed {tally.requests} requests over {len(tally.operations)} of {len(operations)} operations "
          f"in {elapsed:.0f} s; statuses {dict(sorted(tally.statuses.items()))}")
    assert tally.requests > 0 and tally.operations == {o.label for o in operations}
    assert await subscriptions(http, tokens) == subscribed  # no subscription made, so no delivery attempted
    assert not tally.failures, "\n".join(tally.failures)
