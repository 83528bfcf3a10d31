"""Every Temporal payload sealed with AES-256-GCM before it leaves the process.

Workflow inputs, update arguments and answers, query results, activity inputs and results,
and (through the failure converter) failure messages and stack traces are encrypted on every
client and worker the service makes, so Temporal's database, its UI and anyone who can read
them see ciphertext: a young person's date of birth, UPN, views and the LA's child id never
reach Temporal in the clear.

Each payload is sealed under a key of its LA's own (derived from the ring's current key,
sealing/keys.py): the LA is read from the workflow id the payload belongs to
(`journey-873-…`, `context-873-…`), and workflows of no one LA (webhook deliveries, the
checkpoint schedule, the sweeper) use the service's scope. The payload's metadata names the
encoding, the ring key and the scope, and the scope and key id are bound to the ciphertext
as associated data, so neither can be altered to open a payload under another LA's key. The
metadata carries no personal data. A fresh 96-bit nonce per payload.

Decoding reads the metadata, not the context, so any process holding the ring opens any
payload; the codec endpoint (api/routes/codec.py) checks the scope against its caller's LA
first. Payloads written before sealing (no encryption metadata) pass through unchanged, so
open journeys and the recorded histories still replay.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.converter import (
    ActivitySerializationContext, DataConverter, DefaultFailureConverterWithEncodedAttributes, PayloadCodec,
    SerializationContext, WithSerializationContext, WorkflowSerializationContext,
)

from sealing.keys import KeyRing, UnknownKey

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
SCOPE = "encryption-scope"
SERVICE_SCOPE = "service"
PURPOSE = "temporal-payloads"
NONCE_BYTES = 12
# The LA of a journey's or context case's workflow id (workflows/client.py, workflows/contexts.py).
_LA_OF_WORKFLOW = re.compile(r"^(?:journey|context)-(\d{3})-")


class SealedPayloadError(Exception):
    """A sealed payload that cannot be opened: its key is gone from the ring, or it was altered."""


def scope_of_workflow(workflow_id: str | None) -> str:
    match = _LA_OF_WORKFLOW.match(workflow_id or "")
    return match.group(1) if match else SERVICE_SCOPE


def scope_of(payload: Payload) -> str | None:
    """The scope a sealed payload was sealed in (None: not sealed)."""
    if payload.metadata.get("encoding") != ENCODING:
        return None
    return payload.metadata.get(SCOPE, b"").decode() or None


class SealingCodec(PayloadCodec, WithSerializationContext):
    def __init__(self, ring: KeyRing, scope: str = SERVICE_SCOPE) -> None:
        self.ring = ring
        self.scope = scope
        self._ciphers: dict[tuple[str, str], AESGCM] = {}

    def with_context(self, context: SerializationContext) -> "SealingCodec":
        workflow_id = getattr(context, "workflow_id", None) if isinstance(
            context, (WorkflowSerializationContext, ActivitySerializationContext)) else None
        scope = scope_of_workflow(workflow_id)
        if scope == self.scope:
            return self
        codec = SealingCodec(self.ring, scope)
        codec._ciphers = self._ciphers  # one cache of derived keys per ring
        return codec

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.seal(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.open(p) for p in payloads]

    def seal(self, payload: Payload, scope: str | None = None) -> Payload:
        scope = scope or self.scope
        key_id = self.ring.current
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._cipher(key_id, scope).encrypt(nonce, payload.SerializeToString(), _associated(key_id, scope))
        return Payload(metadata={"encoding": ENCODING, KEY_ID: key_id.encode(), SCOPE: scope.encode()},
                       data=nonce + sealed)

    def open(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload  # written before sealing
        key_id = payload.metadata.get(KEY_ID, b"").decode()
        scope = payload.metadata.get(SCOPE, b"").decode()
        try:
            cipher = self._cipher(key_id, scope)
            plain = cipher.decrypt(payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:], _associated(key_id, scope))
        except UnknownKey as err:
            raise SealedPayloadError(f"A payload {err}: put the key back in the ring to read it.") from None
        except InvalidTag:
            raise SealedPayloadError(
                f"A payload sealed under key {key_id!r} for scope {scope!r} does not open: it was altered.") from None
        return Payload.FromString(plain)

    def _cipher(self, key_id: str, scope: str) -> AESGCM:
        cipher = self._ciphers.get((key_id, scope))
        if cipher is None:
            cipher = self._ciphers[(key_id, scope)] = AESGCM(self.ring.derived(PURPOSE, scope, key_id))
        return cipher


def open_all(message: Message, codec: SealingCodec) -> None:
    """Open, in place, every sealed payload anywhere inside a protobuf message (a workflow
    history, say), so that tools reading histories (the replay, the release gate) read them as
    they were before sealing."""
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        is_map = field.message_type.GetOptions().map_entry
        holds_payload = (field.message_type.fields_by_name["value"].message_type if is_map
                         else field.message_type) is Payload.DESCRIPTOR
        if is_map:
            for key in list(value):
                if holds_payload:
                    value[key].CopyFrom(codec.open(value[key]))
                elif field.message_type.fields_by_name["value"].message_type is not None:
                    open_all(value[key], codec)
        elif field.is_repeated:
            for item in value:
                item.CopyFrom(codec.open(item)) if holds_payload else open_all(item, codec)
        elif holds_payload:
            value.CopyFrom(codec.open(value))
        else:
            open_all(value, codec)


def _associated(key_id: str, scope: str) -> bytes:
    return f"{key_id}\x00{scope}".encode()


def sealing_converter(ring: KeyRing) -> DataConverter:
    """The data converter of every client and worker: payloads sealed, and failures' messages
    and stack traces moved into a payload so that they are sealed too."""
    return DataConverter(payload_codec=SealingCodec(ring),
                         failure_converter_class=DefaultFailureConverterWithEncodedAttributes)
