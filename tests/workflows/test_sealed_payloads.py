"""Personal data never reaches Temporal in the clear: a journey driven through every command that
carries some (the start with the date of birth and the LA's child id, census details with a UPN,
participation with the young person's views, consent), then its raw history read without the
codec holds none of it; with the codec it opens to the same commands. A journey started under
one key and continued under a rotated ring replays, and a ring without the first key fails
loudly on its payloads."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, timedelta

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import History
from temporalio.client import Client

from workflows.replay import replayer, workflow_runs
from sealing.codec import ENCODING, SealedPayloadError, SealingCodec, open_all, sealing_converter
from sealing.keys import KeyRing
from support import command, start_request
from worker import build_worker
from workflows.client import JourneyClient

pytestmark = pytest.mark.slow

UPN = "A950000178301"


def plain_client(env_client: Client) -> Client:
    """What anyone reading Temporal's database or its UI sees: no codec."""
    return Client(env_client.service_client, namespace=env_client.namespace)


async def drive(journeys: JourneyClient, today, child_id: str, views: str) -> dict:
    answer = await journeys.start(start_request(child_id, today - timedelta(days=15 * 365 + 40), today - timedelta(days=20)))
    workflow_id = answer["workflow_id"]
    for body in (
        command("record_strategy_discussion", occurred_on=today - timedelta(days=19), outcome="s47_cp"),
        command("record_census_details", upn=UPN, disabilities=["NONE"], referral_source="6", primary_need="N1"),
        command("record_initial_conference", occurred_on=today - timedelta(days=10), decision="plan", categories=["neglect"]),
        command("record_participation", occurred_on=today - timedelta(days=10), meeting="initial_conference",
                participant="young_person", invited=True, attended=True, views=views),
        command("record_consent", occurred_on=today - timedelta(days=9), given_by="parent_carer", decision="given",
                scope=["police", "education"]),
    ):
        await journeys.send(workflow_id, body)
    return answer


async def test_the_raw_history_holds_no_personal_data_and_opens_with_the_codec(journeys, clock, temporal_env):
    today = await clock.today()
    child_id = f"SEAL{uuid.uuid4().hex[:8].upper()}"
    views = f"Wants to see her nan on Saturdays {uuid.uuid4().hex[:6]}"
    answer = await drive(journeys, today, child_id, views)
    dob = (today - timedelta(days=15 * 365 + 40)).isoformat()
    workflow_id = answer["workflow_id"]
    assert child_id not in workflow_id  # a keyed hash of LA and child id (workflows/client.py)

    history = await plain_client(temporal_env.client).get_workflow_handle(workflow_id).fetch_history()
    raw = as_proto(history).SerializeToString()
    for value in (child_id, dob, UPN, views):
        assert value.encode() not in raw, value
    # Everything the service hands Temporal is sealed. Temporal's own bookkeeping is not the
    # service's data and does not pass the codec: patch markers and the patches' search
    # attribute (patch ids), a local activity marker's `data` (its sequence number, type and
    # times; its `result`, the stored events, is sealed). None of it holds a value above.
    checked = 0
    for event in history.events:
        if event.event_type == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
            continue
        if event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED:
            details = event.marker_recorded_event_attributes.details
            payloads = [p for key, value in details.items() if key not in ("data", "patch-data") for p in value.payloads]
        else:
            payloads = list(_payloads(event))
        assert all(p.metadata.get("encoding") == ENCODING for p in payloads), event
        checked += len(payloads)
    assert checked > 10

    opened = as_proto(history)
    codec = temporal_env.client.data_converter.payload_codec
    for event in opened.events:
        open_all(event, codec)
    clear = opened.SerializeToString()
    for value in (child_id, dob, UPN, views):
        assert value.encode() in clear, value


def as_proto(history) -> History:
    return History(events=history.events)


def _payloads(message):
    """Every Payload message inside a protobuf message."""
    from temporalio.api.common.v1 import Payload

    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if field.message_type is Payload.DESCRIPTOR:
            yield from (value if field.is_repeated else [value])
        elif field.message_type.GetOptions().map_entry:
            for item in value.values():
                if isinstance(item, Payload):
                    yield item
                elif hasattr(item, "ListFields"):
                    yield from _payloads(item)
        elif field.is_repeated:
            for item in value:
                yield from _payloads(item)
        else:
            yield from _payloads(value)


async def test_a_journey_continues_under_a_rotated_ring_and_a_ring_without_its_first_key_fails_loudly(
        dev_server_env, settings, store):
    # The dev server, not the time-skipping one: the workers change under a running journey,
    # and the Java test server never times out a stopped worker's sticky queue.
    first = KeyRing.new()
    rotated = first.rotated("k2")
    queue = f"rotation-{uuid.uuid4().hex[:8]}"
    rotation_settings = replace(settings, task_queue=queue)
    service, namespace = dev_server_env.client.service_client, dev_server_env.client.namespace
    under_first = Client(service, namespace=namespace, data_converter=sealing_converter(first))
    under_rotated = Client(service, namespace=namespace, data_converter=sealing_converter(rotated))
    today = date.today()
    async with build_worker(under_first, rotation_settings, store):
        answer = await JourneyClient(under_first, rotation_settings).start(
            start_request(f"ROT{uuid.uuid4().hex[:8]}", today - timedelta(days=14 * 365), today - timedelta(days=5)))
    async with build_worker(under_rotated, rotation_settings, store):
        journeys = JourneyClient(under_rotated, rotation_settings)
        after = await journeys.send(answer["workflow_id"], command(
            "record_strategy_discussion", occurred_on=today - timedelta(days=4), outcome="s47_cp"))
        assert after["state"]["stage"]

    raw = await Client(service, namespace=namespace).get_workflow_handle(
        answer["workflow_id"]).fetch_history()
    key_ids = {p.metadata.get("encryption-key-id") for e in raw.events for p in _payloads(e)} - {None}
    assert key_ids == {b"k1", b"k2"}  # both keys sealed parts of one history

    # The rotated ring opens and replays all of it.
    histories = await workflow_runs(under_rotated, answer["workflow_id"])
    for history in histories:
        result = await replayer().replay_workflow(history, raise_on_replay_failure=False)
        assert result.replay_failure is None, result.replay_failure

    # Without k1, the payloads it sealed do not open, loudly.
    without_first = KeyRing("k2", {"k2": rotated.keys["k2"]})
    codec = SealingCodec(without_first)
    with pytest.raises(SealedPayloadError, match="'k1', which is not in the key ring"):
        for event in as_proto(raw).events:
            open_all(event, codec)
