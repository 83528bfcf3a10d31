"""Why an append was refused, and whether trying again could help. Messages name streams and
versions, never event contents."""

from __future__ import annotations

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError


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


# PostgreSQL's SQLSTATE classes about the values written: cardinality violation, data
# exception, integrity constraint violation.
_VALUE_CLASSES = ("21", "22", "23")


def is_deterministic(error: BaseException) -> bool:
    """True if appending the same batch again would fail the same way: the database refused
    a value (a text it cannot encode, a string too long, a constraint: DataError,
    IntegrityError, or on PostgreSQL any error of the SQLSTATE classes above; the store's own
    one-statement conflicts never get this far, they are told apart under the lock), or the
    batch itself is malformed (ValueError, UnicodeEncodeError, TypeError, KeyError: what the
    store's checks and the drivers raise on a value).

    Anything else may pass on its own and is worth retrying: the database unreachable or
    restarted, a connection invalidated, a lock or statement timeout, a serialization failure
    or deadlock (all OperationalError), the pool exhausted, a schema or a grant an operator
    has yet to put right. A stale version or an id conflict is about the stream, not the
    batch's values, and is left to whoever retries the append.
    """
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return False
        sqlstate = getattr(error.orig, "sqlstate", None)  # psycopg's; SQLite has none
        if sqlstate:
            return sqlstate[:2] in _VALUE_CLASSES
        return isinstance(error, (DataError, IntegrityError)) and not isinstance(error, OperationalError)
    return isinstance(error, (ValueError, TypeError, KeyError))
class CommandIdReused(Exception):
    """The command id is recorded as answering another request in this LA (R7)."""

    def __init__(self, local_authority: str, command_id: str) -> None:
        self.local_authority = local_authority
        self.command_id = command_id
        super().__init__(f"command id {command_id} of LA {local_authority} answered another request")
