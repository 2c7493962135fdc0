"""The WebSocket wire (``sdk.gamelift_server.rfc6455``) without a socket, in both roles it is used in: the SDK's
client end and the emulator endpoint's server end.

Frames fed to a reader are built here by hand (``wire``, with its own byte-by-byte masking), so the readers and
``encode_frame`` are each checked against the RFC's layout, not only against each other; the cross-checks then run
one role's writer into the other role's reader. Every rule whose breach fails a connection is checked in both roles,
with the close code the peer is told.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sdk.gamelift_server import rfc6455
from sdk.gamelift_server.rfc6455 import (
    BINARY,
    CLOSE,
    CONTINUATION,
    PING,
    PONG,
    TEXT,
    FrameReader,
    HandshakeFailed,
    ProtocolViolation,
    UpgradeRefused,
)

KEY = "dGhlIHNhbXBsZSBub25jZQ=="  # RFC 6455 §1.3's example
HEADERS = {"upgrade": "websocket", "connection": "Upgrade", "sec-websocket-version": "13", "sec-websocket-key": KEY}
LIMIT = 1 << 20

# A reader's role: True on the server (client frames are masked), False on the client (server frames are not).
ROLES = [pytest.param(True, id="server"), pytest.param(False, id="client")]


def wire(opcode: int, payload: bytes, *, masked: bool, final: bool = True, rsv: int = 0,
         key: bytes | None = None) -> bytes:
    """A frame laid out by hand as §5.2 draws it: the shortest length form, masked byte by byte when ``masked``
    (what a client sends; a reader in role ``masked`` expects exactly that), with a random key unless given."""
    first = (0x80 if final else 0) | rsv | opcode
    length = len(payload)
    mask_bit = 0x80 if masked else 0
    if length < 126:
        head = bytes((first, mask_bit | length))
    elif length < 65536:
        head = bytes((first, mask_bit | 126)) + struct.pack("!H", length)
    else:
        head = bytes((first, mask_bit | 127)) + struct.pack("!Q", length)
    if not masked:
        return head + payload
    key = key if key is not None else os.urandom(4)
    return head + key + bytes(byte ^ key[i % 4] for i, byte in enumerate(payload))


def writer_key(masked: bool) -> bytes | None:
    """The ``mask_key`` the peer of a reader with role ``masked`` writes with (a client masks, a server does not)."""
    return os.urandom(4) if masked else None


# -- client end: the opening handshake ------------------------------------------------------------------------------


def test_the_upgrade_request_has_what_rfc_6455_asks_for_and_the_server_end_accepts_it() -> None:
    key = rfc6455.new_key()
    request = rfc6455.opening_request("/sdk?pID=p&Authorization=t", "gamelift.example:8443", key, "ua/1")
    head, _, rest = request.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "GET /sdk?pID=p&Authorization=t HTTP/1.1" and rest == b""
    headers = dict(line.split(": ", 1) for line in lines[1:])
    assert headers == {"Host": "gamelift.example:8443", "Upgrade": "websocket", "Connection": "Upgrade",
                       "Sec-WebSocket-Key": key, "Sec-WebSocket-Version": "13", "User-Agent": "ua/1"}
    assert rfc6455.handshake_key("GET", {k.lower(): v for k, v in headers.items()}) == key


def test_the_server_ends_101_passes_the_client_ends_checks() -> None:
    key = rfc6455.new_key()
    status, headers = rfc6455.parse_response_head(rfc6455.switching_protocols(key)[:-4])
    rfc6455.check_switch(status, headers, key)


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"upgrade": "h2c"}, "upgrade to websocket"),
        ({"connection": "close"}, "Connection: Upgrade"),
        ({"sec-websocket-accept": "wrong"}, "Accept"),
        ({"sec-websocket-extensions": "permessage-deflate"}, "extension"),
    ],
)
def test_a_101_that_fails_a_check_is_refused(change: dict[str, str], fragment: str) -> None:
    key = rfc6455.new_key()
    headers = {"upgrade": "websocket", "connection": "Upgrade", "sec-websocket-accept": rfc6455.accept_key(key)}
    with pytest.raises(HandshakeFailed, match=fragment):
        rfc6455.check_switch(101, {**headers, **change}, key)


def test_response_heads_are_parsed_and_garbage_is_not_http() -> None:
    status, headers = rfc6455.parse_response_head(b"HTTP/1.1 403 Forbidden\r\nX-A: 1\r\nx-a: 2\r\nContent-Length: 9")
    assert status == 403 and headers == {"x-a": "1, 2", "content-length": "9"}
    with pytest.raises(HandshakeFailed) as failed:
        rfc6455.parse_response_head(b"SSH-2.0-OpenSSH_9.6")
    assert failed.value.status is None
    with pytest.raises(HandshakeFailed):
        rfc6455.check_switch(403, headers, "key")


def test_mask_keys_come_from_the_random_pool_four_bytes_at_a_time() -> None:
    keys = rfc6455.MaskKeys()
    drawn = [keys.next() for _ in range(2048)]
    assert all(len(k) == 4 for k in drawn)
    assert len(set(drawn)) > 2000  # 2048 random 32-bit keys: collisions are vanishingly rare


# -- server end: the opening handshake ------------------------------------------------------------------------------


def test_the_rfc_example_key_is_accepted_with_the_rfc_answer() -> None:
    assert rfc6455.handshake_key("GET", HEADERS) == KEY
    assert rfc6455.accept_key(KEY) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    response = rfc6455.switching_protocols(KEY)
    assert response.startswith(b"HTTP/1.1 101 Switching Protocols\r\n")
    assert b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n" in response and response.endswith(b"\r\n\r\n")


def test_header_tokens_are_matched_case_insensitively_within_lists() -> None:
    headers = {**HEADERS, "upgrade": "WebSocket", "connection": "keep-alive, Upgrade"}
    assert rfc6455.is_upgrade(headers) and rfc6455.handshake_key("GET", headers) == KEY
    assert not rfc6455.is_upgrade({"upgrade": "h2c"}) and not rfc6455.is_upgrade({})


@pytest.mark.parametrize(
    ("method", "change", "fragment"),
    [
        ("POST", {}, "GET"),
        ("GET", {"connection": "keep-alive"}, "Connection: Upgrade"),
        ("GET", {"sec-websocket-version": "8"}, "Sec-WebSocket-Version"),
        ("GET", {"sec-websocket-key": "not base64!"}, "Sec-WebSocket-Key"),
        ("GET", {"sec-websocket-key": "c2hvcnQ="}, "Sec-WebSocket-Key"),  # base64, but not 16 bytes
    ],
)
def test_a_malformed_opening_handshake_is_refused_with_400(method: str, change: dict[str, str], fragment: str) -> None:
    with pytest.raises(UpgradeRefused) as refused:
        rfc6455.handshake_key(method, {**HEADERS, **change})
    assert refused.value.status == 400 and fragment in refused.value.message
    if "sec-websocket-version" in change:
        assert refused.value.headers == {"Sec-WebSocket-Version": "13"}


# -- both ends: frames out ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("size", "header"), [(0, 2), (125, 2), (126, 4), (65535, 4), (65536, 10)])
@pytest.mark.parametrize("key", [None, b"\x01\x80\xfe\x7f"], ids=["server-unmasked", "client-masked"])
def test_frames_out_are_final_minimally_sized_and_laid_out_as_the_rfc_draws_them(
    size: int, header: int, key: bytes | None
) -> None:
    payload = os.urandom(size)
    frame = rfc6455.encode_frame(TEXT, payload, key)
    assert frame[0] == 0x81 and bool(frame[1] & 0x80) is (key is not None)
    assert len(frame) == header + (4 if key else 0) + size
    assert frame == wire(TEXT, payload, masked=key is not None, key=key)


@given(st.binary(max_size=300), st.binary(min_size=4, max_size=4))
def test_masking_is_the_bytewise_xor_and_its_own_inverse(payload: bytes, key: bytes) -> None:
    masked = rfc6455.mask(payload, key)
    assert masked == bytes(byte ^ key[i % 4] for i, byte in enumerate(payload))
    assert rfc6455.mask(masked, key) == payload


def test_close_payloads() -> None:
    assert rfc6455.close_payload(rfc6455.CLOSE_NO_STATUS) == b""  # a close without a code is echoed without one
    assert rfc6455.parse_close(rfc6455.close_payload(1001, "going")) == (1001, "going")
    assert rfc6455.parse_close(struct.pack("!H", 1000) + b"bye") == (1000, "bye")
    assert rfc6455.parse_close(b"") == (rfc6455.CLOSE_NO_STATUS, "")
    assert len(rfc6455.close_payload(1000, "x" * 300)) == 125


def test_a_close_reason_is_cut_to_a_control_frame_on_a_character_boundary() -> None:
    frame = rfc6455.encode_frame(CLOSE, rfc6455.close_payload(1000, "é" * 100), None)
    assert frame[0] == 0x88 and frame[1] <= 125
    code, reason = rfc6455.parse_close(frame[2:])
    assert code == 1000 and reason == "é" * 61


# -- both ends: frames in -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("masked", ROLES)
def test_a_message_in_one_read_is_one_text_event(masked: bool) -> None:
    reader = FrameReader(LIMIT, masked=masked)
    for message in ('{"Action":"X"}', "é" * 100, ""):
        assert reader.feed(wire(TEXT, message.encode(), masked=masked)) == [(TEXT, message)]


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65535, 65536, 300_000])
@pytest.mark.parametrize("masked", ROLES)
def test_every_length_form_is_read(masked: bool, size: int) -> None:
    message = "é" * (size // 2)
    binary = os.urandom(size)
    reader = FrameReader(LIMIT, masked=masked)
    assert reader.feed(wire(TEXT, message.encode(), masked=masked)) == [(TEXT, message)]
    assert reader.feed(wire(BINARY, binary, masked=masked)) == [(BINARY, binary)]


@given(st.binary(max_size=70_000), st.booleans())
def test_one_roles_frames_are_read_back_by_the_other(payload: bytes, client_writes: bool) -> None:
    """The cross-check: what the client end writes the server end reads, and the other way round."""
    frame = rfc6455.encode_frame(BINARY, payload, writer_key(client_writes))
    assert bool(frame[1] & 0x80) is client_writes
    assert FrameReader(LIMIT, masked=client_writes).feed(frame) == [(BINARY, payload)]


@pytest.mark.parametrize("masked", ROLES)
@given(messages=st.lists(st.text(max_size=300), min_size=1, max_size=5), data=st.data())
def test_frames_split_anywhere_and_glued_together_parse_the_same(
    masked: bool, messages: list[str], data: st.DataObject
) -> None:
    stream = b"".join(rfc6455.encode_frame(TEXT, m.encode(), writer_key(masked)) for m in messages)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=6)))
    reader = FrameReader(LIMIT, masked=masked)
    events = []
    for start, end in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        events += reader.feed(stream[start:end])
    assert events == [(TEXT, m) for m in messages]


@pytest.mark.parametrize("masked", ROLES)
def test_a_fragmented_message_is_reassembled_around_control_frames(masked: bool) -> None:
    stream = (wire(TEXT, b'{"Act', final=False, masked=masked) + wire(PING, b"p1", masked=masked)
              + wire(CONTINUATION, b'ion":', final=False, masked=masked) + wire(PONG, b"", masked=masked)
              + wire(CONTINUATION, b'"X"}', masked=masked))
    assert FrameReader(LIMIT, masked=masked).feed(stream) == [(PING, b"p1"), (PONG, b""), (TEXT, '{"Action":"X"}')]


@pytest.mark.parametrize("masked", ROLES)
def test_a_close_frame_ends_parsing(masked: bool) -> None:
    reader = FrameReader(LIMIT, masked=masked)
    close = wire(CLOSE, struct.pack("!H", 1000) + b"bye", masked=masked)
    assert reader.feed(close + wire(TEXT, b"after", masked=masked)) == [(CLOSE, struct.pack("!H", 1000) + b"bye")]
    assert reader.closed and reader.feed(wire(TEXT, b"later", masked=masked)) == []


# (frame builder taking the role, close code, a fragment of the reason)
BROKEN = [
    pytest.param(lambda m: wire(TEXT, b"x", masked=not m), 1002, "masked", id="masked-the-wrong-way"),
    pytest.param(lambda m: wire(TEXT, b"x", masked=m, rsv=0x40), 1002, "Reserved bits", id="rsv2"),
    pytest.param(lambda m: wire(TEXT, b"x", masked=m, rsv=0x20), 1002, "Reserved bits", id="rsv3"),
    pytest.param(lambda m: wire(0x3, b"x", masked=m), 1002, "opcode", id="data-opcode-0x3"),
    pytest.param(lambda m: wire(0xB, b"", masked=m), 1002, "opcode", id="control-opcode-0xb"),
    pytest.param(lambda m: wire(PING, b"x", masked=m, final=False), 1002, "fragmented", id="fragmented-ping"),
    pytest.param(lambda m: wire(PING, b"x" * 126, masked=m), 1002, "125", id="ping-over-125"),
    pytest.param(lambda m: wire(CONTINUATION, b"x", masked=m), 1002, "Continuation", id="stray-continuation"),
    pytest.param(lambda m: wire(TEXT, b"a", masked=m, final=False) + wire(TEXT, b"b", masked=m),
                 1002, "fragmented one", id="new-message-mid-fragments"),
    pytest.param(lambda m: wire(TEXT, b"\xff\xfe", masked=m), 1007, "UTF-8", id="text-not-utf8"),
    pytest.param(lambda m: wire(TEXT, b"\xc3\x28", masked=m), 1007, "UTF-8", id="text-bad-continuation-byte"),
    pytest.param(lambda m: wire(TEXT, b"a", masked=m, final=False) + wire(CONTINUATION, b"\xc3", masked=m),
                 1007, "UTF-8", id="fragmented-text-not-utf8"),
    pytest.param(lambda m: wire(CLOSE, b"\x03", masked=m), 1002, "1-byte", id="close-1-byte"),
    pytest.param(lambda m: wire(CLOSE, struct.pack("!H", 1005), masked=m), 1002, "1005", id="close-1005"),
    pytest.param(lambda m: wire(CLOSE, struct.pack("!H", 1006), masked=m), 1002, "1006", id="close-1006"),
    pytest.param(lambda m: wire(CLOSE, struct.pack("!H", 999), masked=m), 1002, "999", id="close-999"),
    pytest.param(lambda m: wire(CLOSE, struct.pack("!H", 1000) + b"\xff", masked=m), 1007, "UTF-8",
                 id="close-reason-not-utf8"),
]


@pytest.mark.parametrize(("build", "code", "fragment"), BROKEN)
@pytest.mark.parametrize("masked", ROLES)
def test_a_broken_frame_fails_the_connection_with_its_close_code(
    masked: bool, build: Callable[[bool], bytes], code: int, fragment: str
) -> None:
    with pytest.raises(ProtocolViolation) as failed:
        FrameReader(LIMIT, masked=masked).feed(build(masked))
    assert failed.value.close_code == code and fragment in failed.value.reason


@pytest.mark.parametrize("masked", ROLES)
def test_a_message_over_the_limit_is_1009_refused_on_its_header_before_its_payload_arrives(masked: bool) -> None:
    assert FrameReader(1000, masked=masked).feed(wire(TEXT, b"x" * 1000, masked=masked)) == [(TEXT, "x" * 1000)]
    with pytest.raises(ProtocolViolation) as failed:
        FrameReader(1000, masked=masked).feed(wire(TEXT, b"x" * 1001, masked=masked))
    assert failed.value.close_code == 1009
    with pytest.raises(ProtocolViolation) as failed:
        FrameReader(1000, masked=masked).feed(wire(TEXT, b"x" * 1001, masked=masked)[:8])
    assert failed.value.close_code == 1009
    fragments = FrameReader(1000, masked=masked)
    fragments.feed(wire(TEXT, b"x" * 600, final=False, masked=masked))
    with pytest.raises(ProtocolViolation) as failed:
        fragments.feed(wire(CONTINUATION, b"x" * 600, masked=masked)[:8])
    assert failed.value.close_code == 1009


@pytest.mark.parametrize("masked", ROLES)
def test_a_64_bit_length_with_the_top_bit_set_is_refused(masked: bool) -> None:
    frame = bytes((0x82, (0x80 if masked else 0) | 127)) + struct.pack("!Q", 1 << 63) + (b"mask" if masked else b"")
    with pytest.raises(ProtocolViolation) as failed:
        FrameReader(LIMIT, masked=masked).feed(frame)
    assert failed.value.close_code == 1002 and "most significant bit" in failed.value.reason
