"""The API fast path's HTTP/1.1 framing: what it serves itself, what it hands to aiohttp, what it waits for."""

from __future__ import annotations

import pytest

from infra.emulator.protocol.http1 import NOT_FAST, DateHeader, FastRequest, encode_response, parse_head, parse_request

MAX_BODY = 1024


def request(head: str, body: bytes = b"") -> bytes:
    return head.replace("\n", "\r\n").encode() + b"\r\n" + body


JSON_CALL = request(
    "POST / HTTP/1.1\nHost: 127.0.0.1:9080\nX-Amz-Target: GameLift.ListBuilds\n"
    "Content-Type: application/x-amz-json-1.1\nContent-Length: 2\n",
    b"{}",
)


def test_a_boto3_style_call_is_parsed_whole() -> None:
    parsed = parse_request(JSON_CALL, MAX_BODY)
    assert isinstance(parsed, tuple)
    req, used = parsed
    assert isinstance(req, FastRequest)
    assert used == len(JSON_CALL)
    assert req.body == b"{}"
    assert req.keep_alive
    assert req.head.method == "POST" and req.head.path == "/" and req.head.query_string == ""
    assert req.head.headers["x-amz-target"] == "GameLift.ListBuilds"
    assert req.head.headers["host"] == "127.0.0.1:9080"


def test_pipelined_calls_are_taken_one_at_a_time() -> None:
    parsed = parse_request(JSON_CALL + JSON_CALL[:10], MAX_BODY)
    assert isinstance(parsed, tuple) and parsed[1] == len(JSON_CALL)


@pytest.mark.parametrize("cut", [1, 20, len(JSON_CALL) - 3, len(JSON_CALL) - 1])
def test_a_partial_request_waits_for_more(cut: int) -> None:
    assert parse_request(JSON_CALL[:cut], MAX_BODY) is None


def test_cbor_target_and_connection_close() -> None:
    raw = request(
        "POST /service/GameLift/operation/ListFleets HTTP/1.1\nsmithy-protocol: rpc-v2-cbor\n"
        "Connection: close\nContent-Length: 1\n",
        b"\xa0",
    )
    parsed = parse_request(raw, MAX_BODY)
    assert isinstance(parsed, tuple)
    assert parsed[0].head.path == "/service/GameLift/operation/ListFleets"
    assert not parsed[0].keep_alive


def test_repeated_headers_are_joined() -> None:
    head = parse_head(b"POST / HTTP/1.1\r\nX-A: 1\r\nx-a: 2")
    assert head is not None and head.headers["x-a"] == "1, 2"


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(request("GET /_emulator/health HTTP/1.1\nHost: x\n"), id="control API"),
        pytest.param(request("GET /sdk?pID=1 HTTP/1.1\nUpgrade: websocket\nConnection: Upgrade\n"), id="upgrade"),
        pytest.param(request("POST / HTTP/1.1\nTransfer-Encoding: chunked\n", b"2\r\n{}\r\n0\r\n\r\n"), id="chunked"),
        pytest.param(request("POST / HTTP/1.1\nExpect: 100-continue\nContent-Length: 2\n"), id="expect"),
        pytest.param(request("POST / HTTP/1.0\nContent-Length: 2\n", b"{}"), id="HTTP/1.0"),
        pytest.param(request("POST /?x=1 HTTP/1.1\nContent-Length: 2\n", b"{}"), id="query on JSON target"),
        pytest.param(request("POST /other HTTP/1.1\nContent-Length: 2\n", b"{}"), id="other path"),
        pytest.param(request("POST /service/GameLift/operation/List%46leets HTTP/1.1\nContent-Length: 0\n"),
                     id="percent-encoded operation"),
        pytest.param(request("POST /service/GameLift/operation/ HTTP/1.1\nContent-Length: 0\n"), id="no operation"),
        pytest.param(request("POST / HTTP/1.1\nContent-Length: 2\nContent-Length: 2\n", b"{}"),
                     id="repeated length"),
        pytest.param(request("POST / HTTP/1.1\nContent-Length: -1\n"), id="negative length"),
        pytest.param(request("POST / HTTP/1.1\nContent-Length: 2048\n"), id="body over the limit"),
        pytest.param(request("POST / HTTP/1.1\nBad Header: 1\n"), id="space in name"),
        pytest.param(request("POST / HTTP/1.1\nX-A : 1\n"), id="space before colon"),
        pytest.param(request("POST / HTTP/1.1\nX-A: 1\n folded\n"), id="folded line"),
        pytest.param(request("POST / HTTP/1.1\nNoColon\n"), id="no colon"),
        pytest.param(request("POST  / HTTP/1.1\n"), id="double space in request line"),
        pytest.param("POST / HTTP/1.1\r\nX-Name: caf\u00e9\r\n\r\n".encode(), id="non-ASCII head"),
        pytest.param(b"POST / HTTP/1.1\r\nX: " + b"a" * 20000, id="endless head"),
    ],
)
def test_everything_else_goes_to_the_full_server(raw: bytes) -> None:
    assert parse_request(raw, MAX_BODY) is NOT_FAST


def test_responses_carry_length_date_and_close() -> None:
    data = encode_response(200, [("Content-Type", "application/cbor")], b"\xa0", date="D", keep_alive=False)
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "HTTP/1.1 200 OK"
    assert {"Date: D", "Content-Length: 1", "Content-Type: application/cbor", "Connection: close"} <= set(lines)
    assert body == b"\xa0"
    assert encode_response(404, [], b"", date="D").startswith(b"HTTP/1.1 404 Not Found\r\n")


def test_the_date_header_is_an_http_date() -> None:
    value = DateHeader().now()
    assert value.endswith(" GMT") and len(value) == 29
