"""Serialise handler results by the operation's output shape.

Handlers return plain dicts named like the model (``FleetId``, ``CreationTime``)
with Python values: timestamps as epoch seconds (float) or datetimes, enums as
``StrEnum`` members. This module walks the output shape once per operation,
builds a converter of nested closures, and turns those values into what each
wire protocol wants: epoch-second numbers for awsJson1_1, CBOR tag 1 for
rpc-v2-cbor, base64 or raw bytes for blobs. ``None`` members are left out, as
the real service omits absent members. In strict mode (tests) a member the
model does not know is an error, which catches handlers that drift from the
model.

Every request runs its output through here, so the converters avoid work: a
member whose value already is what the wire wants (a ``str`` for a string, an
``int`` for an integer...) is copied without a call, and a
:class:`SharedStructure` (a record's cached API dict, rebuilt whenever the
record changes) is converted once per converter and the result reused. Outputs
may therefore share nested dicts between responses: encode them, never modify
them.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
from collections.abc import Callable
from typing import Any

import cbor2
from botocore.model import Shape

Converter = Callable[[Any], Any]

# Model types whose converter returns a value of this exact Python type unchanged.
_PASSTHROUGH: dict[str, type] = {
    "string": str,
    "integer": int,
    "long": int,
    "boolean": bool,
    "float": float,
    "double": float,
}


class SharedStructure(dict):  # type: ignore[type-arg]
    """A structure value that is never modified once built, so its wire forms can be kept on it.

    Records cache their API dict as one of these and build a new one after
    every change (``GameSession.to_api``); a converter meeting it converts it
    once and hands out the same result afterwards. Modifying one after it has
    been converted would leave the kept wire form stale: build a new one.
    """

    # Converter -> its output for this value; set on the first conversion.
    _wire: dict[Converter, Any] | None = None

    def replaced(self, key: str, value: Any) -> SharedStructure:
        """A copy with ``key`` set to ``value`` (present and not None in both), keeping the wire forms that allow it.

        A record whose change touches one member (a game session's player
        count, on every player session) need not be converted from scratch:
        a kept wire form is copied with the new value wherever the converter
        would pass that value through unchanged (see ``_PASSTHROUGH``). Other
        wire forms are dropped and rebuilt on their next use.
        """
        new = SharedStructure(self)
        new[key] = value
        wire = self._wire
        if wire and value is not None:
            kept = {}
            for conv, out in wire.items():
                passthrough: dict[str, type] = getattr(conv, "passthrough", {})
                if key in out and type(value) is passthrough.get(key):
                    copy = dict(out)
                    copy[key] = value
                    kept[conv] = copy
            if kept:
                new._wire = kept
        return new


class OutputShapeError(Exception):
    """A handler returned something its output shape does not allow (a bug, not a client error)."""


def _epoch(value: Any) -> float | int:
    if type(value) is not float:  # records keep epoch seconds as floats: the common case skips these tests
        if isinstance(value, dt.datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=dt.UTC)
            value = value.timestamp()
        value = float(value)
    # Millisecond precision, as the real service reports times.
    value = round(value, 3)
    return int(value) if value.is_integer() else value


# Enum class -> member -> its text: a member's ``.value`` is a property, slow for how often statuses are shaped.
_ENUM_TEXTS: dict[type, dict[Any, str]] = {}


def _string(value: Any) -> str:
    if type(value) is str:
        return value
    texts = _ENUM_TEXTS.get(type(value))
    if texts is not None:
        text = texts.get(value)
        if text is not None:
            return text
    if isinstance(value, enum.Enum):
        text = str(value.value)
        _ENUM_TEXTS.setdefault(type(value), {})[value] = text
        return text
    return str(value)


def _identity(value: Any) -> Any:
    return value


class ShapeWriter:
    """Builds output converters for one wire protocol."""

    def __init__(self, protocol: str, strict: bool = False) -> None:
        if protocol not in ("json", "cbor"):
            raise ValueError(protocol)
        self.protocol = protocol
        self.strict = strict
        self._cache: dict[str, Converter] = {}

    def converter(self, shape: Shape | None) -> Converter:
        if shape is None:
            return lambda _value: {}
        return self._build(shape)

    def _build(self, shape: Shape) -> Converter:
        cached = self._cache.get(shape.name)
        if cached is not None:
            return cached
        kind = shape.type_name
        if kind == "structure":
            # Recursive shapes: register a trampoline before building members.
            slot: list[Converter] = []
            self._cache[shape.name] = lambda value: slot[0](value)
            conv = self._structure(shape)
            slot.append(conv)
        elif kind == "list":
            conv = self._list(shape)
        elif kind == "map":
            conv = self._map(shape)
        elif kind == "timestamp":
            conv = self._timestamp()
        elif kind == "blob":
            conv = self._blob()
        elif kind == "string":
            conv = _string
        elif kind in ("integer", "long"):
            conv = int
        elif kind in ("float", "double"):
            conv = float
        elif kind == "boolean":
            conv = bool
        else:
            conv = _identity
        self._cache[shape.name] = conv
        return conv

    def _structure(self, shape: Shape) -> Converter:
        # Each member: its converter, and the Python type it would return unchanged (None: always convert).
        members = {
            name: (self._build(member), _PASSTHROUGH.get(member.type_name)) for name, member in shape.members.items()
        }
        strict = self.strict
        shape_name = shape.name

        def build(value: dict[str, Any]) -> dict[str, Any]:
            out = {}
            for key, item in value.items():
                if item is None:
                    continue
                member = members.get(key)
                if member is None:
                    if strict:
                        raise OutputShapeError(f"{shape_name} has no member {key!r}")
                    continue
                conv, plain = member
                out[key] = item if type(item) is plain else conv(item)
            return out

        def convert(value: Any) -> dict[str, Any]:
            kind = type(value)
            if kind is dict:
                return build(value)
            if kind is SharedStructure:
                wire = value._wire
                if wire is None:
                    out = build(value)
                    value._wire = {convert: out}
                    return out
                out = wire.get(convert)
                if out is None:
                    out = wire[convert] = build(value)
                return out
            if not isinstance(value, dict):
                raise OutputShapeError(f"{shape_name}: expected a structure, got {kind.__name__}")
            return build(value)

        # For SharedStructure.replaced: the members whose values this converter copies unchanged, by type.
        convert.passthrough = {  # type: ignore[attr-defined]
            name: plain for name, (_conv, plain) in members.items() if plain is not None
        }
        return convert

    def _list(self, shape: Shape) -> Converter:
        item_conv = self._build(shape.member)
        plain = _PASSTHROUGH.get(shape.member.type_name)

        def convert_list(value: Any) -> list[Any]:
            if not value:
                return []
            if plain is None:
                return [item_conv(v) for v in value]
            return [v if type(v) is plain else item_conv(v) for v in value]

        return convert_list

    def _map(self, shape: Shape) -> Converter:
        value_conv = self._build(shape.value)
        return lambda value: {_string(k): value_conv(v) for k, v in value.items()}

    def _timestamp(self) -> Converter:
        if self.protocol == "json":
            return _epoch
        return lambda value: cbor2.CBORTag(1, _epoch(value))

    def _blob(self) -> Converter:
        if self.protocol == "json":
            return lambda value: base64.b64encode(bytes(value)).decode("ascii")
        return bytes
