"""Request validation for the emulator, driven by botocore's GameLift service model.

``compile_validator(input_shape)`` walks an operation's input shape once and
builds a tree of nested closures; calling the result on a decoded request body
(a dict from JSON or CBOR) returns a *normalised copy* of it or raises
``InputValidationError`` listing every violation, the way AWS front ends (Coral)
answer::

    1 validation error detected: Value 'abc' at 'fleetId' failed to satisfy
    constraint: Member must satisfy regular expression pattern: ^[a-z]*fleet-...

Validators are cached per shape (name and model), so each operation compiles
once and a typical request validates in some microseconds.

Rules (decisions marked *):

* Required members must be present; ``None``/null counts as absent
  (``Value null at 'name' failed to satisfy constraint: Member must not be null``).
  Unknown members are ignored and dropped from the copy, as AWS ignores them.
* Types. A type mismatch reads ``Member must be of type <t>`` with ``<t>`` the
  model's type name (string, boolean, integer, long, float, double, timestamp,
  blob, list, map, structure).

  - integer/long: a Python ``int`` (never ``bool``). *A float with an integral
    value (``5.0``) is accepted and normalised to ``5``: some JSON and CBOR
    encoders write whole numbers as floats. ``5.5`` is a type error. Values
    outside the 32-bit (integer) or 64-bit (long) range fail like a ``max``/``min``.
  - float/double: ``int`` or ``float`` (never ``bool``), normalised to ``float``;
    *NaN and infinities fail with ``Member must be a finite number``.
  - timestamp: epoch seconds (int/float), a ``datetime`` (naive means UTC; cbor2
    decodes CBOR tag 1 to one) or an ISO-8601 string; normalised to ``float``
    epoch seconds. A string that does not parse fails with
    ``Member must be a valid ISO-8601 timestamp``.
  - blob: ``bytes``/``bytearray``/``memoryview`` (CBOR) or a base64 string
    (awsJson); normalised to ``bytes``. Bad base64 fails with
    ``Member must be a valid base64-encoded blob``.
  - list: ``list`` or ``tuple``, normalised to ``list``; map: a ``dict`` with
    ``str`` keys; structure: a ``dict``. Null list items and map values fail with
    ``Member must not be null`` (GameLift has no sparse collections).
  - document shapes pass through unchanged.
* Constraints: ``min``/``max`` on the length of strings (in code points) and
  blobs (bytes) and on the size of lists and maps (``Member must have length
  greater than or equal to 1``), on the value of numbers (``Member must have
  value less than or equal to 10``); ``enum`` (``Member must satisfy enum value
  set: [A, B]``); ``pattern`` (``Member must satisfy regular expression
  pattern: <the model's pattern>``). A value that breaks several constraints
  gets one error for each, as Coral reports them.
* Patterns are Java regexes applied with find semantics (``re.search``); the
  model writes its own anchors. They are compiled with ``re.ASCII`` because
  Java's ``\\s``, ``\\d``, ``\\w`` and ``(?i)`` are ASCII-only. ``_translate_pattern``
  rewrites what Python's ``re`` does not know: UTF-16 surrogate pairs
  (``\\uD800\\uDC00-\\uDBFF\\uDFFF`` is U+10000..U+10FFFF), ``\\x{...}``, ``\\Q...\\E``,
  ``\\z``/``\\Z``, ``\\h``, ASCII ``\\p{...}`` classes and ``(?<name>...)``. A pattern
  that still cannot be compiled (or that Python would read differently, such as
  a class intersection ``&&``) is not enforced and is recorded in
  ``UNSUPPORTED_PATTERNS``. Java's ``.`` and ``$`` also treat ``\\r`` and
  U+0085/U+2028/U+2029 as line ends; Python's only ``\\n`` (not translated).
* Union (tagged union) structures must have exactly one member set
  (``Member must have exactly one member set``).
* Paths are lowerCamel member names joined by ``.`` (the first letter lowered,
  as Coral does: ``EC2InboundPermissions`` is ``eC2InboundPermissions``); list
  items are ``<list>.<N>.member`` (1-based), map entries ``<map>.<N>.key`` and
  ``<map>.<N>.value`` (N is the 1-based position of the entry in the body), e.g.
  ``gameProperties.1.member.key`` or ``playerDataMap.2.value``.
* Values are shown Java-style (``'abc'``, ``'5'``, ``'true'``, ``null``), cut to
  100 characters. The value of a ``sensitive`` shape is never shown
  (``Value at 'playerDataMap.1.value' failed to satisfy constraint: ...``).
* A body that is not an object (a list, a string, a number) raises
  ``BodyNotAnObjectError`` (the caller answers SerializationException). *A
  ``None`` body (JSON ``null``) is read as an empty object, like an empty body.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import botocore.model

__all__ = [
    "UNSUPPORTED_PATTERNS",
    "BodyNotAnObjectError",
    "InputValidationError",
    "compile_validator",
]

#: Value excerpts in messages are cut to this many characters.
MAX_VALUE_CHARS = 100

#: (shape name, Java pattern, reason) for each model pattern that is not enforced.
UNSUPPORTED_PATTERNS: list[tuple[str, str, str]] = []

_INT_RANGES = {
    "integer": (-(2**31), 2**31 - 1),
    "long": (-(2**63), 2**63 - 1),
}

# Structures with more members than this remember, per set of keys a body names, which members to visit.
_PLAN_MIN_MEMBERS = 4
# Key sets remembered per structure (bodies with other key sets walk every member).
_MAX_PLANS = 64

# A nested validator: (value, path, errors) -> normalised value. It appends to
# ``errors`` instead of raising, so one pass collects every violation.
_Check = Callable[[Any, str, list[str]], Any]


class InputValidationError(ValueError):
    """str(e) is the AWS-style message; .errors is the list of individual messages."""

    errors: list[str]

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        count = len(self.errors)
        noun = "error" if count == 1 else "errors"
        super().__init__(f"{count} validation {noun} detected: " + "; ".join(self.errors))


class BodyNotAnObjectError(InputValidationError):
    """The request body is not a JSON object / CBOR map (the caller answers SerializationException)."""

    def __init__(self, body: Any) -> None:
        message = f"The request body must be a JSON object (CBOR map), not {_kind(body)}: {_excerpt(body)}"
        self.errors = [message]
        ValueError.__init__(self, message)


# --------------------------------------------------------------------------- messages


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "an array"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "a byte string"
    return f"a {type(value).__name__}"


def _excerpt(value: Any) -> str:
    """A value as Coral prints it: null, or quoted Java-ish text cut to MAX_VALUE_CHARS."""
    if value is None:
        return "null"
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (int, float)):
        text = repr(value) if isinstance(value, float) else str(value)
    elif isinstance(value, (bytes, bytearray, memoryview)):
        text = base64.b64encode(bytes(value[:MAX_VALUE_CHARS])).decode()
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=str)
        except (TypeError, ValueError, RecursionError):
            try:
                text = repr(value)
            except Exception:  # a pathological object (e.g. nested too deep to print)
                text = f"<{type(value).__name__}>"
    if len(text) > MAX_VALUE_CHARS:
        text = text[:MAX_VALUE_CHARS] + "..."
    return f"'{text}'"


def _fail(errors: list[str], value: Any, path: str, constraint: str, sensitive: bool) -> None:
    shown = "" if sensitive and value is not None else " " + _excerpt(value)
    errors.append(f"Value{shown} at '{path}' failed to satisfy constraint: {constraint}")


def _null(errors: list[str], path: str) -> None:
    errors.append(f"Value null at '{path}' failed to satisfy constraint: Member must not be null")


def _lower_camel(name: str) -> str:
    return name[:1].lower() + name[1:]


# --------------------------------------------------------------------------- patterns

_POSIX_CLASSES = {
    "Lower": "a-z",
    "Upper": "A-Z",
    "ASCII": "\\x00-\\x7F",
    "Alpha": "a-zA-Z",
    "Digit": "0-9",
    "Alnum": "a-zA-Z0-9",
    "Punct": "!-/:-@\\[-`{-~",
    "Graph": "!-~",
    "Print": " -~",
    "Blank": " \\t",
    "Cntrl": "\\x00-\\x1F\\x7F",
    "XDigit": "0-9a-fA-F",
    "Space": " \\t\\n\\x0B\\f\\r",
}
_HORIZONTAL_SPACE = " \\t\\xA0\\u1680\\u180E\\u2000-\\u200A\\u202F\\u205F\\u3000"
_UNSUPPORTED_ESCAPES = frozenset("GRXkKNV")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


class _UnsupportedPattern(Exception):
    pass


def _hex4(pattern: str, i: int) -> int | None:
    """The code point of a ``\\uXXXX`` escape starting at pattern[i], else None."""
    digits = pattern[i + 2 : i + 6]
    if pattern.startswith("\\u", i) and len(digits) == 4 and all(c in _HEX_DIGITS for c in digits):
        return int(digits, 16)
    return None


def _translate_pattern(pattern: str) -> str:
    """Rewrite a Java regex into one Python's ``re`` reads the same way (or raise _UnsupportedPattern)."""
    out: list[str] = []
    i = 0
    n = len(pattern)
    in_class = False
    class_start = False  # just after '[' or '[^', where ']' is a literal in Java too
    while i < n:
        c = pattern[i]
        if c == "\\":
            if i + 1 >= n:
                raise _UnsupportedPattern("trailing backslash")
            e = pattern[i + 1]
            class_start = False
            if e == "u":
                high = _hex4(pattern, i)
                if high is None:
                    raise _UnsupportedPattern("malformed \\u escape")
                low = _hex4(pattern, i + 6) if 0xD800 <= high <= 0xDBFF else None
                if low is not None and 0xDC00 <= low <= 0xDFFF:
                    code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                    out.append(f"\\U{code:08X}")
                    i += 12
                else:
                    out.append(pattern[i : i + 6])
                    i += 6
                continue
            if e == "x" and pattern.startswith("{", i + 2):
                end = pattern.find("}", i + 3)
                if end < 0:
                    raise _UnsupportedPattern("malformed \\x{...} escape")
                try:
                    code = int(pattern[i + 3 : end], 16)
                except ValueError:
                    raise _UnsupportedPattern("malformed \\x{...} escape") from None
                out.append(f"\\U{code:08X}")
                i = end + 1
                continue
            if e == "Q":
                end = pattern.find("\\E", i + 2)
                literal = pattern[i + 2 :] if end < 0 else pattern[i + 2 : end]
                out.append(re.escape(literal))
                i = n if end < 0 else end + 2
                continue
            if e in "pP":
                if not pattern.startswith("{", i + 2):
                    raise _UnsupportedPattern(f"\\{e} without braces")
                end = pattern.find("}", i + 3)
                name = pattern[i + 3 : end] if end > 0 else ""
                name = name.removeprefix("Is")
                ranges = _POSIX_CLASSES.get(name)
                if ranges is None:
                    raise _UnsupportedPattern(f"character class \\{e}{{{name}}}")
                if in_class:
                    if e == "P":
                        raise _UnsupportedPattern("negated \\P{...} inside a character class")
                    out.append(ranges)
                else:
                    out.append(f"[{'^' if e == 'P' else ''}{ranges}]")
                i = end + 1
                continue
            if e == "z":
                out.append("\\Z")
            elif e == "Z":
                out.append("(?=\\n?\\Z)")
            elif e in "hH":
                if in_class:
                    if e == "H":
                        raise _UnsupportedPattern("\\H inside a character class")
                    out.append(_HORIZONTAL_SPACE)
                else:
                    out.append(f"[{'^' if e == 'H' else ''}{_HORIZONTAL_SPACE}]")
            elif e in _UNSUPPORTED_ESCAPES:
                raise _UnsupportedPattern(f"escape \\{e}")
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            if c == "]" and not class_start:
                in_class = False
            elif c == "[":
                raise _UnsupportedPattern("nested character class (union)")
            elif c == "&" and pattern.startswith("&&", i):
                raise _UnsupportedPattern("character class intersection")
            elif c == "^" and class_start and out[-1] == "[":
                out.append(c)
                i += 1
                continue
            class_start = False
            out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
            class_start = True
        elif c == "(" and pattern.startswith("(?<", i) and i + 3 < n and pattern[i + 3] not in "=!":
            out.append("(?P<")
            i += 3
            continue
        out.append(c)
        i += 1
    return "".join(out)


_REGEX_CACHE: dict[str, re.Pattern[str] | None] = {}


def _compile_pattern(shape_name: str, pattern: str) -> re.Pattern[str] | None:
    if pattern in _REGEX_CACHE:
        return _REGEX_CACHE[pattern]
    regex: re.Pattern[str] | None
    try:
        translated = _translate_pattern(pattern)
        with warnings.catch_warnings():
            # FutureWarning: Python would read a nested set or '--'/'&&'/'~~' differently one day.
            warnings.simplefilter("error")
            regex = re.compile(translated, re.ASCII)
    except (_UnsupportedPattern, re.error, FutureWarning, DeprecationWarning) as exc:
        regex = None
        UNSUPPORTED_PATTERNS.append((shape_name, pattern, str(exc)))
    _REGEX_CACHE[pattern] = regex
    return regex


# --------------------------------------------------------------------------- compilation

# Keyed by (shape resolver, shape name): one entry per shape of one service model.
_CACHE: dict[tuple[object, str], _Check] = {}
_VALIDATORS: dict[tuple[object, str], Callable[[Any], dict]] = {}


def compile_validator(shape: botocore.model.StructureShape) -> Callable[[Any], dict]:
    """A validator for request bodies of ``shape`` (an operation's input shape); see the module doc.

    Cached: compiling the same shape again returns the same function.
    """
    key = (getattr(shape, "_shape_resolver", None), shape.name)
    validate = _VALIDATORS.get(key)
    if validate is None:
        validate = _VALIDATORS[key] = _make_validator(_compile(shape))
    return validate


def _make_validator(check: _Check) -> Callable[[Any], dict]:
    def validate(body: Any) -> dict:
        if body is None:
            body = {}
        elif not isinstance(body, dict):
            raise BodyNotAnObjectError(body)
        errors: list[str] = []
        result = check(body, "", errors)
        if errors:
            raise InputValidationError(errors)
        return result

    return validate


def _compile(shape: botocore.model.Shape) -> _Check:
    key = (getattr(shape, "_shape_resolver", None), shape.name)
    check = _CACHE.get(key)
    if check is not None:
        return check
    if shape.type_name in ("structure", "list", "map"):
        # Recursive shapes: a forward reference that resolves once compiled.
        cell: list[_Check] = []

        def forward(value: Any, path: str, errors: list[str]) -> Any:
            return cell[0](value, path, errors)

        _CACHE[key] = forward
        try:
            check = _BUILDERS[shape.type_name](shape)
        except BaseException:
            del _CACHE[key]
            raise
        cell.append(check)
    else:
        builder = _BUILDERS.get(shape.type_name, _build_passthrough)
        check = builder(shape)
    _CACHE[key] = check
    return check


def _build_passthrough(shape: botocore.model.Shape) -> _Check:
    def check(value: Any, path: str, errors: list[str]) -> Any:
        return value

    return check


def _build_structure(shape: botocore.model.Shape) -> _Check:
    assert isinstance(shape, botocore.model.StructureShape)
    if shape.is_document_type:
        return _build_passthrough(shape)
    required = set(shape.required_members)
    members = tuple(
        (name, _lower_camel(name), _compile(member), name in required)
        for name, member in shape.members.items()
    )
    union = shape.is_tagged_union
    sensitive = bool(shape.metadata.get("sensitive"))
    # Requests name a few of a structure's many members, and clients send the same few over and
    # over: per set of keys, the members worth visiting (those present, and the required ones), in
    # model order, so output and error messages come out exactly as a walk over every member gives.
    plans: dict[tuple[str, ...], tuple[tuple[str, str, _Check, bool], ...]] = {}
    use_plans = len(members) > _PLAN_MIN_MEMBERS

    def check(value: Any, path: str, errors: list[str]) -> Any:
        if type(value) is not dict and not isinstance(value, dict):
            _fail(errors, value, path, "Member must be of type structure", sensitive)
            return value
        visit = members
        if use_plans:
            keys = tuple(value)
            plan = plans.get(keys)
            if plan is None:
                present = set(keys)
                plan = tuple(m for m in members if m[3] or m[0] in present)
                if len(plans) < _MAX_PLANS:
                    plans[keys] = plan
            visit = plan
        out = {}
        get = value.get
        prefix = path + "." if path else ""
        for name, label, member_check, is_required in visit:
            item = get(name)
            if item is None:
                if is_required:
                    _null(errors, prefix + label)
                continue
            out[name] = member_check(item, prefix + label, errors)
        if union and len(out) != 1:
            _fail(errors, value, path, "Member must have exactly one member set", sensitive)
        return out

    return check


def _build_list(shape: botocore.model.Shape) -> _Check:
    assert isinstance(shape, botocore.model.ListShape)
    item_check = _compile(shape.member)
    count = _length_check(shape)
    sensitive = bool(shape.metadata.get("sensitive"))

    def check(value: Any, path: str, errors: list[str]) -> Any:
        if type(value) is not list:
            if not isinstance(value, (list, tuple)):
                _fail(errors, value, path, "Member must be of type list", sensitive)
                return value
            value = list(value)
        if count is not None:
            count(value, len(value), path, errors)
        out = []
        append = out.append
        for index, item in enumerate(value, 1):
            if item is None:
                _null(errors, f"{path}.{index}.member")
                append(None)
            else:
                append(item_check(item, f"{path}.{index}.member", errors))
        return out

    return check


def _build_map(shape: botocore.model.Shape) -> _Check:
    assert isinstance(shape, botocore.model.MapShape)
    key_check = _compile(shape.key)
    value_check = _compile(shape.value)
    count = _length_check(shape)
    sensitive = bool(shape.metadata.get("sensitive"))

    def check(value: Any, path: str, errors: list[str]) -> Any:
        if type(value) is not dict and not isinstance(value, dict):
            _fail(errors, value, path, "Member must be of type map", sensitive)
            return value
        if count is not None:
            count(value, len(value), path, errors)
        out = {}
        for index, (key, item) in enumerate(value.items(), 1):
            entry = f"{path}.{index}"
            key = key_check(key, entry + ".key", errors)
            if item is None:
                _null(errors, entry + ".value")
            else:
                item = value_check(item, entry + ".value", errors)
            out[key] = item
        return out

    return check


def _length_check(shape: botocore.model.Shape) -> Callable[[Any, int, str, list[str]], None] | None:
    """Checks ``min``/``max`` on a length or size; None if the shape has neither."""
    low = shape.metadata.get("min")
    high = shape.metadata.get("max")
    sensitive = bool(shape.metadata.get("sensitive"))
    if low is None and high is None:
        return None
    low_msg = f"Member must have length greater than or equal to {low}"
    high_msg = f"Member must have length less than or equal to {high}"

    def check(value: Any, length: int, path: str, errors: list[str]) -> None:
        if low is not None and length < low:
            _fail(errors, value, path, low_msg, sensitive)
        if high is not None and length > high:
            _fail(errors, value, path, high_msg, sensitive)

    return check


def _build_string(shape: botocore.model.Shape) -> _Check:
    meta = shape.metadata
    sensitive = bool(meta.get("sensitive"))
    length = _length_check(shape)
    enum = meta.get("enum")
    enum_set = frozenset(enum) if enum else None
    enum_msg = f"Member must satisfy enum value set: [{', '.join(enum or ())}]"
    pattern = meta.get("pattern")
    regex = _compile_pattern(shape.name, pattern) if pattern else None
    search = regex.search if regex is not None else None
    pattern_msg = f"Member must satisfy regular expression pattern: {pattern}"
    # Bounds tested inline; ``length`` is only called to report a violation.
    low = meta.get("min") if length is not None else None
    high = meta.get("max") if length is not None else None
    low = 0 if low is None else low
    high = math.inf if high is None else high

    def check(value: Any, path: str, errors: list[str]) -> Any:
        if type(value) is not str:
            if not isinstance(value, str):
                _fail(errors, value, path, "Member must be of type string", sensitive)
                return value
            value = str(value)
        if length is not None and not low <= len(value) <= high:
            length(value, len(value), path, errors)
        if enum_set is not None and value not in enum_set:
            _fail(errors, value, path, enum_msg, sensitive)
        if search is not None and search(value) is None:
            _fail(errors, value, path, pattern_msg, sensitive)
        return value

    return check


def _range_check(
    shape: botocore.model.Shape, type_low: float | None, type_high: float | None
) -> Callable[[Any, str, list[str]], None] | None:
    meta = shape.metadata
    sensitive = bool(meta.get("sensitive"))
    low = meta.get("min")
    high = meta.get("max")
    if type_low is not None and (low is None or low < type_low):
        low = type_low
    if type_high is not None and (high is None or high > type_high):
        high = type_high
    if low is None and high is None:
        return None
    low_msg = f"Member must have value greater than or equal to {low}"
    high_msg = f"Member must have value less than or equal to {high}"

    def check(value: Any, path: str, errors: list[str]) -> None:
        if low is not None and value < low:
            _fail(errors, value, path, low_msg, sensitive)
        if high is not None and value > high:
            _fail(errors, value, path, high_msg, sensitive)

    return check


def _build_integer(shape: botocore.model.Shape) -> _Check:
    type_name = shape.type_name
    type_low, type_high = _INT_RANGES[type_name]
    in_range = _range_check(shape, type_low, type_high)
    sensitive = bool(shape.metadata.get("sensitive"))
    type_msg = f"Member must be of type {type_name}"
    # Bounds tested inline; ``in_range`` is only called to report a violation.
    meta = shape.metadata
    low = type_low if meta.get("min") is None else max(meta["min"], type_low)
    high = type_high if meta.get("max") is None else min(meta["max"], type_high)

    def check(value: Any, path: str, errors: list[str]) -> Any:
        kind = type(value)
        if kind is not int:
            if (kind is float and value.is_integer()) or (
                isinstance(value, int) and not isinstance(value, bool)
            ):
                value = int(value)
            else:
                _fail(errors, value, path, type_msg, sensitive)
                return value
        if in_range is not None and not low <= value <= high:
            in_range(value, path, errors)
        return value

    return check


def _build_float(shape: botocore.model.Shape) -> _Check:
    in_range = _range_check(shape, None, None)
    sensitive = bool(shape.metadata.get("sensitive"))
    type_msg = f"Member must be of type {shape.type_name}"

    def check(value: Any, path: str, errors: list[str]) -> Any:
        kind = type(value)
        if kind is not float:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                _fail(errors, value, path, type_msg, sensitive)
                return value
            try:
                value = float(value)
            except OverflowError:  # an int too large for a double
                _fail(errors, value, path, type_msg, sensitive)
                return value
        if not math.isfinite(value):
            _fail(errors, value, path, "Member must be a finite number", sensitive)
            return value
        if in_range is not None:
            in_range(value, path, errors)
        return value

    return check


def _build_boolean(shape: botocore.model.Shape) -> _Check:
    sensitive = bool(shape.metadata.get("sensitive"))

    def check(value: Any, path: str, errors: list[str]) -> Any:
        if type(value) is not bool:
            _fail(errors, value, path, "Member must be of type boolean", sensitive)
        return value

    return check


def _build_timestamp(shape: botocore.model.Shape) -> _Check:
    sensitive = bool(shape.metadata.get("sensitive"))
    type_msg = "Member must be of type timestamp"

    def check(value: Any, path: str, errors: list[str]) -> Any:
        kind = type(value)
        try:
            if kind is float or kind is int:
                seconds = float(value)
            elif isinstance(value, datetime):
                when = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
                seconds = when.timestamp()
            elif isinstance(value, str):
                try:
                    parsed = datetime.fromisoformat(value.strip())
                except ValueError:
                    _fail(errors, value, path, "Member must be a valid ISO-8601 timestamp", sensitive)
                    return value
                if parsed.tzinfo is None:
                    parsed = parsed.replace(tzinfo=UTC)
                seconds = parsed.timestamp()
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                seconds = float(value)
            else:
                _fail(errors, value, path, type_msg, sensitive)
                return value
        except (OverflowError, ValueError):
            _fail(errors, value, path, type_msg, sensitive)
            return value
        if not math.isfinite(seconds):
            _fail(errors, value, path, "Member must be a finite number", sensitive)
            return value
        return seconds

    return check


def _build_blob(shape: botocore.model.Shape) -> _Check:
    sensitive = bool(shape.metadata.get("sensitive"))
    length = _length_check(shape)

    def check(value: Any, path: str, errors: list[str]) -> Any:
        if type(value) is not bytes:
            if isinstance(value, (bytes, bytearray, memoryview)):
                value = bytes(value)
            elif isinstance(value, str):
                try:
                    value = base64.b64decode(value, validate=True)
                except (binascii.Error, ValueError):
                    _fail(errors, value, path, "Member must be a valid base64-encoded blob", sensitive)
                    return value
            else:
                _fail(errors, value, path, "Member must be of type blob", sensitive)
                return value
        if length is not None:
            length(value, len(value), path, errors)
        return value

    return check


_BUILDERS: dict[str, Callable[[botocore.model.Shape], _Check]] = {
    "structure": _build_structure,
    "list": _build_list,
    "map": _build_map,
    "string": _build_string,
    "integer": _build_integer,
    "long": _build_integer,
    "float": _build_float,
    "double": _build_float,
    "boolean": _build_boolean,
    "timestamp": _build_timestamp,
    "blob": _build_blob,
}
