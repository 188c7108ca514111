"""Conversation context <-> JSON, generically: every field of `Context`, nested or not.

The codec walks the dataclass's own type hints, so a field added to `Context` (or to a type it
holds) is stored and restored without touching this module. Anything malformed (an older
format, a hand edit, a value of the wrong type) gives a fresh `Context` rather than an error:
a lost follow-up is better than a failed answer.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import asdict
from functools import cache
from typing import Any, Literal, Union, get_args, get_origin

from bot.core.models import Context


class _Malformed(ValueError):
    """A stored value that does not fit its field's type."""


def context_to_json(ctx: Context) -> dict[str, Any]:
    """A JSON-ready dict of `ctx`."""
    return asdict(ctx)


def context_from_json(data: object) -> Context:
    """Rebuild a Context; anything malformed gives a fresh one."""
    try:
        value = _decode(Context, data)
    except (_Malformed, TypeError, ValueError):
        return Context()
    assert isinstance(value, Context)
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _decode(kind: Any, data: object) -> object:
    """`data` (parsed JSON) as a value of the type `kind`."""
    origin = get_origin(kind)
    if origin in (Union, types.UnionType):
        options = get_args(kind)
        if data is None and type(None) in options:
            return None
        for option in options:
            if option is type(None):
                continue
            try:
                return _decode(option, data)
            except _Malformed:
                continue
        raise _Malformed(kind)
    if origin is Literal:
        if data in get_args(kind):
            return data
        raise _Malformed(kind)
    if origin is tuple:
        if not isinstance(data, list | tuple):
            raise _Malformed(kind)
        item, *rest = get_args(kind)
        if rest and rest != [Ellipsis]:
            raise _Malformed(kind)  # fixed-length tuples are not used in Context
        return tuple(_decode(item, x) for x in data)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        if not isinstance(data, dict):
            raise _Malformed(kind)
        hints = _hints(kind)
        fields = {
            f.name: _decode(hints[f.name], data[f.name])
            for f in dataclasses.fields(kind)
            if f.name in data
        }
        return kind(**fields)
    return _scalar(kind, data)


def _scalar(kind: Any, data: object) -> object:
    if kind is bool:
        if isinstance(data, bool):
            return data
    elif kind is int:
        if isinstance(data, int) and not isinstance(data, bool):
            return data
    elif kind is float:
        if isinstance(data, int | float) and not isinstance(data, bool):
            return float(data)
    elif kind is str:
        if isinstance(data, str):
            return data
    elif kind is Any or kind is object:
        return data
    raise _Malformed(kind)
