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


class OutputShapeError(Exception):
    """A handler returned something its output shape does not allow (a bug, not a client error)."""


def _epoch(value: Any) -> float | int:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        value = value.timestamp()
    # Millisecond precision, as the real service reports times.
    value = round(float(value), 3)
    return int(value) if value.is_integer() else value


def _string(value: Any) -> str:
    if type(value) is str:
        return value
    if isinstance(value, enum.Enum):
        return str(value.value)
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
        members = {name: self._build(member) for name, member in shape.members.items()}
        strict = self.strict
        shape_name = shape.name

        def convert(value: Any) -> dict[str, Any]:
            if not isinstance(value, dict):
                raise OutputShapeError(f"{shape_name}: expected a structure, got {type(value).__name__}")
            out = {}
            for key, item in value.items():
                if item is None:
                    continue
                conv = members.get(key)
                if conv is None:
                    if strict:
                        raise OutputShapeError(f"{shape_name} has no member {key!r}")
                    continue
                out[key] = conv(item)
            return out

        return convert

    def _list(self, shape: Shape) -> Converter:
        item_conv = self._build(shape.member)
        return lambda value: [item_conv(v) for v in value]

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
