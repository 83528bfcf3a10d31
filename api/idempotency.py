"""Idempotency keys, as Stripe's: a command_id names one request.

A command's request is fingerprinted as the SHA-256 of the RFC 8785 canonical JSON of
{"path": its URL path, "body": its JSON body}: the same body sent again, whatever its key
order or spacing, has the same fingerprint, and a body with any value changed (or sent to
another journey) has another. The workflow records the fingerprint with the command's
events, under the caller's LA and the command_id (R7, store/port.py; in one transaction).

Sending a command_id again with the same fingerprint answers the first answer; with another
it answers 409 `command_id_reused` and records nothing. The comparison (services/commands.py) is
made before the command is sent (the fingerprint recorded for the LA's command_id) and again
with the answer,
because two requests sent at once share Temporal's first answer (its update id is the
command_id, and it answers a repeated id without asking the workflow). Commands recorded
before fingerprints were kept have none, and are answered as before.
"""

from __future__ import annotations

import hashlib
import json

import rfc8785
from fastapi import Request


async def fingerprint(request: Request) -> str:
    """The request's fingerprint (its body is the JSON the route has validated already)."""
    document = {"path": request.url.path, "body": json.loads(await request.body())}
    try:
        canonical = rfc8785.dumps(document)
    except rfc8785.CanonicalizationError:
        # A number RFC 8785 cannot carry (an integer beyond 2**53): a stable form of our own.
        canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return hashlib.sha256(canonical).hexdigest()
