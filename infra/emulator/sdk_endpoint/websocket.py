"""The SDK endpoint's I/O: WebSocket upgrades on any path, by the lean connection or by aiohttp.

Two ways in, one service behind them. ``take_over`` is the fast one: the HTTP front parses a request head, sees an
upgrade and hands the raw transport over; the endpoint answers the handshake itself and installs a
``LeanWebSocket`` (``lean_websocket.py``; the RFC 6455 handshake and framing are the SDK's own
``sdk.gamelift_server.rfc6455``, used in the server role). ``handle`` is the aiohttp route, kept for a front that
does not hand upgrades over (and for the TLS listener until it does): one reader per socket, replies written by the
reader, pushes through a per-socket queue so they leave in order.

Either way the handshake is decided before the upgrade, so a refusal is a plain HTTP error (403 for credentials and
reused process ids, 400 for a query without identity or a malformed upgrade, 404 for a GET that is no upgrade),
which is how the official SDKs learn it (C++ maps 403 to WEBSOCKET_CONNECT_FAILURE_FORBIDDEN).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING

import orjson
from aiohttp import WSMsgType, web

from infra.emulator.protocol import http1
from infra.emulator.protocol.http1 import RequestHead
from infra.emulator.sdk_endpoint import protocol
from infra.emulator.sdk_endpoint.handshake import HandshakeError, parse_connect_query
from infra.emulator.sdk_endpoint.lean_websocket import LeanWebSocket
from infra.emulator.sdk_endpoint.service import SdkEndpointService
from sdk.gamelift_server import rfc6455

if TYPE_CHECKING:
    from infra.emulator.emulator import Emulator

log = logging.getLogger("gamelift_local.sdk")

_CLOSE = object()
# How long a close waits for the reply in progress (the one that ended the process, typically ProcessEnding).
CLOSE_AFTER_REPLY_SECONDS = 5.0


class AiohttpSocket:
    """A ``connections.Socket`` over an aiohttp WebSocketResponse."""

    def __init__(
        self, ws: web.WebSocketResponse, endpoint: str, idempotency_token: str | None, auth_token: str | None
    ) -> None:
        self.ws = ws
        self.endpoint = endpoint
        self.idempotency_token = idempotency_token
        self.auth_token = auth_token
        self._queue: asyncio.Queue[object] = asyncio.Queue()
        # Replies being prepared (their request's writes are being committed): a close waits for them.
        self._replying = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._closing = False
        self._close: tuple[int, str] = (1000, "")
        self._writer = asyncio.get_running_loop().create_task(self._write(), name="sdk-socket-writer")

    @property
    def open(self) -> bool:
        return not self._closing and not self.ws.closed

    def send(self, text: str) -> None:
        if self.open:
            self._queue.put_nowait(text)

    def close(self, code: int, reason: str) -> None:
        if not self._closing:
            self._closing = True
            self._close = (code, reason)
            self._queue.put_nowait(_CLOSE)

    def begin_reply(self) -> None:
        self._replying += 1
        self._idle.clear()

    async def reply(self, text: str) -> None:
        """Send the answer announced by ``begin_reply`` (even if a close was asked for meanwhile: it waits)."""
        try:
            if not self.ws.closed:
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await self.ws.send_str(text)
        finally:
            self._replying -= 1
            if self._replying == 0:
                self._idle.set()

    async def _write(self) -> None:
        try:
            while True:
                item = await self._queue.get()
                if item is _CLOSE:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._idle.wait(), CLOSE_AFTER_REPLY_SECONDS)
                    code, reason = self._close
                    await self.ws.close(code=code, message=reason.encode()[:120])
                    return
                if self.ws.closed:
                    continue
                assert isinstance(item, str)
                await self.ws.send_str(item)
        except (ConnectionError, RuntimeError):
            pass

    async def finish(self) -> None:
        self._closing = True
        self._writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._writer


def is_upgrade(request: web.Request) -> bool:
    return request.headers.get("Upgrade", "").lower() == "websocket"


def refusal(status: int, message: str, headers: Mapping[str, str] | None = None) -> bytes:
    """An HTTP error with the JSON body aiohttp's path sends (``{"message": ...}``); the connection then closes."""
    return http1.encode_response(
        status,
        [("Content-Type", "application/json; charset=utf-8"), *(headers or {}).items()],
        orjson.dumps({"message": message}),
        date=_DATE.now(),
        keep_alive=False,
    )


_DATE = http1.DateHeader()


class _Refused(asyncio.Protocol):
    """Owns a transport whose upgrade was refused until it has flushed the answer and closed."""

    def data_received(self, data: bytes) -> None:
        pass


class SdkWebSocketEndpoint:
    """The SDK endpoint's two ways in: ``take_over`` (lean, from the HTTP front) and ``handle`` (an aiohttp route on
    ``/{tail:.*}`` (GET), mounted after every other route)."""

    def __init__(self, service: SdkEndpointService) -> None:
        self.service = service

    def take_over(
        self, transport: asyncio.Transport, head: RequestHead, rest: bytes, secure: bool
    ) -> asyncio.Protocol | None:
        """Answer an upgrade request on a raw transport and install the protocol that serves it from now on.

        Returns that protocol (a ``LeanWebSocket``, or a sink that closes the connection after a refusal, which
        this method has written), or None for a request that asks for no WebSocket: the caller serves it as plain
        HTTP (aiohttp answers 404 then). ``rest`` is whatever arrived after the head: the first frames, if the
        client did not wait for the 101.
        """
        if not rfc6455.is_upgrade(head.headers):
            return None
        if transport.is_closing():
            return self._refuse(transport)
        try:
            key = rfc6455.handshake_key(head.method, head.headers)
        except rfc6455.UpgradeRefused as exc:
            log.info("sdk websocket handshake refused status=%s: %s", exc.status, exc.message)
            return self._refuse(transport, refusal(exc.status, exc.message, exc.headers))
        path, _, raw_query = head.target.partition("?")
        query = parse_connect_query(raw_query)
        try:
            link = self.service.admit(query)
        except HandshakeError as exc:
            log.info("sdk handshake refused status=%s process=%s: %s", exc.status, query.process_id, exc.message)
            return self._refuse(transport, refusal(exc.status, exc.message))
        transport.write(rfc6455.switching_protocols(key))
        socket = LeanWebSocket(
            self.service,
            link,
            transport,
            endpoint=f"{'wss' if secure else 'ws'}://{head.headers.get('host', '')}{path}",
            idempotency_token=query.idempotency_token,
            auth_token=query.auth_token,
        )
        transport.set_protocol(socket)
        try:
            socket.attach()
        except Exception:  # a bug in admission: this connection fails, the listener lives on
            log.exception("process=%s attaching the socket failed", link.process_id)
            socket.fail(rfc6455.CLOSE_INTERNAL_ERROR, "gamelift-local failed to attach this connection")
            return socket
        if rest:
            socket.data_received(rest)
        return socket

    @staticmethod
    def _refuse(transport: asyncio.Transport, answer: bytes = b"") -> asyncio.Protocol:
        sink = _Refused()
        transport.set_protocol(sink)
        if answer:
            transport.write(answer)
        transport.close()
        return sink

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if not is_upgrade(request):
            return web.json_response(
                {"message": f"No route for GET {request.path}; the server SDK endpoint needs a WebSocket upgrade"},
                status=404,
            )
        raw_path = request.raw_path
        query = parse_connect_query(raw_path.partition("?")[2])
        try:
            link = self.service.admit(query)
        except HandshakeError as exc:
            log.info("sdk handshake refused status=%s process=%s: %s", exc.status, query.process_id, exc.message)
            return web.json_response({"message": exc.message}, status=exc.status)
        ws = web.WebSocketResponse(max_msg_size=protocol.MAX_FRAME_BYTES, autoping=True, compress=False)
        await ws.prepare(request)
        scheme = "wss" if request.secure else "ws"
        socket = AiohttpSocket(ws, f"{scheme}://{request.host}{raw_path.partition('?')[0]}", query.idempotency_token,
                               query.auth_token)
        self.service.attach(link, socket)
        code: int | None = None
        try:
            async for message in ws:
                if message.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    socket.begin_reply()
                    frame = await self.service.handle_frame(link, message.data)
                    await socket.reply(protocol.encode(frame))
                elif message.type == WSMsgType.ERROR:
                    break
            code = ws.close_code
        finally:
            await socket.finish()
            self.service.detach(link, socket, code)
        return ws


def attach_endpoint(emulator: Emulator) -> SdkWebSocketEndpoint:
    """Build the endpoint and make its service one of the emulator's (reset, stop and counts reach it)."""
    service = SdkEndpointService(emulator)
    emulator.sdk_endpoint = service  # type: ignore[attr-defined]
    emulator.services["sdk_endpoint"] = service  # type: ignore[assignment]
    return SdkWebSocketEndpoint(service)
