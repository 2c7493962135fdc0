"""The WebSocket wire (RFC 6455), both ends of it. Pure: bytes in, events and bytes out.

One module for both roles because the framing is one protocol read from two sides: the SDK is a client (it masks
what it sends and refuses masked frames, §5.1), the emulator's SDK endpoint is a server (the reverse). Where the roles
differ it is a parameter (``encode_frame``'s ``mask_key``, ``FrameReader``'s ``masked``); the rest (frame headers,
masking, close payloads, fragmentation and control-frame rules, the close codes a breach is failed with) is written
once. It lives in the SDK because the SDK must stand alone (it never imports the emulator); the emulator imports it
from here. Each role's opening handshake has its own section: the client's upgrade request and the checks on the 101
(§4.1), the server's checks on that request and the 101 it answers with (§4.2).

What either side may receive, and all of it a peer may throw at it: frames of any length form up to a message limit,
fragmented messages with control frames between the fragments (§5.4), ping/pong (§5.5.2-3) and the close handshake
(§5.5.1). No extension or subprotocol is ever negotiated (the official SDKs ask for none, API Gateway does not
compress), so a frame with an RSV bit set is an error, as are a frame masked the wrong way for its direction, an
unknown opcode, an oversized or fragmented control frame, a stray continuation, a message over the limit (1009) and
text that is not UTF-8 (1007).

The asyncio layers (the SDK's ``websocket``, the endpoint's ``lean_websocket``) own the sockets; everything here is
tested without one. Per message the hot path is one header decode, one unmask (server side) and one UTF-8 decode: a
frame that arrives whole in one read is parsed from that read's bytes without being copied into a buffer first.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import struct
from collections.abc import Mapping
from typing import Final

# §1.3: the key the server mixes into Sec-WebSocket-Accept.
ACCEPT_GUID: Final = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

CONTINUATION: Final = 0x0
TEXT: Final = 0x1
BINARY: Final = 0x2
CLOSE: Final = 0x8
PING: Final = 0x9
PONG: Final = 0xA
_DATA_OPCODES: Final = frozenset({CONTINUATION, TEXT, BINARY})
_CONTROL_OPCODES: Final = frozenset({CLOSE, PING, PONG})

# §7.4.1 close codes either end sends or reports.
CLOSE_NORMAL: Final = 1000
CLOSE_PROTOCOL_ERROR: Final = 1002
CLOSE_NO_STATUS: Final = 1005  # never on the wire: "the close frame carried no code"
CLOSE_ABNORMAL: Final = 1006  # never on the wire: "the connection dropped without a close frame"
CLOSE_INVALID_DATA: Final = 1007
CLOSE_TOO_BIG: Final = 1009
CLOSE_INTERNAL_ERROR: Final = 1011
# Codes a peer may put in a close frame (§7.4.1-2 plus the IANA registry's 1012-1014); 1004-1006 and 1015 are
# reserved for reporting and never sent.
_VALID_CLOSE_CODES: Final = frozenset({1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014})

MAX_CONTROL_PAYLOAD: Final = 125
_U16: Final = struct.Struct("!H")
_U64: Final = struct.Struct("!Q")
# Frame heads by length form; packing even the 2-byte one is about twice as fast as bytes((a, b)).
_HEAD: Final = struct.Struct("!BB")
_HEAD16: Final = struct.Struct("!BBH")
_HEAD64: Final = struct.Struct("!BBQ")
_NOT_UTF8: Final = "A text message that is not UTF-8"

Event = tuple[int, "str | bytes"]
"""``(TEXT, str)``, ``(BINARY, bytes)`` for whole messages; ``(PING | PONG | CLOSE, payload bytes)``."""


class ProtocolViolation(Exception):
    """The peer broke RFC 6455: the connection must be failed with ``close_code`` (§7.1.7)."""

    def __init__(self, close_code: int, reason: str) -> None:
        super().__init__(reason)
        self.close_code = close_code
        self.reason = reason


# == both ends: what the two sides of the opening handshake share ===================================================


def accept_key(key: str) -> str:
    """Sec-WebSocket-Accept for a client's key (§4.2.2 item 5.4): the server sends it, the client checks it."""
    return base64.b64encode(hashlib.sha1(key.encode("ascii") + ACCEPT_GUID).digest()).decode("ascii")


def _tokens(value: str) -> set[str]:
    """The lower-cased tokens of a comma-separated header (Upgrade, Connection), which both ends match on."""
    return {token.strip().lower() for token in value.split(",")}


# == both ends: frames ==============================================================================================


def mask(payload: bytes | bytearray, key: bytes | bytearray) -> bytes:
    """XOR with the 4-byte masking key (§5.3) as one big-integer operation; also unmasks (XOR is its own inverse).

    Big-endian integers and a key pattern built by multiplication measured no faster; a byte loop is far slower.
    """
    length = len(payload)
    if not length:
        return b""
    repeated = (key * (length // 4 + 1))[:length]
    return (int.from_bytes(payload, "little") ^ int.from_bytes(repeated, "little")).to_bytes(length, "little")


def encode_frame(opcode: int, payload: bytes, mask_key: bytes | None) -> bytes:
    """One final frame with the shortest length form: masked with ``mask_key`` (a client always masks, §5.1), or
    unmasked when it is None (a server never masks)."""
    length = len(payload)
    if mask_key is None:
        if length < 126:
            return _HEAD.pack(0x80 | opcode, length) + payload
        if length < 0x10000:
            return _HEAD16.pack(0x80 | opcode, 126, length) + payload
        return _HEAD64.pack(0x80 | opcode, 127, length) + payload
    if length < 126:
        head = _HEAD.pack(0x80 | opcode, 0x80 | length)
    elif length < 0x10000:
        head = _HEAD16.pack(0x80 | opcode, 0x80 | 126, length)
    else:
        head = _HEAD64.pack(0x80 | opcode, 0x80 | 127, length)
    return head + mask_key + mask(payload, mask_key)


def close_payload(code: int, reason: str = "") -> bytes:
    """A close frame's payload; the reason is cut to fit a control frame, on a character boundary.

    ``CLOSE_NO_STATUS`` gives an empty payload: it is what ``parse_close`` reports for a close without a code, so
    echoing the received code (§5.5.1) answers a close that carried none with one that carries none, and 1005
    itself never goes on the wire.
    """
    if code == CLOSE_NO_STATUS:
        return b""
    raw = reason.encode("utf-8")[: MAX_CONTROL_PAYLOAD - 2].decode("utf-8", "ignore").encode("utf-8")
    return _U16.pack(code) + raw


def parse_close(payload: bytes) -> tuple[int, str]:
    """(code, reason) of a received close frame; ``CLOSE_NO_STATUS`` when it carried no code (§7.1.5)."""
    if not payload:
        return CLOSE_NO_STATUS, ""
    if len(payload) == 1:
        raise ProtocolViolation(CLOSE_PROTOCOL_ERROR, "A close frame cannot carry a 1-byte payload")
    (code,) = _U16.unpack_from(payload)
    if code not in _VALID_CLOSE_CODES and not 3000 <= code <= 4999:
        raise ProtocolViolation(CLOSE_PROTOCOL_ERROR, f"Close code {code} is not one a peer may send")
    try:
        return code, payload[2:].decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolViolation(CLOSE_INVALID_DATA, "The close reason is not UTF-8") from None


class FrameReader:
    """Turns the bytes a peer sends into whole messages and control frames.

    ``masked`` is the role: True on a server, which reads a client's frames and requires them masked; False on a
    client, which requires a server's frames unmasked (§5.1; either breach is a 1002). ``feed`` returns the events
    completed by the new bytes and keeps any partial frame for the next call; it raises ProtocolViolation at the
    first broken rule (the connection is then failed, so the reader is not used again). After a close frame nothing
    more is parsed: §5.5.1 forbids data after it.
    """

    def __init__(self, max_message_bytes: int, *, masked: bool) -> None:
        self.max_message_bytes = max_message_bytes
        self.masked = masked
        self.closed = False
        self._mask_bit = 0x80 if masked else 0
        self._mask_length = 4 if masked else 0
        self._mask_error = "Client frames must be masked" if masked else "Server frames must not be masked"
        self._buffer = bytearray()
        self._fragments: list[bytes] = []
        self._fragment_opcode: int | None = None
        self._fragment_size = 0

    def feed(self, data: bytes) -> list[Event]:
        if self.closed:
            return []
        if not self._buffer and self._fragment_opcode is None and len(data) > 2 and data[0] == 0x81:
            # The usual read: exactly one whole, final text frame (a request to the endpoint; a reply or a push to
            # the SDK), decoded here without the general path's calls. A wrong mask bit leaves ``length`` at 128 and
            # up, so such a frame falls through and is refused below; 127 (a 64-bit length) is rare enough for it.
            length = data[1] ^ self._mask_bit
            header = 2 if length < 126 else 4 if length == 126 else 0
            if header:
                if header == 4:
                    length = int.from_bytes(data[2:4], "big")
                header += self._mask_length
                if len(data) == header + length and length <= self.max_message_bytes:
                    payload = mask(data[header:], data[header - 4 : header]) if self.masked else data[header:]
                    try:
                        return [(TEXT, payload.decode("utf-8"))]
                    except UnicodeDecodeError:
                        raise ProtocolViolation(CLOSE_INVALID_DATA, _NOT_UTF8) from None
        if self._buffer:
            self._buffer += data
            view: bytes | bytearray = self._buffer
        else:
            view = data
        events: list[Event] = []
        offset = self._parse(view, events)
        if view is self._buffer:
            del self._buffer[:offset]
        elif offset < len(view):
            self._buffer += view[offset:]
        return events

    def _parse(self, data: bytes | bytearray, events: list[Event]) -> int:
        """Parse whole frames from ``data``; the offset of the first byte not consumed."""
        offset = 0
        end = len(data)
        mask_bit = self._mask_bit
        mask_length = self._mask_length
        while not self.closed and end - offset >= 2:
            first, second = data[offset], data[offset + 1]
            if first & 0x70:
                raise ProtocolViolation(CLOSE_PROTOCOL_ERROR, "Reserved bits set: no extension was negotiated")
            if second & 0x80 != mask_bit:
                raise ProtocolViolation(CLOSE_PROTOCOL_ERROR, self._mask_error)
            opcode = first & 0x0F
            final = bool(first & 0x80)
            length = second & 0x7F
            header = 2
            if length == 126:
                if end - offset < 4:
                    break
                (length,) = _U16.unpack_from(data, offset + 2)
                header = 4
            elif length == 127:
                if end - offset < 10:
                    break
                (length,) = _U64.unpack_from(data, offset + 2)
                if length >> 63:
                    raise ProtocolViolation(CLOSE_PROTOCOL_ERROR, "Frame length has its most significant bit set")
                header = 10
            self._check_header(opcode, final, length)
            start = offset + header + mask_length
            if end - start < length:
                break
            if mask_length:
                payload = mask(data[start : start + length], data[start - 4 : start])
            else:
                payload = bytes(data[start : start + length])
            offset = start + length
            self._frame(opcode, final, payload, events)
        return offset

    def _check_header(self, opcode: int, final: bool, length: int) -> None:
        """Refuse a frame on its header alone, before waiting for (or buffering) its payload."""
        if opcode in _CONTROL_OPCODES:
            if not final:
                raise ProtocolViolation(CLOSE_PROTOCOL_ERROR, "Control frames cannot be fragmented")
            if length > MAX_CONTROL_PAYLOAD:
                raise ProtocolViolation(CLOSE_PROTOCOL_ERROR, "Control frames carry at most 125 bytes")
            return
        if opcode not in _DATA_OPCODES:
            raise ProtocolViolation(CLOSE_PROTOCOL_ERROR, f"Unknown opcode {opcode:#x}")
        if opcode == CONTINUATION:
            if self._fragment_opcode is None:
                raise ProtocolViolation(CLOSE_PROTOCOL_ERROR, "Continuation frame without a message to continue")
        elif self._fragment_opcode is not None:
            raise ProtocolViolation(CLOSE_PROTOCOL_ERROR, "New message before the fragmented one was finished")
        if self._fragment_size + length > self.max_message_bytes:
            raise ProtocolViolation(CLOSE_TOO_BIG, f"Message larger than {self.max_message_bytes} bytes")

    def _frame(self, opcode: int, final: bool, payload: bytes, events: list[Event]) -> None:
        if opcode >= CLOSE:
            if opcode == CLOSE:
                parse_close(payload)  # validates; the connection layer reads it again from the event
                self.closed = True
            events.append((opcode, payload))
            return
        if opcode != CONTINUATION:
            if final:
                events.append(self._message(opcode, payload))
                return
            self._fragment_opcode = opcode
        self._fragments.append(payload)
        self._fragment_size += len(payload)
        if final:
            whole = b"".join(self._fragments)
            kind = self._fragment_opcode
            assert kind is not None
            self._fragments, self._fragment_opcode, self._fragment_size = [], None, 0
            events.append(self._message(kind, whole))

    @staticmethod
    def _message(opcode: int, payload: bytes) -> Event:
        if opcode == BINARY:
            return BINARY, payload
        try:
            return TEXT, payload.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolViolation(CLOSE_INVALID_DATA, _NOT_UTF8) from None


# == client end: the SDK's opening handshake (§4.1) and its masking keys ============================================

# How long a 101's head may grow before the client gives up on it.
MAX_RESPONSE_HEAD: Final = 16 * 1024


class HandshakeFailed(Exception):
    """The server did not switch protocols: ``status`` is its HTTP status (None when the answer was no HTTP) and
    ``body`` the start of what it said instead."""

    def __init__(self, message: str, status: int | None = None, body: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.body = body


def new_key() -> str:
    """Sec-WebSocket-Key: 16 random bytes, base64 (§4.1 item 7)."""
    return base64.b64encode(os.urandom(16)).decode("ascii")


def opening_request(resource: str, host: str, key: str, user_agent: str) -> bytes:
    """The upgrade request for ``resource`` (path and query, already encoded) on ``host`` (the Host header)."""
    return (
        f"GET {resource} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nUser-Agent: {user_agent}\r\n\r\n"
    ).encode("ascii")


def parse_response_head(raw: bytes) -> tuple[int, dict[str, str]]:
    """Status and headers (lower-case names, repeats joined by ", ") of an HTTP/1.1 response head."""
    try:
        lines = raw.decode("latin-1").split("\r\n")
        version, status_text = lines[0].split(" ", 2)[:2]
        status = int(status_text)
    except ValueError:
        raise HandshakeFailed("the server's answer is not an HTTP response") from None
    if not version.startswith("HTTP/1."):
        raise HandshakeFailed(f"the server answered with {version}, not HTTP/1.1")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            raise HandshakeFailed("the server's response head has a malformed header line", status)
        name = name.strip().lower()
        value = value.strip()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return status, headers


def check_switch(status: int, headers: Mapping[str, str], key: str) -> None:
    """§4.1 items 1-4 of the client's checks on a 101; HandshakeFailed if any fails (other statuses: the caller's)."""
    if status != 101:
        raise HandshakeFailed(f"the server answered HTTP {status}", status)
    if "websocket" not in _tokens(headers.get("upgrade", "")):
        raise HandshakeFailed("the 101 does not upgrade to websocket", status)
    if "upgrade" not in _tokens(headers.get("connection", "")):
        raise HandshakeFailed("the 101 has no 'Connection: Upgrade'", status)
    if headers.get("sec-websocket-accept") != accept_key(key):
        raise HandshakeFailed("the 101's Sec-WebSocket-Accept does not match our key", status)
    if headers.get("sec-websocket-extensions") or headers.get("sec-websocket-protocol"):
        raise HandshakeFailed("the server chose an extension or subprotocol we did not ask for", status)


class MaskKeys:
    """Masking keys from the OS's random source (§5.3 wants them unpredictable), drawn 4 KiB at a time.

    One ``os.urandom`` per 1024 frames instead of one per frame keeps a system call off each send.
    """

    def __init__(self) -> None:
        self._pool = b""
        self._offset = 0

    def next(self) -> bytes:
        if self._offset >= len(self._pool):
            self._pool = os.urandom(4096)
            self._offset = 0
        key = self._pool[self._offset : self._offset + 4]
        self._offset += 4
        return key


# == server end: the endpoint's side of the opening handshake (§4.2) ================================================


class UpgradeRefused(Exception):
    """An upgrade request that is not a valid WebSocket opening handshake (answered with ``status``)."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


def is_upgrade(headers: Mapping[str, str]) -> bool:
    """Whether a request asks for a WebSocket at all (lower-case header names, as the HTTP front gives them)."""
    return "websocket" in _tokens(headers.get("upgrade", ""))


def handshake_key(method: str, headers: Mapping[str, str]) -> str:
    """The client's Sec-WebSocket-Key once the request is a valid opening handshake (§4.2.1), else UpgradeRefused."""
    if method != "GET":
        raise UpgradeRefused(400, f"A WebSocket handshake must be a GET, not {method}")
    if not is_upgrade(headers) or "upgrade" not in _tokens(headers.get("connection", "")):
        raise UpgradeRefused(400, "The handshake needs 'Upgrade: websocket' and 'Connection: Upgrade'")
    version = headers.get("sec-websocket-version", "").strip()
    if version != "13":
        raise UpgradeRefused(400, f"Unsupported Sec-WebSocket-Version {version!r}; this server speaks 13",
                             {"Sec-WebSocket-Version": "13"})
    key = headers.get("sec-websocket-key", "").strip()
    try:
        valid = len(base64.b64decode(key, validate=True)) == 16
    except (binascii.Error, ValueError):
        valid = False
    if not valid:
        raise UpgradeRefused(400, "Sec-WebSocket-Key must be 16 random bytes in base64")
    return key


def switching_protocols(key: str) -> bytes:
    """The 101 response that completes the handshake (no extension, no subprotocol)."""
    return (
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Accept: {accept_key(key)}\r\n\r\n"
    ).encode("ascii")
