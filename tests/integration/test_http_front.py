"""The emulator's HTTP front over real sockets: the fast path, and the hand-over to aiohttp for everything else.

What a user would notice if the front were wrong: answers out of order on a keep-alive
connection, a control-API call or chunked body refused because the connection had made API
calls, a change lost because the client hung up early, or one bad client disturbing another.
"""

from __future__ import annotations

import json
import socket
from urllib.parse import urlparse

import boto3
import pytest

from infra.emulator.launcher import EmulatorProcess


def connect(url: str) -> socket.socket:
    parsed = urlparse(url)
    sock = socket.create_connection((parsed.hostname, parsed.port), timeout=10)
    return sock


def json_call(operation: str, payload: object, *, extra: str = "") -> bytes:
    body = json.dumps(payload).encode()
    head = (
        f"POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: GameLift.{operation}\r\n"
        f"Content-Type: application/x-amz-json-1.1\r\n{extra}Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class Reader:
    """Reads HTTP/1.1 responses (Content-Length framed) off one socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        self.buffer += chunk
        return bool(chunk)

    def response(self) -> tuple[int, dict[str, str], bytes]:
        while b"\r\n\r\n" not in self.buffer:
            assert self._fill(), f"connection closed mid-head: {self.buffer!r}"
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            assert self._fill(), "connection closed mid-body"
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return status, headers, body

    def closed(self) -> bool:
        return not self.buffer and not self._fill()


def test_fast_answers_carry_the_aws_headers(fresh: EmulatorProcess) -> None:
    with connect(fresh.url) as sock:
        sock.sendall(json_call("ListBuilds", {}))
        status, headers, body = Reader(sock).response()
    assert status == 200
    assert headers["content-type"] == "application/x-amz-json-1.1"
    assert headers["x-amzn-requestid"] and headers["date"].endswith("GMT")
    assert json.loads(body) == {"Builds": []}


def test_pipelined_calls_are_answered_in_order(fresh: EmulatorProcess) -> None:
    calls = [
        json_call("CreateBuild", {"Name": "first"}),
        json_call("DescribeBuild", {"BuildId": "build-00000000-0000-0000-0000-000000000000"}),
        json_call("CreateBuild", {"Name": "second"}),
        json_call("ListBuilds", {}),
    ]
    with connect(fresh.url) as sock:
        sock.sendall(b"".join(calls))
        reader = Reader(sock)
        answers = [reader.response() for _ in calls]
    assert [status for status, _, _ in answers] == [200, 400, 200, 200]
    assert json.loads(answers[0][2])["Build"]["Name"] == "first"
    assert json.loads(answers[1][2])["__type"] == "NotFoundException"
    assert json.loads(answers[2][2])["Build"]["Name"] == "second"
    assert sorted(b["Name"] for b in json.loads(answers[3][2])["Builds"]) == ["first", "second"]
    assert len({headers["x-amzn-requestid"] for _, headers, _ in answers}) == 4


def test_a_request_trickling_in_byte_by_byte_is_served(fresh: EmulatorProcess) -> None:
    with connect(fresh.url) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for byte in json_call("CreateBuild", {"Name": "slow"}):
            sock.send(bytes([byte]))
        status, _, body = Reader(sock).response()
    assert status == 200 and json.loads(body)["Build"]["Name"] == "slow"


def test_api_calls_control_api_and_api_again_share_one_connection(fresh: EmulatorProcess) -> None:
    with connect(fresh.url) as sock:
        reader = Reader(sock)
        sock.sendall(json_call("CreateBuild", {"Name": "before"}))
        assert reader.response()[0] == 200
        sock.sendall(b"GET /_emulator/state HTTP/1.1\r\nHost: localhost\r\n\r\n")
        status, _, body = reader.response()
        assert status == 200 and json.loads(body)["resources"]["builds"] == 1
        sock.sendall(json_call("CreateBuild", {"Name": "after"}))
        status, headers, body = reader.response()
        assert status == 200 and json.loads(body)["Build"]["Name"] == "after"
        assert headers["x-amzn-requestid"]


def test_a_chunked_body_is_served_by_the_full_server(fresh: EmulatorProcess) -> None:
    body = json.dumps({"Name": "chunked"}).encode()
    chunks = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    head = (
        b"POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: GameLift.CreateBuild\r\n"
        b"Content-Type: application/x-amz-json-1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    with connect(fresh.url) as sock:
        sock.sendall(head + chunks)
        status, headers, answer = Reader(sock).response()
    assert status == 200, answer
    assert headers["content-type"] == "application/x-amz-json-1.1"
    assert json.loads(answer)["Build"]["Name"] == "chunked"


def test_expect_100_continue_is_honoured(fresh: EmulatorProcess) -> None:
    body = json.dumps({"Name": "expected"}).encode()
    with connect(fresh.url) as sock:
        reader = Reader(sock)
        sock.sendall(json_call("CreateBuild", {"Name": "expected"}, extra="Expect: 100-continue\r\n")[: -len(body)])
        assert reader.response()[0] == 100
        sock.sendall(body)
        status, _, answer = reader.response()
    assert status == 200 and json.loads(answer)["Build"]["Name"] == "expected"


def test_connection_close_is_honoured(fresh: EmulatorProcess) -> None:
    with connect(fresh.url) as sock:
        sock.sendall(json_call("ListBuilds", {}, extra="Connection: close\r\n"))
        reader = Reader(sock)
        status, headers, _ = reader.response()
        assert status == 200 and headers["connection"].lower() == "close"
        assert reader.closed()


def test_a_malformed_head_is_refused_and_other_clients_carry_on(fresh: EmulatorProcess) -> None:
    with connect(fresh.url) as good, connect(fresh.url) as bad:
        good_reader = Reader(good)
        good.sendall(json_call("CreateBuild", {"Name": "good"}))
        assert good_reader.response()[0] == 200
        bad.sendall(b"POST / HTTP/1.1\r\nBad Header Name: x\r\nContent-Length: 2\r\n\r\n{}")
        status, _, _ = Reader(bad).response()
        assert status == 400
        good.sendall(json_call("ListBuilds", {}))
        status, _, body = good_reader.response()
    assert status == 200 and [b["Name"] for b in json.loads(body)["Builds"]] == ["good"]


def test_a_change_is_kept_when_the_client_hangs_up_before_the_answer(fresh: EmulatorProcess) -> None:
    with connect(fresh.url) as sock:
        sock.sendall(json_call("CreateBuild", {"Name": "orphan"}))
    with connect(fresh.url) as sock:
        sock.sendall(json_call("ListBuilds", {}))
        _, _, body = Reader(sock).response()
    # The first connection's call may still be in flight when the second's arrives: both are on one
    # event loop, in order of arrival, so by the time ListBuilds is answered CreateBuild has run.
    assert [b["Name"] for b in json.loads(body)["Builds"]] == ["orphan"]


def test_a_half_sent_request_from_a_departed_client_changes_nothing(fresh: EmulatorProcess) -> None:
    with connect(fresh.url) as sock:
        sock.sendall(json_call("CreateBuild", {"Name": "half"})[:-5])
    with connect(fresh.url) as sock:
        sock.sendall(json_call("ListBuilds", {}))
        _, _, body = Reader(sock).response()
    assert json.loads(body)["Builds"] == []


@pytest.fixture(scope="module")
def aiohttp_only(tmp_path_factory: pytest.TempPathFactory):
    db = tmp_path_factory.mktemp("aiohttp-front") / "state.db"
    proc = EmulatorProcess(str(db), args=["--clock", "manual", "--strict", "--http-front", "aiohttp"]).start()
    yield proc
    proc.stop()


def test_the_aiohttp_front_answers_the_same(aiohttp_only: EmulatorProcess) -> None:
    client = boto3.client(
        "gamelift", endpoint_url=aiohttp_only.url, region_name="us-west-2",
        aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret",
    )
    build = client.create_build(Name="via-aiohttp")["Build"]
    assert client.describe_build(BuildId=build["BuildId"])["Build"]["Name"] == "via-aiohttp"
    with pytest.raises(client.exceptions.NotFoundException):
        client.describe_build(BuildId="build-00000000-0000-0000-0000-000000000000")
