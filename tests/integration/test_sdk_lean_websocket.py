"""The SDK endpoint's lean WebSocket (``take_over`` -> ``LeanWebSocket``) on a real socket on 127.0.0.1.

An emulator runs in the test's event loop (manual clock; the control plane is called through its ``Invoker``), and
a small head-parsing front stands where the emulator's HTTP front will: it reads a request head and hands the
connection to ``SdkWebSocketEndpoint.take_over``. Clients: the Python SDK, ``RawSdk`` (aiohttp's WebSocket client,
an independent implementation) and a hand-rolled socket for frames no client library would send.
"""

from __future__ import annotations

import asyncio
import json
import os
import ssl
import struct
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import sdk.gamelift_server as gl
from infra.emulator.api.registry import RequestContext
from infra.emulator.config import EmulatorConfig
from infra.emulator.emulator import Emulator
from infra.emulator.protocol.invoke import Invoker
from infra.emulator.sdk_endpoint import tls
from infra.emulator.sdk_endpoint.websocket import SdkEndpointService, SdkWebSocketEndpoint, attach_endpoint
from sdk.gamelift_server import rfc6455
from tests.fixtures.example_server.harness import STYLES, HandshakeRefused, RawSdk, identity

LOCATION = "custom-lean"
FAST = gl.Timings(heartbeat_interval=3600, heartbeat_jitter=0, request_timeout=5, activate_timeout=5,
                  connect_retries=0, connect_timeout=5)


@dataclass
class Head:
    """What take_over reads of a request head (the HTTP front's parsed head has the same attributes)."""

    method: str
    target: str
    version: str
    headers: dict[str, str]


class HeadFront(asyncio.Protocol):
    """Reads one request head and hands the connection over; a request that is no upgrade gets a bare 404."""

    def __init__(self, endpoint: SdkWebSocketEndpoint, secure: bool = False) -> None:
        self.endpoint = endpoint
        self.secure = secure
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0 or self.transport is None:
            return
        lines = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
        method, target, _version = lines[0].split(" ")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            headers[name] = f"{headers[name]}, {value.strip()}" if name in headers else value.strip()
        transport, self.transport = self.transport, None
        if self.endpoint.take_over(transport, Head(method, target, "1.1", headers), bytes(self.buffer[end + 4:]),
                                   self.secure) is None:
            transport.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            transport.close()


class Lean:
    """The emulator, its endpoint behind the front, and an Anywhere fleet with two computes."""

    def __init__(self, emulator: Emulator, endpoint: SdkWebSocketEndpoint, url: str) -> None:
        self.emulator = emulator
        self.endpoint = endpoint
        self.service: SdkEndpointService = endpoint.service
        self.url = url
        self.invoker = Invoker(emulator)
        self.api("CreateLocation", LocationName=LOCATION)
        self.fleet_id = self.api("CreateFleet", Name="lean", ComputeType="ANYWHERE",
                                 Locations=[{"Location": LOCATION}])["FleetAttributes"]["FleetId"]
        for compute in ("one", "two"):
            self.api("RegisterCompute", FleetId=self.fleet_id, ComputeName=compute, IpAddress="127.0.0.1",
                     Location=LOCATION)

    def api(self, operation: str, **params: Any) -> Any:
        output = self.invoker.call(RequestContext(operation, "test", "us-west-2", "123456789012"), params)
        self.emulator.store.commit()
        return output

    def token(self, compute: str = "one") -> str:
        return self.api("GetComputeAuthToken", FleetId=self.fleet_id, ComputeName=compute)["AuthToken"]

    def query(self, compute: str = "one", process_id: str | None = None, token: str | None = "") -> str:
        token = self.token(compute) if token == "" else token
        return STYLES["Go"](identity(process_id or str(uuid.uuid4()), compute, self.fleet_id, token))

    async def raw(self, compute: str = "one", process_id: str | None = None) -> RawSdk:
        return await RawSdk.connect(self.url, self.query(compute, process_id))

    def player_status(self, player_session_id: str) -> str:
        return self.api("DescribePlayerSessions", PlayerSessionId=player_session_id)["PlayerSessions"][0]["Status"]

    def fleet_events(self) -> list[str]:
        return [e["EventCode"] for e in self.api("DescribeFleetEvents", FleetId=self.fleet_id)["Events"]]

    async def until(self, check: Callable[[], Any], what: str) -> Any:
        for _ in range(500):
            value = check()
            if value:
                return value
            await asyncio.sleep(0.01)
        raise AssertionError(f"timed out waiting for {what}")


@asynccontextmanager
async def lean_endpoint(tmp: Path, tls_context: ssl.SSLContext | None = None) -> AsyncIterator[Lean]:
    emulator = Emulator(EmulatorConfig(database=str(tmp / "state.db"), data_dir=str(tmp), clock="manual"))
    endpoint = attach_endpoint(emulator)
    emulator.start()
    secure = tls_context is not None
    server = await asyncio.get_running_loop().create_server(lambda: HeadFront(endpoint, secure), "127.0.0.1", 0,
                                                            ssl=tls_context)
    port = server.sockets[0].getsockname()[1]
    try:
        yield Lean(emulator, endpoint, f"{'https' if secure else 'http'}://localhost:{port}")
    finally:
        server.close()
        await endpoint.service.stop()
        await asyncio.sleep(0.05)  # let the close frames go out
        await emulator.stop()
        emulator.store.close()


def run(tmp: Path, scenario: Callable[[Lean], Awaitable[None]], tls_context: ssl.SSLContext | None = None) -> None:
    async def main() -> None:
        async with lean_endpoint(tmp, tls_context) as lean:
            await asyncio.wait_for(scenario(lean), 30)

    asyncio.run(main())


class RawSocket:
    """A WebSocket by hand, for frames no client library sends: masked or not, broken on purpose."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.frames = rfc6455.FrameReader(1 << 22, masked=False)  # the client end's reader
        self.events: list[tuple[int, Any]] = []

    @classmethod
    async def connect(cls, lean: Lean, query: str, first: bytes = b"") -> RawSocket:
        host, port = lean.url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(handshake(f"/?{query}") + first)
        head = await reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101 "), head
        return cls(reader, writer)

    def send(self, opcode: int, payload: bytes, *, final: bool = True, masked: bool = True) -> None:
        self.writer.write(frame(opcode, payload, final=final, masked=masked))

    async def receive(self) -> tuple[int, Any]:
        """The next frame: (TEXT, parsed JSON), (CLOSE, (code, reason)) or (opcode, payload)."""
        while not self.events:
            data = await asyncio.wait_for(self.reader.read(65536), 5)
            assert data, "the server closed the connection"
            self.events += self.frames.feed(data)
        opcode, payload = self.events.pop(0)
        if opcode == rfc6455.TEXT:
            return opcode, json.loads(payload)
        if opcode == rfc6455.CLOSE:
            return opcode, rfc6455.parse_close(payload)  # type: ignore[arg-type]
        return opcode, payload

    async def ended(self) -> bool:
        """True once the server has closed the TCP connection."""
        return await asyncio.wait_for(self.reader.read(), 5) == b""

    def close(self) -> None:
        self.writer.close()


def handshake(target: str, headers: dict[str, str] | None = None) -> bytes:
    fields = {"Host": "127.0.0.1", "Upgrade": "websocket", "Connection": "Upgrade",
              "Sec-WebSocket-Key": rfc6455.new_key(), "Sec-WebSocket-Version": "13", **(headers or {})}
    return (f"GET {target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items()) + "\r\n").encode()


def frame(opcode: int, payload: bytes, *, final: bool = True, masked: bool = True) -> bytes:
    if masked:
        built = rfc6455.encode_frame(opcode, payload, os.urandom(4))
        return bytes((built[0] & 0x7F if not final else built[0],)) + built[1:]
    return bytes(((0x80 if final else 0) | opcode, len(payload))) + payload


def request(action: str, **fields: Any) -> bytes:
    return json.dumps({"Action": action, "RequestId": str(uuid.uuid4()), **fields}).encode()


# -- the Python SDK end to end --------------------------------------------------------------------------------------


def test_the_python_sdk_serves_a_game_session_over_the_lean_socket(tmp_path: Path) -> None:
    async def scenario(lean: Lean) -> None:
        sdk = gl.GameLiftServerSdk(environ={}, timings=FAST)
        started: asyncio.Future[gl.GameSession] = asyncio.get_running_loop().create_future()

        async def on_start(session: gl.GameSession) -> None:
            await sdk.activate_game_session()
            started.set_result(session)

        await sdk.init_sdk(gl.ServerParameters(web_socket_url=lean.url.replace("http", "ws"), process_id="p-sdk",
                                               host_id="one", fleet_id=lean.fleet_id, auth_token=lean.token()))
        await sdk.process_ready(gl.ProcessParameters(port=7777, on_start_game_session=on_start))
        process = await lean.until(lambda: (p := lean.emulator.fleets.processes.get("p-sdk")) and
                                   p.status == "ACTIVE" and p, "the process to be ACTIVE")
        assert process.port == 7777
        gsid = lean.api("CreateGameSession", FleetId=lean.fleet_id, MaximumPlayerSessionCount=4,
                        Location=LOCATION)["GameSession"]["GameSessionId"]
        assert (await started).game_session_id == gsid
        await lean.until(lambda: lean.api("DescribeGameSessions", GameSessionId=gsid)["GameSessions"][0]["Status"]
                         == "ACTIVE", "the game session to be ACTIVE")
        psid = lean.api("CreatePlayerSession", GameSessionId=gsid, PlayerId="alice")["PlayerSession"][
            "PlayerSessionId"]
        await sdk.accept_player_session(psid)
        assert lean.player_status(psid) == "ACTIVE"
        with pytest.raises(gl.GameLiftError):
            await sdk.accept_player_session(psid)  # already accepted: refused, and the socket lives on
        found = await sdk.describe_player_sessions(gl.DescribePlayerSessionsRequest(game_session_id=gsid))
        assert [s.player_session_id for s in found.player_sessions] == [psid]
        await sdk.remove_player_session(psid)
        assert lean.player_status(psid) == "COMPLETED"
        await sdk.process_ending()
        await sdk.destroy()
        await lean.until(lambda: lean.emulator.fleets.processes.get("p-sdk") is None, "the process to end")

    run(tmp_path, scenario)


def test_the_python_sdk_over_wss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    certificates = tls.certificate_directory(tmp_path / "tls", common_name="localhost", names=["localhost"])
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates / tls.ROOT))  # the SDK verifies, as the official ones do

    async def scenario(lean: Lean) -> None:
        sdk = gl.GameLiftServerSdk(environ={}, timings=FAST)
        await sdk.init_sdk(gl.ServerParameters(web_socket_url=lean.url.replace("https", "wss") + "/sdk",
                                               process_id="p-tls", host_id="one", fleet_id=lean.fleet_id,
                                               auth_token=lean.token()))
        await sdk.process_ready(gl.ProcessParameters(port=7777))
        socket = lean.service.links["p-tls"].newest()
        assert getattr(socket, "endpoint", "").startswith("wss://localhost:") and socket.endpoint.endswith("/sdk")
        await lean.until(lambda: lean.emulator.fleets.processes.get("p-tls").status == "ACTIVE", "ProcessReady")
        await sdk.process_ending()
        await sdk.destroy()

    run(tmp_path, scenario, tls.server_context(certificates / tls.CHAIN, certificates / tls.PRIVATE_KEY))


# -- handshakes -----------------------------------------------------------------------------------------------------


def test_refused_handshakes_are_json_http_errors(tmp_path: Path) -> None:
    async def scenario(lean: Lean) -> None:
        with pytest.raises(HandshakeRefused) as forbidden:
            await RawSdk.connect(lean.url, lean.query(token="not-a-token"))
        assert forbidden.value.status == 403
        with pytest.raises(HandshakeRefused) as anonymous:
            await RawSdk.connect(lean.url, "sdkVersion=5.6.0")
        assert anonymous.value.status == 400
        for extra, status in (({"Sec-WebSocket-Version": "8"}, 400), ({"Sec-WebSocket-Key": "short"}, 400)):
            host, port = lean.url.removeprefix("http://").split(":")
            reader, writer = await asyncio.open_connection(host, int(port))
            writer.write(handshake(f"/?{lean.query()}", extra))
            answer = await asyncio.wait_for(reader.read(), 5)  # the server closes after answering
            head, _, body = answer.partition(b"\r\n\r\n")
            assert head.startswith(f"HTTP/1.1 {status} ".encode()) and b"application/json" in head
            assert json.loads(body)["message"]
            writer.close()
        assert lean.service.count() == 0  # nothing was attached

    run(tmp_path, scenario)


def test_a_request_without_upgrade_is_left_to_the_http_server() -> None:
    endpoint = SdkWebSocketEndpoint(service=None)  # type: ignore[arg-type]
    assert endpoint.take_over(None, Head("GET", "/", "1.1", {"host": "x"}), b"", False) is None  # type: ignore[arg-type]


def test_frames_sent_with_the_handshake_are_answered(tmp_path: Path) -> None:
    async def scenario(lean: Lean) -> None:
        first = frame(rfc6455.TEXT, request("ActivateServerProcess", Port=7001))
        raw = await RawSocket.connect(lean, lean.query(), first=first)
        opcode, reply = await raw.receive()
        assert opcode == rfc6455.TEXT and reply["Action"] == "ActivateServerProcess" and reply["StatusCode"] == 200
        raw.close()

    run(tmp_path, scenario)


# -- frames ---------------------------------------------------------------------------------------------------------


def test_ping_pong_fragments_and_binary_frames(tmp_path: Path) -> None:
    async def scenario(lean: Lean) -> None:
        raw = await RawSocket.connect(lean, lean.query())
        raw.send(rfc6455.PING, b"are you there")
        assert await raw.receive() == (rfc6455.PONG, b"are you there")
        body = request("ActivateServerProcess", Port=7001)
        raw.send(rfc6455.TEXT, body[:10], final=False)
        raw.send(rfc6455.PING, b"between")
        raw.send(rfc6455.CONTINUATION, body[10:])
        assert await raw.receive() == (rfc6455.PONG, b"between")
        opcode, reply = await raw.receive()
        assert opcode == rfc6455.TEXT and reply["StatusCode"] == 200
        raw.send(rfc6455.BINARY, request("HeartbeatServerProcess", HealthStatus=True))  # JSON in a binary frame
        assert (await raw.receive())[1]["StatusCode"] == 200
        raw.send(rfc6455.TEXT, b"{not json")
        opcode, reply = await raw.receive()
        assert reply["StatusCode"] == 400 and "JSON" in reply["ErrorMessage"]  # a bad request, not a bad frame
        raw.close()

    run(tmp_path, scenario)


@pytest.mark.parametrize(
    ("broken", "code"),
    [
        (frame(rfc6455.TEXT, b"{}", masked=False), 1002),
        (frame(rfc6455.TEXT, b"\xff\xfe\xfd"), 1007),
        (bytes((0x81, 0xFF)) + struct.pack("!Q", 5 * 1024 * 1024) + b"mask", 1009),
        (frame(0x5, b"x"), 1002),
        (frame(rfc6455.CONTINUATION, b"x"), 1002),
    ],
)
def test_a_broken_frame_closes_that_connection_only(tmp_path: Path, broken: bytes, code: int) -> None:
    async def scenario(lean: Lean) -> None:
        other = await lean.raw("two")
        await other.ready()
        victim = await RawSocket.connect(lean, lean.query("one", "p-victim"))
        victim.send(rfc6455.TEXT, request("ActivateServerProcess", Port=7001))
        assert (await victim.receive())[1]["StatusCode"] == 200
        victim.writer.write(broken)
        opcode, (closed_with, reason) = await victim.receive()
        assert (opcode, closed_with) == (rfc6455.CLOSE, code) and reason
        assert await victim.ended()
        await lean.until(lambda: not lean.service.links["p-victim"].open_sockets, "the socket to be detached")
        reply = await other.request("HeartbeatServerProcess", HealthStatus=True)
        assert reply["StatusCode"] == 200 and not other.closed.is_set()
        await other.close()

    run(tmp_path, scenario)


# -- closing --------------------------------------------------------------------------------------------------------


def test_the_reply_to_process_ending_arrives_before_the_servers_close(tmp_path: Path) -> None:
    async def scenario(lean: Lean) -> None:
        raw = await lean.raw(process_id="p-ending")
        await raw.ready()
        reply = await raw.request("TerminateServerProcess")
        assert reply["StatusCode"] == 200
        await asyncio.wait_for(raw.closed.wait(), 5)
        assert raw.close_code == 1000  # the process has ended: the SDK must not reconnect
        assert lean.emulator.fleets.processes.get("p-ending") is None
        await raw.close()

    run(tmp_path, scenario)


def test_a_clean_close_from_the_process_is_answered_and_ends_it(tmp_path: Path) -> None:
    async def scenario(lean: Lean) -> None:
        raw = await RawSocket.connect(lean, lean.query(process_id="p-leaving"))
        raw.send(rfc6455.TEXT, request("ActivateServerProcess", Port=7001))
        await raw.receive()
        raw.send(rfc6455.CLOSE, struct.pack("!H", 1000) + b"bye")
        assert await raw.receive() == (rfc6455.CLOSE, (1000, ""))  # the code is echoed
        assert await raw.ended()  # and the server closes TCP (RFC 6455 §7.1.1)
        await lean.until(lambda: lean.emulator.fleets.processes.get("p-leaving") is None, "the process to end")
        assert "SERVER_PROCESS_CRASHED" in lean.fleet_events()  # closed without ProcessEnding

    run(tmp_path, scenario)


def test_a_push_leaves_after_the_commit_of_what_it_reports(tmp_path: Path) -> None:
    async def scenario(lean: Lean) -> None:
        raw = await lean.raw(process_id="p-push")
        await raw.ready()
        store = lean.emulator.store
        committed: list[bool] = []
        socket = lean.service.links["p-push"].newest()
        assert socket is not None
        dequeue = socket._dequeue  # type: ignore[attr-defined]

        def spy(payload: bytes) -> None:
            committed.append(not store.has_staged and store._operation is None)  # type: ignore[attr-defined]
            dequeue(payload)

        socket._dequeue = spy  # type: ignore[attr-defined]
        gsid = lean.api("CreateGameSession", FleetId=lean.fleet_id, MaximumPlayerSessionCount=2,
                        Location=LOCATION)["GameSession"]["GameSessionId"]
        push = await raw.push("CreateGameSession")
        assert push["GameSessionId"] == gsid and committed == [True]
        await raw.close()

    run(tmp_path, scenario)
