"""What every command the service sends carries and checks, journeys' and context cases' alike.

A command_id names one request: sent again with the same request it answers the first
answer; with another (a different body or path, as the edge fingerprints it) it is refused
with `command_id_reused`, and nothing is recorded.
"""

from __future__ import annotations

from domain.errors import command_id_reused
from services.errors import Refusal
from services.identity import Principal


def actor(who: Principal) -> dict:
    """The actor a command carries: who, and in which role (never about whom)."""
    return {"id": who.subject, "role": who.role}


def check_same_request(recorded: tuple[str, str] | None, request_fingerprint: str) -> None:
    """Refuse a command_id recorded (stream, fingerprint) for another request."""
    if recorded is not None and recorded[1] != request_fingerprint:
        err = command_id_reused()
        raise Refusal(err.code, err.message)
