"""Plain-data form of the domain's dataclasses.

Events go into the log as JSON, commands and state travel in Temporal payloads, and the
auditors' replay reads them back: one codec keeps those three in step. It is driven by the
dataclasses' type hints, so adding a field needs no codec change.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


def to_data(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (tuple, list, frozenset, set)):
        return [to_data(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_data(v) for k, v in value.items()}
    return value


def from_data(cls: type[T], data: Any) -> T:
    return _convert(cls, data)


@cache
def _hints(cls: type) -> dict[str, Any]:
    # Resolve string annotations in the defining module's namespace, taken from the
    # dataclass's generated __init__: inside Temporal's workflow sandbox sys.modules is a
    # different dict, and get_type_hints' own look-up there finds nothing.
    return typing.get_type_hints(cls, globalns=cls.__init__.__globals__)


def _convert(tp: Any, data: Any) -> Any:
    if data is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        return _convert(options[0], data)
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(args[0], v) for v in data)
        return tuple(_convert(a, v) for a, v in zip(args, data))
    if origin is frozenset:
        return frozenset(_convert(typing.get_args(tp)[0], v) for v in data)
    if origin is dict:
        _, value_type = typing.get_args(tp)
        return {k: _convert(value_type, v) for k, v in data.items()}
    if tp is date:
        return data if isinstance(data, date) else date.fromisoformat(data)
    if dataclasses.is_dataclass(tp):
        hints = _hints(tp)
        known = {f.name for f in dataclasses.fields(tp)}
        return tp(**{k: _convert(hints[k], v) for k, v in data.items() if k in known})
    return data
