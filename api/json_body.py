"""JSON bodies read strictly, before any route sees them.

Python's JSON reader is lenient where a record must not be: it takes `NaN` and `Infinity`
(not JSON at all), reads `1e400` as infinity, lets the last of two equal keys win (so
`local_authority` sent twice is whichever the reader met last: two systems reading one body
could disagree about which LA a journey is in), and a body that is not UTF-8 would be a 400
the contract does not have. Each is refused here, 422 in pydantic's shape (`json_invalid`,
at `body`), saying what was wrong and never quoting the body.
"""

from __future__ import annotations

import json
from email.message import Message

from starlette.requests import Request
from starlette.types import ASGIApp, Message as AsgiMessage, Receive, Scope, Send

from api.errors import EscapedJSONResponse
from api.logging import note

__all__ = ["StrictJsonBodies", "json_problem"]


class _Refused(ValueError):
    pass


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    seen: dict = {}
    for key, value in pairs:
        if key in seen:
            raise _Refused(f"The key {key!r} appears twice in one object; send each key once.")
        seen[key] = value
    return seen


def _not_a_number(name: str) -> float:
    raise _Refused(f"{name} is not a JSON number.")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _Refused("A number in the body is too large to be a number the record holds.")
    return value


def json_problem(raw: bytes) -> str | None:
    """Why the JSON body cannot be read strictly, or None (a body that is not JSON at all is
    left to FastAPI, which answers it 422 `json_invalid` with where it stopped)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        return f"The body is not UTF-8 (byte {err.start + 1})."
    try:
        json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_not_a_number, parse_float=_finite)
    except json.JSONDecodeError:
        return None
    except _Refused as refused:
        return str(refused)
    except ValueError:  # an integer of thousands of digits, past Python's limit for reading one
        return "A number in the body is too long to be a number the record holds."
    return None


def _is_json(scope: Scope) -> bool:
    content_type = dict(scope["headers"]).get(b"content-type")
    if content_type is None:
        return False
    parsed = Message()
    parsed["content-type"] = content_type.decode("latin-1")
    subtype = parsed.get_content_subtype()
    return parsed.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))


class StrictJsonBodies:
    """ASGI middleware: reads a JSON body whole, refuses it if `json_problem` says so, else
    hands the same bytes on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        chunks, more = [], True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                await self.app(scope, _replay(b"", receive, message), send)
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        raw = b"".join(chunks)
        problem = json_problem(raw) if raw else None
        if problem is None:
            await self.app(scope, _replay(raw, receive), send)
            return
        note(Request(scope), error_code="invalid_request", invalid_fields=["body"])
        answer = EscapedJSONResponse({"detail": [{"type": "json_invalid", "loc": ["body"], "msg": problem}]},
                                     status_code=422)
        await answer(scope, receive, send)


def _replay(raw: bytes, receive: Receive, first: AsgiMessage | None = None) -> Receive:
    pending = [first or {"type": "http.request", "body": raw, "more_body": False}]

    async def replayed() -> AsgiMessage:
        return pending.pop() if pending else await receive()
    return replayed
