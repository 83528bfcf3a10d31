"""Why an append was refused. Messages name streams and versions, never event contents."""

from __future__ import annotations


class StaleVersion(Exception):
    """The stream moved on since the caller read it (R3): reload and decide again."""

    def __init__(self, stream: str, expected: int, actual: int) -> None:
        self.stream = stream
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"stream {stream} is at version {actual}, "
            f"but the append expected version {expected}"
        )


class EventIdConflict(Exception):
    """A batch that is neither new nor an exact retry of a stored batch (R2)."""

    def __init__(self, stream: str, reason: str) -> None:
        self.stream = stream
        self.reason = reason
        super().__init__(f"append to stream {stream} refused: {reason}")


class CommandIdReused(Exception):
    """The command id is recorded as answering another request in this LA (R7)."""

    def __init__(self, local_authority: str, command_id: str) -> None:
        self.local_authority = local_authority
        self.command_id = command_id
        super().__init__(f"command id {command_id} of LA {local_authority} answered another request")
