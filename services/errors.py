"""What a use case refuses, in words the edges can show: each edge says it its own way (the
API as 404 or 409 with the code, the dashboard as a page, the CLI as a line on stderr)."""

from __future__ import annotations


# Refusal codes that are not about the rules but about what the caller asked for: "not found".
NOT_FOUND_CODES = frozenset({"journey_not_found", "context_not_found", "chair_not_found"})


class Refusal(Exception):
    """A request the service will not carry out; `code` is stable, `message` for a person."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class NotFound(Refusal):
    """Nothing of the kind in the caller's LA (another LA's answers the same)."""


class NotAllowed(Refusal):
    """The caller's role may not do this (domain/roles.py)."""

    def __init__(self, message: str) -> None:
        super().__init__("not_allowed_for_role", message)


def journey_not_found() -> NotFound:
    # Another LA's journey answers exactly as a journey that does not exist.
    return NotFound("journey_not_found", "There is no such journey.")


def context_not_found() -> NotFound:
    # Another LA's context answers exactly as one that was never referred nor named.
    return NotFound("context_not_found", "There is no such context.")


def chair_not_found() -> NotFound:
    return NotFound("chair_not_found", "There is no such chair in the LA's pool.")
