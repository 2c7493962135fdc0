"""The emulator's listening socket: a lean HTTP/1.1 path for GameLift calls, aiohttp for everything else.

Why not aiohttp for all of it: a control-plane call is a few microseconds of domain work, and
aiohttp's request and response objects, routing and per-request task cost several times that.
So each connection starts on ``ApiConnection``, which reads the one exchange boto3 and the AWS
CLI make (``POST`` with a ``Content-Length`` body, keep-alive; see ``protocol/http1.py``), runs
the operation synchronously and writes the answer once the store has committed it. No task, no
future, no request object: the commit callback writes the bytes.

The first request that is anything else (a WebSocket upgrade from a server SDK, the
``/_emulator/`` control API, a log download, a chunked body, a malformed head) hands the
connection to aiohttp from that request's first byte: aiohttp's protocol object takes over the
transport and is fed what was buffered, and it serves the connection from then on with the same
routes as ever. Nothing is answered differently on either path; the fast one is only quicker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING

from infra.emulator.protocol import http1
from infra.emulator.protocol.codecs import CBOR, JSON, operation_from_target

if TYPE_CHECKING:
    from infra.emulator.server import ApiServer, Reply

log = logging.getLogger("gamelift_local.http")

# Stop reading from a client that sends faster than it reads its answers.
MAX_BUFFERED_BYTES = 4 * 1024 * 1024


# Takes a connection whose request is a WebSocket upgrade: (transport, head, bytes after the head, TLS?) ->
# the protocol it installed on the transport, or None to leave the request to aiohttp.
UpgradeTaker = Callable[[asyncio.Transport, http1.RequestHead, bytes, bool], "asyncio.Protocol | None"]


class ApiFront:
    """Makes one ``ApiConnection`` per accepted socket and remembers them, to close them at shutdown."""

    def __init__(self, api: ApiServer, full_server: Callable[[], asyncio.Protocol], max_body: int,
                 upgrades: UpgradeTaker | None = None, *, serve_api: bool = True, secure: bool = False) -> None:
        self.api = api
        self.full_server = full_server
        self.max_body = max_body
        self.upgrades = upgrades
        # False: a listener for WebSocket upgrades only (the wss:// one); every request goes on to hand-over.
        self.serve_api = serve_api
        self.secure = secure
        self.store = api.emulator.store
        self.date = http1.DateHeader()
        self.connections: set[ApiConnection] = set()
        self.handed_over = 0

    def __call__(self) -> ApiConnection:
        return ApiConnection(self)

    def close(self) -> None:
        for connection in list(self.connections):
            connection.close()


class ApiConnection(asyncio.Protocol):
    """One client connection while it sends API calls; one request at a time, answers in order."""

    def __init__(self, front: ApiFront) -> None:
        self.front = front
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.busy = False  # a request is being answered (waiting for its commit)
        self.write_paused = False
        self.read_paused = False

    # -- asyncio.Protocol -------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.front.connections.add(self)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) > MAX_BUFFERED_BYTES and not self.read_paused and self.transport is not None:
            self.read_paused = True
            self.transport.pause_reading()
        self._serve()

    def connection_lost(self, exc: Exception | None) -> None:
        self.front.connections.discard(self)
        self.transport = None

    def pause_writing(self) -> None:
        self.write_paused = True

    def resume_writing(self) -> None:
        self.write_paused = False
        self._serve()

    # -- requests ---------------------------------------------------------------------------
    def _serve(self) -> None:
        """Take the next complete request off the buffer, unless one is in progress."""
        if self.busy or self.write_paused or self.transport is None or not self.buffer:
            return
        if self.front.serve_api:
            parsed = http1.parse_request(self.buffer, self.front.max_body)
        else:  # hand over once the head is in (or too long to be one)
            whole = self.buffer.find(http1.HEAD_END, 0, http1.MAX_HEAD_BYTES + 4) >= 0
            parsed = http1.NOT_FAST if whole or len(self.buffer) > http1.MAX_HEAD_BYTES else None
        if parsed is None:
            return  # wait for the rest
        if parsed is http1.NOT_FAST:
            self._hand_over()
            return
        assert isinstance(parsed, tuple)
        request, used = parsed
        del self.buffer[:used]
        if self.read_paused and len(self.buffer) <= MAX_BUFFERED_BYTES // 2:
            self.read_paused = False
            self.transport.resume_reading()
        self.busy = True
        self._dispatch(request)

    def _dispatch(self, request: http1.FastRequest) -> None:
        head = request.head
        headers = head.headers
        if head.target == http1.JSON_TARGET:
            codec = JSON
            target = headers.get("x-amz-target", "")
            name = operation_from_target(target)
        else:
            codec = CBOR
            target = head.target
            name = target[len(http1.CBOR_TARGET_PREFIX) :]
        api = self.front.api
        try:
            reply = api.respond(codec, name, target, head.method, headers.get("host", ""), head.path, "", headers,
                                request.body)
        except Exception:  # a bug outside any handler: still an AWS-shaped answer, and the connection lives
            log.exception("request failed outside its operation: %s", name or target)
            reply = api.error_reply(codec, "", 500, "InternalServiceException",
                                    "gamelift-local failed to handle the request; see its log")
        keep_alive = request.keep_alive
        if not reply.durable:
            self._send(reply, keep_alive)
            return

        def committed(error: BaseException | None) -> None:
            self._send(reply if error is None else api.commit_failed(codec, reply, error), keep_alive)

        self.front.store.when_durable(committed)

    def _send(self, reply: Reply, keep_alive: bool) -> None:
        transport = self.transport
        if transport is None:
            return  # the client left; the change itself is committed all the same
        transport.write(
            http1.encode_response(reply.status, reply.headers, reply.body, date=self.front.date.now(),
                                  keep_alive=keep_alive)
        )
        if not keep_alive:
            transport.close()
            return
        self.busy = False
        if self.buffer:
            # A pipelined request is waiting; answer it on the next loop turn, not from inside this callback.
            asyncio.get_running_loop().call_soon(self._serve)

    # -- the rest of HTTP --------------------------------------------------------------------
    def _hand_over(self) -> None:
        """Give the connection, and what it sent from this request on, to aiohttp (or the SDK endpoint)."""
        transport = self.transport
        assert transport is not None
        if self.front.upgrades is not None and self._upgrade(transport):
            return
        handler = self.front.full_server()
        self.front.handed_over += 1
        pending = self._let_go(transport)
        transport.set_protocol(handler)
        handler.connection_made(transport)
        if pending:
            handler.data_received(pending)

    def _let_go(self, transport: asyncio.Transport) -> bytes:
        """Stop serving ``transport`` (its new protocol is being installed); what was buffered for it."""
        self.front.connections.discard(self)
        self.transport = None
        pending, self.buffer = bytes(self.buffer), bytearray()
        if self.read_paused:
            transport.resume_reading()
        return pending

    def _upgrade(self, transport: asyncio.Transport) -> bool:
        """A server SDK's WebSocket upgrade goes straight to the SDK endpoint's own protocol."""
        end = self.buffer.find(http1.HEAD_END, 0, http1.MAX_HEAD_BYTES + 4)
        if end < 0:
            return False
        head = http1.parse_head(bytes(self.buffer[:end]))
        if (
            head is None
            or head.method != "GET"
            or head.headers.get("upgrade", "").lower() != "websocket"
            or head.path.startswith("/_emulator/")
        ):
            return False
        assert self.front.upgrades is not None
        if self.front.upgrades(transport, head, bytes(self.buffer[end + 4 :]), self.front.secure) is None:
            return False
        self._let_go(transport)
        return True

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
