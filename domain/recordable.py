"""What a command may carry into the record: every text and every date of every command,
checked once, before the rules look at it.

A text the log cannot hold (NUL, a lone surrogate) or that would mislead its reader (a
direction override, an invisible character) is refused with `invalid_text`
(domain/text.py); a date outside the years the record takes (and the calendar knows) with
`date_out_of_range` (domain/ranges.py). Either would otherwise be accepted by the rules and
then fail where it is written or where its deadlines are worked out, after the command was
accepted, and the journey would retry it for ever.

The check walks each command's fields by their declared types, through the values nested
in it (the young person, a plan's goals and their actions, a weighting's contexts), so a
field added to a command is checked the day it is added. Which texts are free text (what a
practitioner types as a paragraph, which may hold line breaks) is stated below, field by
field; every other text is an id, a name or a code. A value of another type than declared
(a number where a text belongs, nothing where a date is required) is refused as
`invalid_value`: the rules would fail on it with an error no caller could act on.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime
from functools import cache
from typing import Any, Callable

from domain.codec import field_types
from domain.errors import DomainError
from domain.ranges import check_date
from domain.text import check_text

__all__ = ["FREE_TEXT", "check_recordable", "date_fields", "text_fields"]

# "Class.field": the texts people write in sentences (line breaks and tabs allowed). Named
# rather than imported so that domain/contexts.py can use this module without a cycle; a
# test holds every name here to a text field the walk finds.
FREE_TEXT = frozenset({
    "RecordParticipation.views",
    "ExtendDeadline.reason",
    "CloseJourney.note",
    "RecordTransitionPlan.note",
    "CorrectEvent.reason",
    "Goal.description",
    "Goal.outcome",
    "Action.description",
    "RecordContextConference.note",
    "RecordContextAction.description",
})

Check = Callable[[Any, str], None]


def check_recordable(command) -> None:
    """Refuse a command holding a text or a date the record cannot take, or a value of the
    wrong type; nothing else about it is judged here."""
    _dataclass_check(type(command))(command, "")


def text_fields(cls: type) -> frozenset[str]:
    """"Class.field" of every text the walk checks in `cls` and the values nested in it."""
    return frozenset(name for name, kind in _leaves(cls) if kind is str)


def date_fields(cls: type) -> frozenset[str]:
    """"Class.field" of every date the walk checks in `cls` and the values nested in it."""
    return frozenset(name for name, kind in _leaves(cls) if kind is date)


# --- the walk, built once per class from its type hints ------------------------------------

@cache
def _dataclass_check(cls: type) -> Check:
    hints = field_types(cls)
    fields = [(f.name, _check_for(hints[f.name], f"{cls.__name__}.{f.name}")) for f in dataclasses.fields(cls)]

    def check(value: Any, path: str) -> None:
        if not isinstance(value, cls):
            raise _wrong(path, "a set of fields")
        for name, check_field in fields:
            check_field(getattr(value, name), f"{path}.{name}" if path else name)

    return check


def _check_for(tp: Any, field: str) -> Check:
    """The check of one field's value, from its declared type; `field` is "Class.field"."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return _union(tp, field)
    if origin is tuple:
        return _sequence(tp, field)
    if tp is str:
        free_text = field in FREE_TEXT
        return lambda value, path: _text(value, path, free_text)
    if tp is date:
        return _date
    if tp is bool:
        return _simple(bool, "true or false")
    if tp is int:
        return _simple(int, "a whole number")
    if dataclasses.is_dataclass(tp):
        return _dataclass_check(tp)
    # A field of a type nobody taught the walk would go unchecked: fail where it is declared.
    raise TypeError(f"{field}: the record's checks do not know the type {tp!r}")


def _union(tp: Any, field: str) -> Check:
    args = typing.get_args(tp)
    optional = type(None) in args
    options = [(_runtime_type(a), _check_for(a, field)) for a in args if a is not type(None)]
    expected = " or ".join(_words(kind) for kind, _ in options)

    def check(value: Any, path: str) -> None:
        if value is None:
            if optional:
                return
            raise _wrong(path, "given")
        for kind, check_option in options:
            if isinstance(value, kind):
                return check_option(value, path)
        raise _wrong(path, expected)

    return check


def _sequence(tp: Any, field: str) -> Check:
    args = typing.get_args(tp)
    if len(args) != 2 or args[1] is not Ellipsis:
        raise TypeError(f"{field}: the record's checks know tuples of one type only, not {tp!r}")
    item = _check_for(args[0], field)

    def check(value: Any, path: str) -> None:
        if value is None:
            raise _wrong(path, "given")
        if not isinstance(value, _LIST):
            raise _wrong(path, "a list")
        for index, each in enumerate(value):
            item(each, f"{path}[{index}]")

    return check


def _text(value: Any, path: str, free_text: bool) -> None:
    if not isinstance(value, str):
        raise _wrong(path, "text")
    check_text(value, path, free_text=free_text)


def _date(value: Any, path: str) -> None:
    # A datetime is a date too, but never equals one: it would miss every calendar look-up.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise _wrong(path, "a date")
    check_date(value, path)


def _simple(kind: type, words: str) -> Check:
    def check(value: Any, path: str) -> None:
        # bool is an int to Python, and an int is no answer to a yes-or-no question.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise _wrong(path, words)
    return check


_LIST = (tuple, list)  # a list (as JSON gives it) stands for a tuple
_KIND_WORDS = {str: "text", date: "a date", bool: "true or false", int: "a whole number", _LIST: "a list"}


def _runtime_type(tp: Any) -> type | tuple[type, ...]:
    """What a value of the declared type `tp` is an instance of."""
    return _LIST if typing.get_origin(tp) is tuple else tp


def _words(kind) -> str:
    return _KIND_WORDS.get(kind, "a set of fields")


def _wrong(path: str, words: str) -> DomainError:
    return DomainError("invalid_value", f"The {path or 'command'} must be {words}.")


def _leaves(cls: type) -> list[tuple[str, type]]:
    """Every ("Class.field", str or date) the walk reaches from `cls`, through nested values."""
    found: list[tuple[str, type]] = []
    hints = field_types(cls)
    for f in dataclasses.fields(cls):
        found += _leaves_of(hints[f.name], f"{cls.__name__}.{f.name}")
    return found


def _leaves_of(tp: Any, field: str) -> list[tuple[str, type]]:
    if typing.get_origin(tp) in (typing.Union, types.UnionType, tuple):
        return [leaf for arg in typing.get_args(tp) if arg not in (type(None), Ellipsis)
                for leaf in _leaves_of(arg, field)]
    if tp in (str, date):
        return [(field, tp)]
    if dataclasses.is_dataclass(tp):
        return _leaves(tp)
    return []
