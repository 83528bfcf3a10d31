"""The sealing key ring and the payload codec, on their own: what is sealed cannot be read
without the ring, opens only under the key and scope it was sealed with, and fails loudly when
its key is gone or its metadata was changed."""

from __future__ import annotations

import asyncio
import stat

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.api.failure.v1 import Failure
from temporalio.converter import ActivitySerializationContext, DataConverter, WorkflowSerializationContext
from temporalio.exceptions import ApplicationError

from sealing.codec import ENCODING, SERVICE_SCOPE, SealedPayloadError, SealingCodec, scope_of, sealing_converter
from sealing.keys import BadKeyRing, GivenKeys, KeyFile, KeyRing, UnknownKey

SECRET = {"young_person": {"id": "CHILD-7781", "date_of_birth": "2011-04-09"}, "upn": "A950000178301"}


def payload(value=SECRET) -> Payload:
    return DataConverter.default.payload_converter.to_payloads([value])[0]


def test_derived_keys_differ_by_purpose_scope_and_ring_key():
    ring = KeyRing.new().rotated("k2")
    keys = {ring.derived(p, s, k) for p in ("a", "b") for s in ("873", "874") for k in ("k1", "k2")}
    assert len(keys) == 8 and all(len(k) == 32 for k in keys)
    assert ring.derived("a", "873") == ring.derived("a", "873", "k2")  # the current key by default
    with pytest.raises(UnknownKey):
        ring.derived("a", "873", "gone")


def test_a_ring_round_trips_through_json_and_refuses_what_it_cannot_use():
    ring = KeyRing.new().rotated()
    assert KeyRing.from_json(ring.to_json()) == ring and GivenKeys(ring.to_json()).key_ring() == ring
    for bad in ("not json", '{"current": "k9", "keys": {"k1": "' + "00" * 32 + '"}}',
                '{"current": "k1", "keys": {"k1": "abcd"}}', '{"current": "k 1", "keys": {"k 1": "' + "00" * 32 + '"}}'):
        with pytest.raises(BadKeyRing) as refusal:
            KeyRing.from_json(bad)
        assert "00" * 16 not in str(refusal.value)  # never a key in a message


def test_the_key_file_is_made_once_for_its_owner_only(tmp_path):
    keys = KeyFile(tmp_path / "data" / "sealing-keys.json")
    first = keys.key_ring()
    assert stat.S_IMODE(keys.path.stat().st_mode) == 0o600
    assert keys.key_ring() == first
    rotated = first.rotated()
    keys.write(rotated)
    assert keys.key_ring() == rotated and stat.S_IMODE(keys.path.stat().st_mode) == 0o600


def test_sealed_payloads_name_key_and_scope_and_hide_the_rest():
    ring = KeyRing.new()
    codec = SealingCodec(ring).with_context(WorkflowSerializationContext("default", "journey-873-0f3a"))
    [sealed] = asyncio.run(codec.encode([payload()]))
    assert sealed.metadata["encoding"] == ENCODING and scope_of(sealed) == "873"
    raw = sealed.SerializeToString()
    for value in ("CHILD-7781", "2011-04-09", "A950000178301"):
        assert value.encode() not in raw
    assert asyncio.run(SealingCodec(ring).decode([sealed])) == [payload()]
    # Two seals of the same payload differ (a fresh nonce each time).
    assert asyncio.run(codec.encode([payload()]))[0].data != sealed.data


def test_the_scope_follows_the_workflow():
    codec = SealingCodec(KeyRing.new())
    assert codec.with_context(WorkflowSerializationContext("default", "context-874-riverside-park")).scope == "874"
    activity = ActivitySerializationContext("default", "1", "persist", "q", "journey-909-ab", "JourneyWorkflow", True)
    assert codec.with_context(activity).scope == "909"
    assert codec.with_context(WorkflowSerializationContext("default", "notify-123")).scope == SERVICE_SCOPE


def test_a_payload_whose_scope_or_key_was_changed_does_not_open():
    ring = KeyRing.new()
    sealed = SealingCodec(ring).seal(payload(), "873")
    moved = Payload()
    moved.CopyFrom(sealed)
    moved.metadata["encryption-scope"] = b"874"  # relabelled as another LA's
    with pytest.raises(SealedPayloadError, match="altered"):
        SealingCodec(ring).open(moved)


def test_rotation_keeps_old_payloads_readable_and_removing_a_key_fails_loudly():
    ring = KeyRing.new()
    old = SealingCodec(ring).seal(payload(), "873")
    rotated = ring.rotated("k2")
    new = SealingCodec(rotated).seal(payload(), "873")
    assert new.metadata["encryption-key-id"] == b"k2" and old.metadata["encryption-key-id"] == b"k1"
    assert SealingCodec(rotated).open(old) == SealingCodec(rotated).open(new) == payload()
    without_k1 = KeyRing("k2", {"k2": rotated.keys["k2"]})
    assert SealingCodec(without_k1).open(new) == payload()
    with pytest.raises(SealedPayloadError, match="'k1', which is not in the key ring"):
        SealingCodec(without_k1).open(old)


def test_payloads_from_before_sealing_pass_through():
    plain = payload()
    assert SealingCodec(KeyRing.new()).open(plain) is plain


def test_failure_messages_and_stack_traces_are_sealed_too():
    converter = sealing_converter(KeyRing.new())
    failure = Failure()
    asyncio.run(converter.encode_failure(ApplicationError("The date of birth 2011-04-09 is after ..."), failure))
    assert "2011-04-09" not in failure.message and b"2011-04-09" not in failure.SerializeToString()
    restored = asyncio.run(converter.decode_failure(failure))
    assert "2011-04-09" in str(restored)


def test_pathways_keys_rotates_the_data_folders_ring_and_prints_a_given_one(tmp_path, capsys, monkeypatch, keep_logging):
    from cli.main import main as pathways

    monkeypatch.delenv("PATHWAYS_DATABASE_URL", raising=False)
    folder = tmp_path / "var"
    assert pathways(["keys", "show", "--data-dir", str(folder)]) == 0
    assert capsys.readouterr().out == "k1  (current: seals)\n"
    assert pathways(["keys", "rotate", "--data-dir", str(folder)]) == 0
    ring = KeyFile(folder / "sealing-keys.json").key_ring()
    assert ring.current != "k1" and set(ring.keys) == {"k1", ring.current}
    capsys.readouterr()

    given = KeyRing.new()
    monkeypatch.setenv("PATHWAYS_DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    monkeypatch.setenv("PATHWAYS_SEALING_KEYS", given.to_json())
    assert pathways(["keys", "rotate"]) == 0
    out = capsys.readouterr()
    rotated = KeyRing.from_json(out.out)
    assert rotated.keys["k1"] == given.keys["k1"] and rotated.current != "k1"
    assert "store this as its new value" in out.err
