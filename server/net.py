"""Player connections: the WebSocket listener, per-connection send queues, and reading frames within the limits.

Sending: the tick never awaits a socket. :class:`Connection.send` puts a frame on the connection's bounded queue and
returns at once; one writer task per connection drains it. When the queue is full a snapshot is skipped (the client
keeps acking an older one and the next delta is simply larger), and a player who keeps falling behind, or whose
queue overflows with a frame that cannot be skipped, is closed with SLOW_CONSUMER. One slow player costs the others
nothing.

Receiving: :func:`receive_join` waits for the first frame, which must be JOIN; :func:`read_messages` then decodes
frames until the connection ends, closing it (only it) on a malformed, oversized or too-frequent frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from server import protocol
from server.protocol import CloseCode, LeaveReason
from server.ratelimit import TokenBucket

log = logging.getLogger("server.net")

QUEUE_FRAMES = 48  # ~2 s of snapshots plus other messages
QUEUE_BYTES = 512 * 1024
SLOW_SKIP_LIMIT = 40  # snapshots skipped in a row (2 s at 20 Hz) before the player is dropped
FLUSH_SECONDS = 2.0  # how long a closing connection may take to deliver its last frames
# The library's own frame limit sits above the protocol's, so that oversized frames reach decode_client and get the
# protocol's close code; anything larger still is cut off by the library (1009).
LIBRARY_MAX_SIZE = 4 * protocol.MAX_CLIENT_MESSAGE_BYTES


class Refused(Exception):
    """A connection the server will not play with, and the close code that says why."""

    def __init__(self, code: CloseCode, detail: str = "") -> None:
        super().__init__(f"{code.name}: {detail}" if detail else code.name)
        self.code = code
        self.detail = detail


class Connection:
    """One player's WebSocket with a bounded send queue (the :class:`server.match.Outbox` shape)."""

    def __init__(self, ws: ServerConnection) -> None:
        self.ws = ws
        self.peer = _peer(ws)
        self._queue: deque[bytes] = deque()
        self._queued_bytes = 0
        self._wake = asyncio.Event()
        self._flush = True
        self.closing: tuple[CloseCode, str] | None = None
        self.skipped_in_row = 0
        self.bytes_sent = 0
        self.frames_sent = 0
        self._writer = asyncio.get_running_loop().create_task(self._write(), name=f"writer-{self.peer}")

    def send(self, frame: bytes, droppable: bool = False) -> bool:
        if self.closing is not None:
            return False
        if len(self._queue) >= QUEUE_FRAMES or self._queued_bytes + len(frame) > QUEUE_BYTES:
            if droppable:
                self.skipped_in_row += 1
                if self.skipped_in_row > SLOW_SKIP_LIMIT:
                    self.close(CloseCode.SLOW_CONSUMER, f"{self.skipped_in_row} snapshots behind", flush=False)
                return False
            self.close(CloseCode.SLOW_CONSUMER, "send queue full", flush=False)
            return False
        if droppable:
            self.skipped_in_row = 0
        self._queue.append(frame)
        self._queued_bytes += len(frame)
        self._wake.set()
        return True

    def close(self, code: CloseCode, detail: str = "", flush: bool = False) -> None:
        """Close with ``code``; with ``flush`` the frames already queued (e.g. SERVER_CLOSING) go out first."""
        if self.closing is not None:
            return
        self.closing = (code, protocol.close_reason(code, detail))
        self._flush = flush
        if not flush:
            self._queue.clear()
        self._wake.set()

    @property
    def close_code(self) -> CloseCode | None:
        return self.closing[0] if self.closing else None

    async def wait_closed(self) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(self._writer)

    async def _write(self) -> None:
        try:
            while True:
                while self._queue:
                    frame = self._queue.popleft()
                    self._queued_bytes -= len(frame)
                    if self.closing is not None and self._flush:
                        async with asyncio.timeout(FLUSH_SECONDS):
                            await self.ws.send(frame)
                    else:
                        await self.ws.send(frame)
                    self.bytes_sent += len(frame)
                    self.frames_sent += 1
                if self.closing is not None:
                    code, reason = self.closing
                    await self.ws.close(int(code), reason)
                    return
                self._wake.clear()
                await self._wake.wait()
        except (ConnectionClosed, TimeoutError):
            if self.closing is not None:
                with contextlib.suppress(Exception):
                    await self.ws.close(int(self.closing[0]), self.closing[1])
        except Exception:
            log.exception("event=writer_failed peer=%s", self.peer)
            with contextlib.suppress(Exception):
                await self.ws.close(int(CloseCode.INTERNAL_ERROR), "internal server error")


def _peer(ws: ServerConnection) -> str:
    address = ws.remote_address
    if isinstance(address, tuple) and len(address) >= 2:
        return f"{address[0]}:{address[1]}"
    return str(address)


async def receive_join(ws: ServerConnection) -> protocol.Join:
    """The first frame, which must be JOIN, within JOIN_TIMEOUT_S. Raises Refused (or ConnectionClosed)."""
    try:
        async with asyncio.timeout(protocol.JOIN_TIMEOUT_S):
            frame = await ws.recv()
    except TimeoutError:
        raise Refused(CloseCode.JOIN_REQUIRED, f"no JOIN within {protocol.JOIN_TIMEOUT_S:g}s") from None
    try:
        message = protocol.decode_client(frame)  # type: ignore[arg-type]
    except protocol.ProtocolError as exc:
        raise Refused(exc.close_code, str(exc)) from None
    if not isinstance(message, protocol.Join):
        raise Refused(CloseCode.JOIN_REQUIRED, f"first message was {type(message).__name__}")
    return message


async def read_messages(ws: ServerConnection, connection: Connection,
                        deliver: Callable[[protocol.ClientMessage], None],
                        clock: Callable[[], float] = time.monotonic) -> LeaveReason:
    """Decode and deliver frames until the connection ends; returns why the player is leaving."""
    limiter = TokenBucket(protocol.MAX_CLIENT_MESSAGES_PER_S, protocol.MAX_CLIENT_BURST, clock())
    try:
        async for frame in ws:
            if connection.closing is not None:
                break
            if not limiter.allow(clock()):
                connection.close(CloseCode.RATE_LIMITED,
                                 f"over {protocol.MAX_CLIENT_MESSAGES_PER_S:g} messages/s")
                return LeaveReason.KICKED
            try:
                message = protocol.decode_client(frame)  # type: ignore[arg-type]
            except protocol.ProtocolError as exc:
                connection.close(exc.close_code, str(exc))
                return LeaveReason.KICKED
            deliver(message)
    except ConnectionClosed as exc:
        if connection.closing is not None:  # the server closed it (the client just answered the close)
            return _leave_reason(connection.close_code)
        if exc.sent is not None and exc.sent.code == CloseCode.MESSAGE_TOO_BIG:
            return LeaveReason.KICKED  # the library's own size limit
        code = exc.rcvd.code if exc.rcvd else None
        return LeaveReason.LEFT if code in (1000, 1001) else LeaveReason.DISCONNECTED
    return _leave_reason(connection.close_code)


_LEAVING_NORMALLY = frozenset({CloseCode.NORMAL, CloseCode.GOING_AWAY, CloseCode.SERVER_SHUTTING_DOWN,
                               CloseCode.GAME_OVER})


def _leave_reason(code: CloseCode | None) -> LeaveReason:
    """Why a player whose connection the server closed (or who stopped sending) is leaving."""
    if code is None or code in _LEAVING_NORMALLY:
        return LeaveReason.LEFT
    if code is CloseCode.SLOW_CONSUMER:
        return LeaveReason.SLOW
    return LeaveReason.KICKED


# --- the listener -------------------------------------------------------------------------------------------------


def parse_port_range(text: str) -> range:
    """``"33430-33630"`` -> range(33430, 33631); raises ValueError with the reason."""
    try:
        low_text, high_text = text.split("-", 1)
        low, high = int(low_text), int(high_text)
    except ValueError:
        raise ValueError(f"port range {text!r} is not FROM-TO") from None
    if not 1 <= low <= high <= 65535:
        raise ValueError(f"port range {text!r} must satisfy 1 <= FROM <= TO <= 65535")
    return range(low, high + 1)


@dataclass
class Listener:
    server: Server
    port: int

    def close(self) -> None:
        self.server.close(close_connections=False)

    async def wait_closed(self) -> None:
        await self.server.wait_closed()


async def listen(handler: Callable[[ServerConnection], Awaitable[None]], host: str,
                 ports: Sequence[int]) -> Listener:
    """Serve WebSockets on the first port of ``ports`` that is free (0 = any). Raises OSError if none is."""
    last_error: OSError | None = None
    for port in ports:
        try:
            server = await serve(handler, host, port, max_size=LIBRARY_MAX_SIZE, compression=None,
                                 close_timeout=FLUSH_SECONDS, ping_interval=10, ping_timeout=20)
        except OSError as exc:
            if exc.errno not in (errno.EADDRINUSE, errno.EACCES):
                raise
            last_error = exc
            continue
        bound = server.sockets[0].getsockname()[1] if server.sockets else port
        return Listener(server, bound)
    raise OSError(errno.EADDRINUSE, f"no free port among {len(ports)} ({ports[0]}-{ports[-1]})") from last_error
