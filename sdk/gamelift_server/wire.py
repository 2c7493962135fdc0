"""Reading JSON objects written by any of the official peers, tolerantly.

The same frame shape reaches the service from three SDKs that serialise differently: Go drops empty fields
(``omitempty``), C++ drops empty strings and non-positive numbers, C# (Newtonsoft without settings) writes explicit
``null`` and spells one key differently (``LatencyInMS``). These readers make "missing", ``null`` and the zero value
mean the same thing, and fall back to a case-insensitive key match, so every model parses every peer's spelling.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

JsonObject = Mapping[str, Any]


def lookup(obj: JsonObject, key: str) -> Any:
    """The value under ``key``, or under a key equal to it ignoring case; None when absent."""
    if key in obj:
        return obj[key]
    folded = key.casefold()
    for other, value in obj.items():
        if isinstance(other, str) and other.casefold() == folded:
            return value
    return None


def text(obj: JsonObject, key: str, default: str = "") -> str:
    value = lookup(obj, key)
    if value is None:
        return default
    return value if isinstance(value, str) else str(value)


def optional_text(obj: JsonObject, key: str) -> str | None:
    value = lookup(obj, key)
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else str(value)


def integer(obj: JsonObject, key: str, default: int = 0) -> int:
    value = as_int(lookup(obj, key))
    return default if value is None else value


def optional_integer(obj: JsonObject, key: str) -> int | None:
    return as_int(lookup(obj, key))


def as_int(value: Any) -> int | None:
    """An integer from a JSON number (or a numeric string); None for anything else, booleans included."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def as_float(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def mapping(obj: JsonObject, key: str) -> dict[str, Any]:
    value = lookup(obj, key)
    return dict(value) if isinstance(value, Mapping) else {}


def sequence(obj: JsonObject, key: str) -> list[Any]:
    value = lookup(obj, key)
    return list(value) if isinstance(value, list | tuple) else []


def drop_empty(obj: dict[str, Any]) -> dict[str, Any]:
    """The object without None members: what this SDK writes (Go's ``omitempty`` minus its zero-number quirk)."""
    return {key: value for key, value in obj.items() if value is not None}
