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
from typing import Any, Callable, TypeVar

T = TypeVar("T")


def to_data(value: Any) -> Any:
    encode = _ENCODERS.get(type(value))
    if encode is not None:
        return encode(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        _ENCODERS[type(value)] = encode = _dataclass_encoder(type(value))
        return encode(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (tuple, list, frozenset, set)):
        return [to_data(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_data(v) for k, v in value.items()}
    return value


def _dataclass_encoder(cls: type) -> Callable[[Any], dict]:
    # Field names looked up once per class rather than on every call: events are encoded
    # on every command, and states on every continue-as-new.
    names = tuple(f.name for f in dataclasses.fields(cls))
    return lambda value: {name: to_data(getattr(value, name)) for name in names}


def _plain_value(value: Any) -> Any:
    return value


# Encoders by exact type; dataclasses are added as they are first met.
_ENCODERS: dict[type, Callable[[Any], Any]] = {
    str: _plain_value, int: _plain_value, bool: _plain_value, type(None): _plain_value, float: _plain_value,
    date: date.isoformat,
}


def from_data(cls: type[T], data: Any) -> T:
    return _decoder(cls)(data)


@cache
def field_types(cls: type) -> dict[str, Any]:
    """A dataclass's fields' types, resolved (the codec's and domain/recordable.py's walks)."""
    # Resolve string annotations in the defining module's namespace, taken from the
    # dataclass's generated __init__: inside Temporal's workflow sandbox sys.modules is a
    # different dict, and get_type_hints' own look-up there finds nothing.
    return typing.get_type_hints(cls, globalns=cls.__init__.__globals__)


def _identity(data: Any) -> Any:
    return data


def _date(data: Any) -> date | None:
    if data is None or isinstance(data, date):
        return data
    return date.fromisoformat(data)


@cache
def _decoder(tp: Any) -> Callable[[Any], Any]:
    """A converter from plain data to `tp`, built once per type from its hints.

    Reading the hints on every call made decoding most of the cost of folding a journey's
    log; the converters built here do only the conversions a type needs. Every converter
    passes None through, keys a dataclass does not know are ignored (events written by a
    newer schema), and missing ones take the field's default.
    """
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        return _decoder(options[0])
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            item = _decoder(args[0])
            return lambda data: None if data is None else tuple(map(item, data))
        items = [_decoder(a) for a in args]
        return lambda data: None if data is None else tuple(f(v) for f, v in zip(items, data))
    if origin is frozenset:
        item = _decoder(typing.get_args(tp)[0])
        return lambda data: None if data is None else frozenset(map(item, data))
    if origin is dict:
        value = _decoder(typing.get_args(tp)[1])
        if value is _identity:
            return lambda data: None if data is None else dict(data)
        return lambda data: None if data is None else {k: value(v) for k, v in data.items()}
    if tp is date:
        return _date
    if dataclasses.is_dataclass(tp):
        return _dataclass_decoder(tp)
    return _identity


def _dataclass_decoder(cls: type) -> Callable[[Any], Any]:
    hints = field_types(cls)
    fields = dataclasses.fields(cls)
    names = frozenset(f.name for f in fields)
    # Only fields that need converting are visited; the rest pass through as they are.
    converters = [(f.name, conv) for f in fields if (conv := _decoder(hints[f.name])) is not _identity]
    defaults = {f.name: f.default for f in fields if f.default is not dataclasses.MISSING}
    required = names - defaults.keys()
    # The domain's dataclasses are frozen value objects with nothing to run on creation, so
    # their fields can be set directly, which is several times faster than __init__ (every
    # fold decodes every event). Anything else, or a value missing a field, goes through
    # __init__, which also raises the usual TypeError.
    direct = (
        not hasattr(cls, "__post_init__") and not hasattr(cls, "__slots__")
        and all(f.init and f.default_factory is dataclasses.MISSING for f in fields)
    )

    def decode(data: Any) -> Any:
        if data is None:
            return None
        values = dict(data) if data.keys() <= names else {k: v for k, v in data.items() if k in names}
        for name, convert in converters:
            if name in values:
                values[name] = convert(values[name])
        if direct and values.keys() >= required:
            value = object.__new__(cls)
            value.__dict__.update(defaults)
            value.__dict__.update(values)
            return value
        return cls(**values)

    return decode
