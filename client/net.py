"""The game connection: one WebSocket to the game server, on asyncio, apart from any rendering.

``GameConnection.open`` connects, sends JOIN with the player session id the backend handed out and
waits for WELCOME (or a close that says why not). ``run`` then receives until the connection ends,
stamping each decoded message with the local receive time (``time.monotonic``) before queueing
it: the stamp, not the moment the game loop gets round to it, is what ping and the server clock
estimate need. Inputs go out through a send queue and one writer task, so a caller on the game
loop (or on another thread via ``call_soon_threadsafe``) never waits on the socket. A ping goes
out every second; PONG echoes our clock, so the round trip needs no bookkeeping.

The queue is a ``queue.SimpleQueue``: the pygame thread and a bot's coroutine drain it alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import time
from dataclasses import dataclass

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from client.errors import ConnectionFailed
from server import protocol
from server.protocol import CloseCode

log = logging.getLogger("client.net")

PING_INTERVAL = 1.0


@dataclass(frozen=True)
class Received:
    message: protocol.ServerMessage
    at: float  # time.monotonic() when it arrived


@dataclass(frozen=True)
class Closed:
    """The connection ended. ``message`` is for the player; ``expected`` is False for anything that went wrong."""

    code: int | None
    reason: str
    message: str
    expected: bool
    at: float


# Close codes in a player's words, and whether the player should see them as a problem.
CLOSE_MESSAGES: dict[int, tuple[str, bool]] = {
    CloseCode.NORMAL: ("You left the game.", True),
    CloseCode.GAME_OVER: ("The game is over. Thanks for playing!", True),
    CloseCode.GOING_AWAY: ("The game server is shutting down.", True),
    CloseCode.SERVER_SHUTTING_DOWN: ("The game server is shutting down.", True),
    CloseCode.PLAYER_SESSION_UNKNOWN: ("The game server did not recognise your seat. Try quick play again.", False),
    CloseCode.PLAYER_SESSION_IN_USE: ("That seat was already used. Try quick play again.", False),
    CloseCode.PLAYER_SESSION_EXPIRED: ("Your seat expired before you connected. Try again.", False),
    CloseCode.PLAYER_SESSION_WRONG_GAME: ("That seat belongs to another game. Try again.", False),
    CloseCode.GAME_FULL: ("The game is full. Try another one.", False),
    CloseCode.NOT_ACCEPTING: ("No game is running on that server any more. Try again.", False),
    CloseCode.SLOW_CONSUMER: ("Your connection was too slow to keep up with the game.", False),
    CloseCode.RATE_LIMITED: ("The server closed the connection: the client sent too much.", False),
    CloseCode.UNSUPPORTED_VERSION: ("This client is out of date for that server. Please update.", False),
    CloseCode.INTERNAL_ERROR: ("The game server had a problem and closed the game.", False),
}


def describe_close(code: int | None, reason: str) -> tuple[str, bool]:
    """A sentence for the player, and whether the close was a normal end rather than a failure."""
    if code in CLOSE_MESSAGES:
        return CLOSE_MESSAGES[code]
    if code is None or code == 1006:
        return "Lost the connection to the game server.", False
    detail = f" ({reason})" if reason else ""
    return f"The game server closed the connection{detail}.", False


def clock_ms(at: float) -> int:
    return int(at * 1000) & 0xFFFFFFFF


def round_trip(sent_ms: int, received_at: float) -> float:
    """Seconds between a ping's echoed ``client_time_ms`` and its PONG's arrival (u32 wrap-safe)."""
    return ((clock_ms(received_at) - sent_ms) & 0xFFFFFFFF) / 1000.0


class GameConnection:
    def __init__(self, url: str, player_session_id: str, *, connect_timeout: float = 10.0) -> None:
        self.url = url
        self.player_session_id = player_session_id
        self.connect_timeout = connect_timeout
        self.inbox: queue.SimpleQueue[Received | Closed] = queue.SimpleQueue()
        self.welcome: protocol.Welcome | None = None
        self.closed: Closed | None = None
        self.sent = 0
        self.received = 0
        self.bytes_in = 0
        self.bytes_out = 0
        self._ws: ClientConnection | None = None
        self._outbox: asyncio.Queue[bytes] = asyncio.Queue(maxsize=256)
        self._tasks: list[asyncio.Task[None]] = []

    # -- lifecycle -------------------------------------------------------------------------------
    async def open(self) -> protocol.Welcome:
        """Connect and join; the WELCOME, or ConnectionFailed with the server's reason in a player's words."""
        try:
            self._ws = await asyncio.wait_for(
                connect(self.url, max_size=protocol.MAX_SERVER_MESSAGE_BYTES, compression=None, open_timeout=None),
                self.connect_timeout,
            )
        except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as exc:
            log.info("event=connect_failed url=%s error=%r", self.url, exc)
            raise ConnectionFailed(f"Cannot reach the game server at {self.url}.") from None
        ws = self._ws
        try:
            await ws.send(protocol.encode_client(protocol.Join(self.player_session_id)))
            frame = await asyncio.wait_for(ws.recv(), self.connect_timeout)
        except ConnectionClosed as exc:
            code, reason = _close_of(exc)
            message, _ = describe_close(code, reason)
            raise ConnectionFailed(message) from None
        except TimeoutError:
            await ws.close()
            raise ConnectionFailed("The game server did not answer. Try again.") from None
        at = time.monotonic()
        message = protocol.decode_server(_bytes(frame))
        if not isinstance(message, protocol.Welcome):
            await ws.close(CloseCode.PROTOCOL_ERROR, "expected WELCOME")
            raise ConnectionFailed("The game server answered something unexpected.")
        self.welcome = message
        self.received += 1
        self.inbox.put(Received(message, at))
        return message

    def start(self) -> None:
        """Start receiving, sending and pinging in the background (after ``open``)."""
        self._tasks = [
            asyncio.create_task(self._reader(), name="game-reader"),
            asyncio.create_task(self._writer(), name="game-writer"),
            asyncio.create_task(self._pinger(), name="game-pinger"),
        ]

    async def run(self) -> Closed:
        """``start`` and wait until the connection ends."""
        self.start()
        return await self.wait_closed()

    async def wait_closed(self) -> Closed:
        await asyncio.gather(*self._tasks, return_exceptions=True)
        assert self.closed is not None
        return self.closed

    async def close(self, code: int = CloseCode.NORMAL, reason: str = "player left") -> None:
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close(code, reason)
        for task in self._tasks:
            if task is not asyncio.current_task():
                task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.closed is None:
            self._finish(code, reason, local=True)

    # -- sending ---------------------------------------------------------------------------------
    def send(self, message: protocol.ClientMessage) -> bool:
        """Queue a frame (call on the connection's loop). False if it was dropped: closed, or a full queue."""
        if self.closed is not None:
            return False
        try:
            self._outbox.put_nowait(protocol.encode_client(message))
        except asyncio.QueueFull:
            return False
        return True

    # -- tasks -----------------------------------------------------------------------------------
    async def _reader(self) -> None:
        assert self._ws is not None
        try:
            async for frame in self._ws:
                at = time.monotonic()
                data = _bytes(frame)
                self.received += 1
                self.bytes_in += len(data)
                try:
                    message = protocol.decode_server(data)
                except protocol.ProtocolError as exc:
                    log.warning("event=bad_server_frame error=%s", exc)
                    continue
                self.inbox.put(Received(message, at))
        except ConnectionClosed:
            pass
        finally:
            code, reason = (self._ws.close_code, self._ws.close_reason or "") if self._ws else (None, "")
            self._finish(code, reason)
            for task in self._tasks:
                if task is not asyncio.current_task():
                    task.cancel()

    async def _writer(self) -> None:
        assert self._ws is not None
        with contextlib.suppress(ConnectionClosed, asyncio.CancelledError):
            while True:
                data = await self._outbox.get()
                await self._ws.send(data)
                self.sent += 1
                self.bytes_out += len(data)

    async def _pinger(self) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            while self.closed is None:
                self.send(protocol.Ping(clock_ms(time.monotonic())))
                await asyncio.sleep(PING_INTERVAL)

    def _finish(self, code: int | None, reason: str, local: bool = False) -> None:
        if self.closed is not None:
            return
        if local:
            message, expected = "You left the game.", True
        else:
            message, expected = describe_close(code, reason)
        self.closed = Closed(code, reason, message, expected, time.monotonic())
        log.info("event=closed code=%s reason=%r", code, reason)
        self.inbox.put(self.closed)


def _close_of(exc: ConnectionClosed) -> tuple[int | None, str]:
    frame = exc.rcvd or exc.sent
    return (frame.code, frame.reason) if frame else (None, "")


def _bytes(frame: str | bytes) -> bytes:
    return frame.encode() if isinstance(frame, str) else bytes(frame)
