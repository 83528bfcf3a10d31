"""What a journey's or a context case's caller is told when a command cannot be recorded.

A workflow task that raises anything but a Temporal failure is retried by Temporal for ever,
and a persist activity that keeps failing is awaited for ever: either way the journey takes
no other command. So whatever a command meets on its way into the record ends as a refusal
the caller can read, with nothing written and the workflow ready for the next command:
the rules' own refusals (DomainError), what the rules did not foresee (a malformed request
that got past the HTTP edge, say), and a batch the event log cannot store as it is.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Awaitable, Callable, TypeVar

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.names import COMMAND_ID_REUSED, NOT_RECORDABLE, STREAM_AHEAD
    from domain.errors import DomainError, command_id_reused

T = TypeVar("T")

# Runs that pass this patch decide each command with its texts and dates checked
# (domain/recordable.py) in the update handler too; runs recorded before it decide their
# accepted commands as they were then. (Validators always check: they leave no history.)
VALUE_CHECKS_PATCH = "check-texts-and-dates"
# What code that is not Temporal's raises on a value it did not expect. Temporal's own errors
# (a non-determinism, the sandbox refusing something) are not among them, and still fail the
# task: they are the code's faults, to be put right by a release, not by the caller.
UNFORESEEN = (TypeError, ValueError, KeyError, AttributeError, IndexError, ArithmeticError)


def refusing_the_unforeseen(decide: Callable[[], T]) -> T:
    """`decide()`, with an error the rules did not foresee turned into a refusal."""
    try:
        return decide()
    except UNFORESEEN as err:
        raise DomainError(NOT_RECORDABLE, f"The command could not be decided ({type(err).__name__}); "
                                          "nothing was recorded.") from None


class LogAhead(Exception):
    """The log holds events of this stream that the workflow has not seen: an append made in a
    workflow task whose completion Temporal lost (the server restarted before it was stored).
    Those events stand (the caller was told nothing yet; a retry learns them from the log):
    the workflow reads them, evolves, and decides the command again."""


async def persisted(append: Awaitable[T]) -> T:
    """`append`'s result; a refusal if the event log cannot store the batch as it is, or holds
    its command id as another request's."""
    try:
        return await append
    except (ActivityError, ApplicationError) as err:
        # An activity task's failure comes wrapped in an ActivityError; a local activity's
        # arrives as the error the activity raised.
        cause = err.cause if isinstance(err, ActivityError) else err
        if isinstance(cause, ApplicationError) and cause.type == NOT_RECORDABLE:
            raise DomainError(NOT_RECORDABLE, "The event log cannot store what this command records "
                                              "(a value the database refuses); nothing was recorded.") from None
        if isinstance(cause, ApplicationError) and cause.type == STREAM_AHEAD:
            raise LogAhead() from None
        if isinstance(cause, ApplicationError) and cause.type == COMMAND_ID_REUSED:
            # The log holds this command id as the answer to another request (store R7).
            raise command_id_reused() from None
        raise


def refusal(err: DomainError, stream_id: str | None) -> ApplicationError:
    # The error type carries the stable code, so callers can branch on it. The readable
    # sentence travels in the details, never as the error's message: a sentence can quote a
    # date of birth, and Temporal logs and stores failure messages in the clear.
    return ApplicationError(
        f"refused: {err.code}", {"code": err.code, "message": err.message, "journey_id": stream_id},
        type=err.code, non_retryable=True,
    )


def clock_wake(wake: date | None, refused_on: date | None, today: date) -> date | None:
    """The day the clock wakes on next: `wake`, or tomorrow if the log refused what the clock
    found today (to try again once a day, not every second and not never)."""
    return today + timedelta(days=1) if refused_on == today else wake
