"""HTTP/1.1 framing for the API's fast path: request heads in, responses out. Pure, no sockets.

Every GameLift call boto3 or the AWS CLI makes is the same simple exchange: ``POST`` with a
``Content-Length`` body on a keep-alive connection. ``parse_request`` accepts exactly that
shape and nothing looser; anything else (chunked bodies, ``Expect``, upgrades, HTTP/1.0,
odd header syntax, other paths) is reported as ``NOT_FAST`` so the caller can hand the
connection to a complete HTTP server (aiohttp) from that request's first byte on. Being
strict here costs nothing: the full server behind it answers whatever this module declines,
including the malformed requests that deserve a 400.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from email.utils import formatdate
from typing import Final

# Longest request head accepted on the fast path (aiohttp's own limit is 8190 bytes per line).
MAX_HEAD_BYTES: Final = 16 * 1024
CRLF: Final = b"\r\n"
HEAD_END: Final = b"\r\n\r\n"

# The two GameLift wire protocols' request targets (see protocol/codecs.py).
JSON_TARGET: Final = "/"
CBOR_TARGET_PREFIX: Final = "/service/GameLift/operation/"

# Request headers whose presence means "not the simple exchange".
_DECLINED_HEADERS: Final = frozenset({"transfer-encoding", "expect", "upgrade"})
_TOKEN_CHARS: Final = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz")

REASONS: Final = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    413: "Payload Too Large",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


@dataclass(slots=True)
class RequestHead:
    """A parsed request line and header block.

    ``headers`` has lower-case names; a repeated header's values are joined by ", "
    (RFC 9110 §5.3), which is how every header GameLift reads may be combined.
    """

    method: str
    target: str
    version: str
    headers: dict[str, str]

    @property
    def path(self) -> str:
        return self.target.partition("?")[0]

    @property
    def query_string(self) -> str:
        return self.target.partition("?")[2]


@dataclass(slots=True)
class FastRequest:
    """One complete API request taken off the wire by the fast path."""

    head: RequestHead
    body: bytes
    keep_alive: bool


class _NotFast:
    """Marker: hand this request (and the connection) to the full HTTP server."""

    __repr__ = lambda self: "NOT_FAST"  # noqa: E731


NOT_FAST: Final = _NotFast()


def parse_request(buffer: bytes | bytearray, max_body: int) -> tuple[FastRequest, int] | _NotFast | None:
    """Parse the request at the start of ``buffer``.

    Returns ``(request, bytes consumed)`` for a complete fast-path request, ``None`` when
    more bytes are needed, or ``NOT_FAST`` when the request is not one this path serves.
    """
    end = buffer.find(HEAD_END, 0, MAX_HEAD_BYTES + 4)
    if end < 0:
        return NOT_FAST if len(buffer) > MAX_HEAD_BYTES else None
    head = parse_head(bytes(buffer[:end]))
    if head is None or head.method != "POST" or not _is_api_target(head.target):
        return NOT_FAST
    headers = head.headers
    if not _DECLINED_HEADERS.isdisjoint(headers):
        return NOT_FAST
    length_text = headers.get("content-length", "0")
    if not length_text.isdigit() or not length_text.isascii() or len(length_text) > 9:
        return NOT_FAST  # also catches repeated Content-Length ("12, 12"), which aiohttp refuses
    length = int(length_text)
    if length > max_body:
        return NOT_FAST  # the full server answers 413
    start = end + 4
    if len(buffer) < start + length:
        return None
    body = bytes(buffer[start : start + length])
    keep_alive = headers.get("connection", "").lower() != "close"
    return FastRequest(head, body, keep_alive), start + length


def parse_head(raw: bytes) -> RequestHead | None:
    """Request line and headers (without the blank line); None unless plainly well formed HTTP/1.1."""
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return None
    lines = text.split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or parts[2] != "HTTP/1.1" or not parts[1].startswith("/"):
        return None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep or not name or name[-1] in " \t" or line[0] in " \t":
            return None  # no colon, whitespace before the colon, or an obsolete folded line
        name = name.lower()
        if not _TOKEN_CHARS.issuperset(name):
            return None
        value = value.strip(" \t")
        previous = headers.get(name)
        headers[name] = value if previous is None else f"{previous}, {value}"
    return RequestHead(parts[0], parts[1], "1.1", headers)


def _is_api_target(target: str) -> bool:
    if target == JSON_TARGET:
        return True
    # Only a plain operation name: anything percent-encoded or with more segments is the full server's to route.
    name = target[len(CBOR_TARGET_PREFIX) :]
    return target.startswith(CBOR_TARGET_PREFIX) and name.isascii() and name.isalnum()


class DateHeader:
    """The ``Date`` header value, formatted at most once a second."""

    __slots__ = ("_second", "_value")

    def __init__(self) -> None:
        self._second = -1
        self._value = ""

    def now(self) -> str:
        second = int(time.time())
        if second != self._second:
            self._second = second
            self._value = formatdate(second, usegmt=True)
        return self._value


def encode_response(status: int, headers: list[tuple[str, str]], body: bytes, *, date: str,
                    keep_alive: bool = True) -> bytes:
    """A complete HTTP/1.1 response with a Content-Length body."""
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Unknown')}\r\nDate: {date}\r\nContent-Length: {len(body)}\r\n"]
    for name, value in headers:
        lines.append(f"{name}: {value}\r\n")
    if not keep_alive:
        lines.append("Connection: close\r\n")
    lines.append("\r\n")
    return "".join(lines).encode("latin-1") + body
