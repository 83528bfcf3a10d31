"""What a caller is told about a command is what the log holds.

A command is answered 2xx only when its events are in the log, and it is never answered as
failed while they are. The rules' refusals write nothing, and are answered as they are. Any
other failure of sending it leaves its outcome unknown to the caller: Temporal unreachable
or late (the update may have been taken, and appended, before the answer was lost), or its
workflow gone (the command may be the one that closed it). Then the log decides: the
command's events there are answered as the first answer would have been (the state as the
read models hold it now), and only when they are not is the failure answered (the HTTP
service answers 503, api/errors.py, or the refusal), and a retry with the same command_id
learns what became of it.
"""

from __future__ import annotations

from typing import Awaitable, Callable

from anyio import to_thread

from workflows.client import CommandRefused


async def sent_or_recorded(sending: Awaitable[dict], recorded: Callable[[], dict | None],
                           gone: frozenset[str] = frozenset()) -> dict:
    """The workflow's answer to the command being sent; should sending fail other than by a
    refusal (or by a refusal in `gone`, saying the workflow is not there to take it), the
    answer `recorded()` finds in the log (run in the thread pool), or else that failure."""
    try:
        return await sending
    except CommandRefused as err:
        if err.code not in gone:
            raise
        failure: Exception = err
    except Exception as err:  # noqa: BLE001 - whatever it was, the log says what happened
        failure = err
    answer = await to_thread.run_sync(recorded)
    if answer is None:
        raise failure
    return answer
