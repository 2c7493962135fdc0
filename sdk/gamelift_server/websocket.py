"""One WebSocket to the service on the SDK's own RFC 6455 code (``rfc6455``): open it, send on it, close it.

Why not a WebSocket library's connection: a request's round trip is this SDK's hot path (AcceptPlayerSession when a
player connects), and a general-purpose connection spends most of it on machinery the protocol does not use: an
awaited send context per message, a queue between the socket and a reader task resumed per message. Here a send is
one masked write, and each inbound message is handed to a callback from ``data_received``, so a reply resolves its
waiter in the same event-loop turn it arrives in.

Opening (``connect``): ws:// or wss:// (the system's CA store verifies the certificate, as the official SDKs do),
through an HTTP CONNECT proxy from the environment (``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY``, as Go's
``ProxyFromEnvironment``) unless the host is loopback, then the opening handshake; a refusal is raised with its HTTP
status and the start of its body. Closing: our close frame, then the server closes TCP (we drop it after
``CLOSE_TIMEOUT_SECONDS`` if it does not). Flow control: ``write_paused`` and ``drain`` when the kernel buffer is full.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ipaddress
import logging
import ssl
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from . import rfc6455

log = logging.getLogger("gamelift_server")

CONNECTING, OPEN, CLOSING, CLOSED = range(4)
# After the close frames, how long the server has to close the TCP connection before we drop it.
CLOSE_TIMEOUT_SECONDS = 5.0
# How much of a refused handshake's body is kept for the error message.
MAX_ERROR_BODY = 4096


class InvalidUrl(ValueError):
    """A WebSocket URL that cannot be connected to; the message never repeats the query (it holds credentials)."""


class ProxyError(ConnectionError):
    """The proxy refused or broke the CONNECT tunnel."""


@dataclass(frozen=True)
class Target:
    secure: bool
    host: str
    port: int
    resource: str  # path and query, as sent in the request line

    @property
    def authority(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def host_header(self) -> str:
        default = 443 if self.secure else 80
        return self.authority if self.port != default else self.authority.rsplit(":", 1)[0]


def parse_url(url: str) -> Target:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidUrl(str(exc).split("'")[0].strip() or "malformed URL") from None
    if parts.scheme not in ("ws", "wss"):
        raise InvalidUrl(f"scheme {parts.scheme!r} is not ws or wss")
    if not parts.hostname:
        raise InvalidUrl("no host")
    secure = parts.scheme == "wss"
    resource = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if any(c in resource for c in " \r\n"):
        raise InvalidUrl("the path or query contains whitespace")
    return Target(secure, parts.hostname, port or (443 if secure else 80), resource)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def proxy_for(target: Target) -> str | None:
    """The proxy URL the environment names for this target, if any (NO_PROXY honoured)."""
    if is_loopback(target.host) or urllib.request.proxy_bypass(target.authority):
        return None
    proxies = urllib.request.getproxies()
    for scheme in ("wss", "https") if target.secure else ("ws", "http", "https"):
        if proxies.get(scheme):
            return proxies[scheme]
    return None


class ConnectionClosed(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(f"the WebSocket is closed (code {code})")
        self.code = code


class ClientWebSocket(asyncio.Protocol):
    """The connection: ``opened`` resolves once the 101 checks out, ``closed`` with the close code the server sent
    (1005 for a close without one, 1006 when the connection dropped without a close frame)."""

    def __init__(
        self, on_message: Callable[[str | bytes], None], target: Target, user_agent: str, max_message_bytes: int
    ) -> None:
        self._on_message = on_message
        self._key = rfc6455.new_key()
        self._request = rfc6455.opening_request(target.resource, target.host_header, self._key, user_agent)
        self._reader = rfc6455.FrameReader(max_message_bytes, masked=False)  # a server never masks
        self._masks = rfc6455.MaskKeys()
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[None] = loop.create_future()
        self.closed: asyncio.Future[int] = loop.create_future()
        self.state = CONNECTING
        self.transport: asyncio.Transport | None = None
        self._head = bytearray()
        self._refused: int | None = None  # a non-101 status whose body is being read
        self._body_length: int | None = None
        self._close_code: int | None = None
        self._close_timer: asyncio.TimerHandle | None = None
        self._write_paused = False
        self._drained: asyncio.Future[None] | None = None

    # -- asyncio.Protocol -------------------------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self._request)

    def data_received(self, data: bytes) -> None:
        if self.state == CONNECTING:
            self._handshake(data)
        else:
            self._frames(data)

    def eof_received(self) -> bool | None:
        if self.state == CONNECTING and self._refused is not None:
            self._refusal_read(eof=True)
        return None

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        self._wake_drain()

    def connection_lost(self, exc: Exception | None) -> None:
        self.state = CLOSED
        if self._close_timer is not None:
            self._close_timer.cancel()
        if not self.opened.done():
            self.opened.set_exception(exc or ConnectionError("the connection closed during the WebSocket handshake"))
            self.opened.exception()  # retrieved here: whoever awaits it still gets it
        if not self.closed.done():
            self.closed.set_result(self._close_code if self._close_code is not None else rfc6455.CLOSE_ABNORMAL)
        self._wake_drain()

    # -- the opening handshake -------------------------------------------------------------------------------------
    def _handshake(self, data: bytes) -> None:
        self._head += data
        if self._refused is not None:
            self._refusal_read()
            return
        end = self._head.find(b"\r\n\r\n")
        if end < 0:
            if len(self._head) > rfc6455.MAX_RESPONSE_HEAD:
                self._handshake_failed(rfc6455.HandshakeFailed("the server's response head is too long"))
            return
        raw, rest = bytes(self._head[:end]), bytes(self._head[end + 4 :])
        try:
            status, headers = rfc6455.parse_response_head(raw)
            if status != 101:
                self._refused = status
                length = headers.get("content-length", "")
                self._body_length = int(length) if length.isdigit() else None
                self._head = bytearray(rest)
                self._refusal_read()
                return
            rfc6455.check_switch(status, headers, self._key)
        except rfc6455.HandshakeFailed as exc:
            self._handshake_failed(exc)
            return
        self._head = bytearray()
        self.state = OPEN
        self.opened.set_result(None)
        if rest:
            self._frames(rest)

    def _refusal_read(self, eof: bool = False) -> None:
        """Wait for a refusal's body (its Content-Length, or until the server closes), then fail with it."""
        wanted = MAX_ERROR_BODY if self._body_length is None else min(self._body_length, MAX_ERROR_BODY)
        if not eof and len(self._head) < wanted:
            return
        status = self._refused
        body = bytes(self._head[:MAX_ERROR_BODY]).decode("utf-8", "replace")
        self._handshake_failed(rfc6455.HandshakeFailed(f"the server answered HTTP {status}", status, body))

    def _handshake_failed(self, exc: rfc6455.HandshakeFailed) -> None:
        if not self.opened.done():
            self.opened.set_exception(exc)
            self.opened.exception()
        self.state = CLOSING
        if self.transport is not None:
            self.transport.close()

    # -- frames in --------------------------------------------------------------------------------------------------
    def _frames(self, data: bytes) -> None:
        try:
            events = self._reader.feed(data)
        except rfc6455.ProtocolViolation as exc:
            log.warning("event=websocket_failed code=%d reason=%s", exc.close_code, exc.reason)
            self._fail(exc.close_code, exc.reason)
            return
        for opcode, payload in events:
            if opcode == rfc6455.TEXT or opcode == rfc6455.BINARY:
                self._on_message(payload)
            elif opcode == rfc6455.PING:
                if self.state == OPEN:
                    self._write_frame(rfc6455.PONG, payload)  # type: ignore[arg-type]
            elif opcode == rfc6455.CLOSE:
                self._close_received(payload)  # type: ignore[arg-type]

    def _close_received(self, payload: bytes) -> None:
        code, _reason = rfc6455.parse_close(payload)
        self._close_code = code
        if self.state == OPEN:
            self.state = CLOSING
            self._write_frame(rfc6455.CLOSE, rfc6455.close_payload(code))  # the echo (none for none, §5.5.1)
        self._expect_tcp_close()

    def _fail(self, code: int, reason: str) -> None:
        if self.state == OPEN:
            self._write_frame(rfc6455.CLOSE, rfc6455.close_payload(code, reason))
        self.state = CLOSING
        if self.transport is not None:
            self.transport.close()

    def _expect_tcp_close(self) -> None:
        """After the close frames the server closes TCP (RFC 6455 §7.1.1); if it does not, drop the connection."""
        if self._close_timer is None and self.transport is not None:
            self._close_timer = asyncio.get_running_loop().call_later(CLOSE_TIMEOUT_SECONDS, self.transport.abort)

    # -- frames out -------------------------------------------------------------------------------------------------
    def _write_frame(self, opcode: int, payload: bytes) -> None:
        assert self.transport is not None
        self.transport.write(rfc6455.encode_frame(opcode, payload, self._masks.next()))

    @property
    def write_paused(self) -> bool:
        return self._write_paused

    def send_text(self, text: str | bytes) -> bool:
        """Write one text message (a str, or its UTF-8) now; False when the connection is not open."""
        if self.state != OPEN:
            return False
        self._write_frame(rfc6455.TEXT, text.encode("utf-8") if isinstance(text, str) else text)
        return True

    async def drain(self) -> None:
        """Wait until the transport takes writes again (or the connection is gone)."""
        while self._write_paused and self.state != CLOSED:
            if self._drained is None:
                self._drained = asyncio.get_running_loop().create_future()
            await asyncio.shield(self._drained)

    def _wake_drain(self) -> None:
        waiter, self._drained = self._drained, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def close(self, code: int = rfc6455.CLOSE_NORMAL, reason: str = "") -> int:
        """The close handshake from our side; returns the code the connection closed with."""
        if self.state == OPEN:
            self.state = CLOSING
            self._write_frame(rfc6455.CLOSE, rfc6455.close_payload(code, reason))
            self._expect_tcp_close()
        elif self.state == CONNECTING:
            self.abort()
        return await asyncio.shield(self.closed)

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()


# -- opening --------------------------------------------------------------------------------------------------------


class _Tunnel(asyncio.Protocol):
    """An HTTP CONNECT through a proxy; ``ready`` resolves once the proxy answers 2xx."""

    def __init__(self, request: bytes) -> None:
        self._request = request
        self._head = bytearray()
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.write(self._request)

    def data_received(self, data: bytes) -> None:
        self._head += data
        end = self._head.find(b"\r\n\r\n")
        if self.ready.done() or end < 0:
            return
        status_line = bytes(self._head.split(b"\r\n", 1)[0]).decode("latin-1")
        parts = status_line.split(" ")
        if len(parts) < 2 or not parts[1].isdigit() or not 200 <= int(parts[1]) < 300:
            self.ready.set_exception(ProxyError(f"the proxy refused CONNECT: {status_line[:100]}"))
        elif end + 4 != len(self._head):
            self.ready.set_exception(ProxyError("the proxy sent data before the tunnel was used"))
        else:
            self.ready.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.ready.done():
            self.ready.set_exception(ProxyError("the proxy closed the connection during CONNECT"))


async def _through_proxy(proxy_url: str, target: Target, user_agent: str) -> asyncio.Transport:
    proxy = urlsplit(proxy_url)
    if proxy.scheme != "http" or not proxy.hostname:
        raise ProxyError(f"only http:// proxies are supported, not {proxy.scheme or proxy_url!r}")
    headers = f"Host: {target.authority}\r\nUser-Agent: {user_agent}\r\n"
    if proxy.username:
        credentials = f"{unquote(proxy.username)}:{unquote(proxy.password or '')}".encode()
        headers += f"Proxy-Authorization: Basic {base64.b64encode(credentials).decode()}\r\n"
    tunnel = _Tunnel(f"CONNECT {target.authority} HTTP/1.1\r\n{headers}\r\n".encode("latin-1"))
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_connection(lambda: tunnel, proxy.hostname, proxy.port or 80)
    try:
        await tunnel.ready
    except BaseException:
        transport.abort()
        raise
    return transport


async def connect(
    url: str, *, on_message: Callable[[str | bytes], None], user_agent: str, max_message_bytes: int
) -> ClientWebSocket:
    """Open a WebSocket to ``url``; InvalidUrl, rfc6455.HandshakeFailed, ProxyError or an OSError if it fails.

    The caller bounds the time (a cancellation drops whatever was opened so far).
    """
    target = parse_url(url)
    socket = ClientWebSocket(on_message, target, user_agent, max_message_bytes)
    context = ssl.create_default_context() if target.secure else None
    server_hostname = target.host if target.secure else None
    loop = asyncio.get_running_loop()
    proxy = proxy_for(target)
    if proxy is None:
        await loop.create_connection(lambda: socket, target.host, target.port, ssl=context,
                                     server_hostname=server_hostname)
    else:
        transport = await _through_proxy(proxy, target, user_agent)
        try:
            if context is not None:
                tls = await loop.start_tls(transport, socket, context, server_hostname=server_hostname)
                assert tls is not None
                transport = tls  # type: ignore[assignment]
            else:
                transport.set_protocol(socket)
        except BaseException:
            transport.abort()
            raise
        socket.connection_made(transport)
    try:
        await socket.opened
    except BaseException:
        with contextlib.suppress(Exception):
            socket.abort()
        raise
    return socket
