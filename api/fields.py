"""What the HTTP edge takes in a text, a date, a moment and a whole number: the record's own rules
(domain/text.py, domain/ranges.py) as annotated types, used by every body and every query
parameter, and each stated in the OpenAPI document so a caller can know it before sending.

A value outside them is answered 422 naming the field (pydantic's `loc`) with the reason,
before anything reaches a journey: what the record cannot hold never gets as far as a
workflow, where a date past the calendar's years would fail the journey's every task.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StrictInt, ValidationInfo
from pydantic_core import PydanticCustomError

from domain.errors import DomainError
from domain.ranges import EARLIEST, LATEST, check_moment, date_problem
from domain.text import INVALID_TEXT, text_pattern, text_problem

__all__ = ["Moment", "RecordDate", "free_text", "record_text", "whole_number"]

_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
# The record's years as a pattern (JSON Schema cannot bound a date otherwise): 1990 to 2110.
assert (EARLIEST.year, LATEST.year) == (1990, 2110), "restate YEARS for the record's new range"
YEARS = r"(199[0-9]|20[0-9]{2}|210[0-9]|2110)"
DATE_PATTERN = rf"^{YEARS}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
MOMENT_PATTERN = rf"^{YEARS}-"


def _what(info: ValidationInfo) -> str:
    return f"The {info.field_name}" if info.field_name else "The text"


def _record_text(free_text: bool):
    # Before pydantic's own string checks, so that a length given beside the type stays a string
    # constraint (string_too_long, minLength in the document); a value that is no string is theirs.
    def check(value: Any, info: ValidationInfo) -> Any:
        problem = text_problem(value, free_text=free_text) if isinstance(value, str) else None
        if problem is not None:
            raise PydanticCustomError(INVALID_TEXT, "{what} cannot be recorded: {problem}",
                                      {"what": _what(info), "problem": problem})
        return value
    return check


def record_text(max_length: int, min_length: int = 0) -> Any:
    """Names, ids and codes: one line, no control or invisible characters. (The lengths inside the
    type: given beside it, pydantic would check them as generic lengths, not a string's.)"""
    return Annotated[str, Field(min_length=min_length, max_length=max_length), BeforeValidator(_record_text(False)),
                     Field(json_schema_extra={"pattern": text_pattern()})]


def free_text(max_length: int) -> Any:
    """What a practitioner writes in a paragraph (views, reasons, notes, descriptions): line breaks and tabs too."""
    return Annotated[str, Field(max_length=max_length), BeforeValidator(_record_text(True)),
                     Field(json_schema_extra={"pattern": text_pattern(free_text=True)})]


def _iso_date_only(value: Any) -> Any:
    # A case system that sends a timestamp, a number or "yes" has a bug that should surface now,
    # not as a wrong date in a child's chronology (a bare 0 would otherwise be 1 January 1970).
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise PydanticCustomError("date_format", "Input should be a date in the format YYYY-MM-DD")
    return value


def _in_range(value: date) -> date:
    problem = date_problem(value)
    if problem is not None:
        raise PydanticCustomError("date_out_of_range", "{problem}", {"problem": problem})
    return value


RecordDate = Annotated[date, BeforeValidator(_iso_date_only), AfterValidator(_in_range),
                       Field(json_schema_extra={"pattern": DATE_PATTERN})]


def _iso_moment_only(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value[:10]):
        raise PydanticCustomError("datetime_format", "Input should be an ISO 8601 moment, e.g. 2026-04-01T17:00:00Z")
    return value


def _moment_in_range(value: datetime) -> datetime:
    try:
        check_moment(value, "moment")
    except DomainError as refused:
        raise PydanticCustomError(refused.code, "{message}", {"message": refused.message}) from None
    return value


# A moment on the record's time line: ISO 8601 with a time zone, within the record's years.
Moment = Annotated[datetime, BeforeValidator(_iso_moment_only), AfterValidator(_moment_in_range),
                   Field(json_schema_extra={"pattern": MOMENT_PATTERN})]


def _whole(value: Any) -> Any:
    # JSON has numbers, not integers: 8.0 is the number 8 (JSON Schema's "integer" says so), and
    # a case system's serialiser may write it that way. A fraction, a string or a boolean is not.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def whole_number(minimum: int, maximum: int) -> Any:
    """A whole number from `minimum` to `maximum` (the bounds inside, so the document states them)."""
    return Annotated[StrictInt, Field(ge=minimum, le=maximum), BeforeValidator(_whole)]
