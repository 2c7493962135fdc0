"""The SDK's own WebSocket connection (``sdk.gamelift_server.websocket``) against small scripted servers on 127.0.0.1:
the parts the transport tests do not reach through a well-behaved server: an HTTP CONNECT proxy, wss:// with a
certificate the system trusts, refusals read to their body, the server's pings and closes, a broken server frame.
"""

from __future__ import annotations

import asyncio
import json
import struct
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from infra.emulator.sdk_endpoint import tls
from sdk.gamelift_server import rfc6455, websocket
from sdk.gamelift_server.websocket import ClientWebSocket

UA = "gamelift-python-sdk/test"


class ScriptedServer(asyncio.Protocol):
    """Answers the handshake (or refuses it), then records what the client sends; the test scripts the rest."""

    def __init__(self, owner: Scripted) -> None:
        self.owner = owner
        self.buffer = bytearray()
        self.upgraded = False
        self.frames = rfc6455.FrameReader(1 << 20, masked=True)
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.owner.connections.put_nowait(self)

    def data_received(self, data: bytes) -> None:
        if self.upgraded:
            for event in self.frames.feed(data):
                self.owner.received.put_nowait(event)
            return
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        lines = bytes(self.buffer[:end]).decode().split("\r\n")
        self.owner.requests.append(lines)
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        assert self.transport is not None
        if self.owner.refuse is not None:
            self.transport.write(self.owner.refuse)
            self.transport.close()
            return
        self.upgraded = True
        self.transport.write(rfc6455.switching_protocols(headers["sec-websocket-key"]))

    def send(self, frame: bytes) -> None:
        assert self.transport is not None
        self.transport.write(frame)


class Scripted:
    def __init__(self, refuse: bytes | None = None) -> None:
        self.refuse = refuse
        self.requests: list[list[str]] = []
        self.connections: asyncio.Queue[ScriptedServer] = asyncio.Queue()
        self.received: asyncio.Queue[tuple[int, Any]] = asyncio.Queue()
        self.port = 0

    async def start(self, ssl_context: Any = None) -> Scripted:
        self.server = await asyncio.get_running_loop().create_server(lambda: ScriptedServer(self), "127.0.0.1", 0,
                                                                     ssl=ssl_context)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def next(self) -> tuple[int, Any]:
        return await asyncio.wait_for(self.received.get(), 5)


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(scenario(), 20))


async def open_client(url: str, inbox: list[str | bytes]) -> ClientWebSocket:
    return await websocket.connect(url, on_message=inbox.append, user_agent=UA, max_message_bytes=1 << 20)


# -- opening ----------------------------------------------------------------------------------------------------------


def test_messages_both_ways_and_a_clean_close() -> None:
    async def scenario() -> None:
        server = await Scripted().start()
        inbox: list[str | bytes] = []
        client = await open_client(f"ws://127.0.0.1:{server.port}/sdk?pID=p%2B1&Authorization=t", inbox)
        request_line, *headers = server.requests[0]
        assert request_line == "GET /sdk?pID=p%2B1&Authorization=t HTTP/1.1"
        assert f"Host: 127.0.0.1:{server.port}" in headers and f"User-Agent: {UA}" in headers
        peer = await server.connections.get()
        assert client.send_text('{"Action":"A"}') and client.send_text(b'{"Action":"B"}')
        assert [await server.next(), await server.next()] == [(1, '{"Action":"A"}'), (1, '{"Action":"B"}')]
        peer.send(rfc6455.encode_frame(rfc6455.TEXT, b'{"StatusCode":200}', None))
        for _ in range(1000):  # the reply arrives on the client's protocol callback: poll for it
            if inbox:
                break
            await asyncio.sleep(0.005)
        assert inbox == ['{"StatusCode":200}']
        closing = asyncio.create_task(client.close())
        assert await server.next() == (rfc6455.CLOSE, struct.pack("!H", 1000))
        peer.send(rfc6455.encode_frame(rfc6455.CLOSE, rfc6455.close_payload(1000), None))
        assert peer.transport is not None
        peer.transport.close()
        assert await closing == 1000 and not client.send_text("late")

    run(scenario)


def test_a_refusal_is_read_to_its_body() -> None:
    async def scenario() -> None:
        body = json.dumps({"message": "The auth token is not valid"}).encode()
        with_length = b"HTTP/1.1 403 Forbidden\r\nContent-Length: %d\r\n\r\n" % len(body) + body
        without_length = b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n" + body
        for answer, status in ((with_length, 403), (without_length, 400)):
            server = await Scripted(refuse=answer).start()
            with pytest.raises(rfc6455.HandshakeFailed) as refused:
                await open_client(f"ws://127.0.0.1:{server.port}/", [])
            assert refused.value.status == status and "not valid" in refused.value.body

    run(scenario)


def test_urls_that_cannot_be_used_are_refused_without_their_query() -> None:
    for url in ("http://host/", "ws:///path", "ws://host:99999/", "ws://host/a b?Authorization=secret"):
        with pytest.raises(websocket.InvalidUrl) as invalid:
            websocket.parse_url(url)
        assert "secret" not in str(invalid.value)
    target = websocket.parse_url("wss://[::1]/x?q=1")
    assert (target.secure, target.host, target.port, target.resource, target.host_header) == (
        True, "::1", 443, "/x?q=1", "[::1]")


def test_wss_with_a_certificate_the_system_trusts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = tls.certificate_directory(tmp_path / "certs", common_name="localhost", names=["localhost"])
    monkeypatch.setenv("SSL_CERT_FILE", str(directory / tls.ROOT))

    async def scenario() -> None:
        context = tls.server_context(directory / tls.CHAIN, directory / tls.PRIVATE_KEY)
        server = await Scripted().start(context)
        client = await open_client(f"wss://localhost:{server.port}/", [])
        assert client.send_text("over tls")
        assert await server.next() == (rfc6455.TEXT, "over tls")
        client.abort()

    run(scenario)


# -- proxies ----------------------------------------------------------------------------------------------------------


class ConnectProxy:
    """An HTTP CONNECT proxy that knows one name (``gamelift.test``) and pipes bytes; or refuses with ``refuse``."""

    def __init__(self, refuse: bytes | None = None) -> None:
        self.refuse = refuse
        self.requests: list[str] = []

    async def start(self) -> int:
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.server = server
        return server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        self.requests.append(head)
        if self.refuse is not None:
            writer.write(self.refuse)
            writer.close()
            return
        _, authority, _ = head.split("\r\n")[0].split(" ")
        host, port = authority.rsplit(":", 1)
        assert host == "gamelift.test"
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", int(port))
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            while data := await source.read(65536):
                sink.write(data)
            sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


def test_a_non_loopback_host_goes_through_the_environments_http_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    async def scenario() -> None:
        server = await Scripted().start()
        proxy = ConnectProxy()
        monkeypatch.setenv("HTTP_PROXY", f"http://user:p%40ss@127.0.0.1:{await proxy.start()}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        client = await open_client(f"ws://gamelift.test:{server.port}/sdk", [])
        assert proxy.requests[0].startswith(f"CONNECT gamelift.test:{server.port} HTTP/1.1\r\n")
        assert "Proxy-Authorization: Basic dXNlcjpwQHNz\r\n" in proxy.requests[0]  # user:p@ss
        assert server.requests[0][0] == "GET /sdk HTTP/1.1"
        assert client.send_text("through the tunnel")
        assert await server.next() == (rfc6455.TEXT, "through the tunnel")
        client.abort()

        refusing = ConnectProxy(refuse=b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n")
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{await refusing.start()}")
        with pytest.raises(websocket.ProxyError, match="407"):
            await open_client(f"ws://gamelift.test:{server.port}/sdk", [])
        monkeypatch.setenv("NO_PROXY", "gamelift.test")
        assert websocket.proxy_for(websocket.parse_url("ws://gamelift.test/")) is None
        assert websocket.proxy_for(websocket.parse_url("ws://127.0.0.1/")) is None

    run(scenario)


# -- the server's control frames, and a server that breaks the rules -----------------------------------------------


def test_pings_are_answered_and_a_server_close_is_echoed() -> None:
    async def scenario() -> None:
        server = await Scripted().start()
        client = await open_client(f"ws://127.0.0.1:{server.port}/", [])
        peer = await server.connections.get()
        peer.send(rfc6455.encode_frame(rfc6455.PING, b"still there?", None))
        assert await server.next() == (rfc6455.PONG, b"still there?")
        peer.send(rfc6455.encode_frame(rfc6455.CLOSE, rfc6455.close_payload(4001, "moving you"), None))
        assert await server.next() == (rfc6455.CLOSE, struct.pack("!H", 4001))
        assert peer.transport is not None
        peer.transport.close()
        assert await asyncio.wait_for(client.closed, 5) == 4001

    run(scenario)


def test_a_masked_server_frame_fails_the_connection_with_1002() -> None:
    async def scenario() -> None:
        server = await Scripted().start()
        inbox: list[str | bytes] = []
        client = await open_client(f"ws://127.0.0.1:{server.port}/", inbox)
        peer = await server.connections.get()
        peer.send(rfc6455.encode_frame(rfc6455.TEXT, b"masked", b"abcd"))
        opcode, payload = await server.next()
        assert opcode == rfc6455.CLOSE and rfc6455.parse_close(payload)[0] == 1002
        assert await asyncio.wait_for(client.closed, 5) == rfc6455.CLOSE_ABNORMAL and inbox == []

    run(scenario)
