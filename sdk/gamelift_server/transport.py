"""The connection manager: a logical connection to the SDK endpoint, kept alive over successive WebSockets.

The protocol needs more than one socket over a process's life:

- **reconnect**: when a socket closes with any code other than 1000/1001 (or the TCP connection just drops), the
  official SDKs reconnect to the same URL, same auth token and same IdempotencyToken; 1000/1001 means the service wants
  the process gone and nothing is retried. The API layer also asks for a reconnect after consecutive request timeouts
  (a half-open socket gives no close at all).
- **switch** (RefreshConnection): open a second socket to a new URL, move traffic to it, and close the old one only
  after a grace period during which frames still arriving on it are processed.

Frames from every open socket go to one ``on_frame`` callback, in arrival order per socket, straight from the socket's
``data_received`` (``websocket.py``): no reader task. Sends always go to the newest socket: ``send_now`` writes at once
when it is open and not backed up (the request hot path), ``send`` also waits through a reconnect when no socket is up
(the caller's timeout bounds the wait), which is the official SDKs' "retry the write around a reconnect" behaviour.

Keepalive pings and permessage-deflate are never used, as in the official SDKs: liveness is the protocol's own
heartbeat, and the real endpoint (API Gateway) does not negotiate compression.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import urlsplit

from . import rfc6455, websocket
from .errors import (
    GameLiftError,
    GameLiftServerNotInitialized,
    WebsocketConnectFailure,
    WebsocketConnectFailureForbidden,
    WebsocketConnectFailureInvalidUrl,
    WebsocketConnectFailureTimeout,
    WebsocketSendMessageFailure,
)
from .timing import Timings
from .websocket import ClientWebSocket

log = logging.getLogger("gamelift_server")

NORMAL_CLOSE_CODES = frozenset({1000, 1001})
MAX_FRAME_BYTES = 4 * 1024 * 1024  # GameSessionData (256 KiB) + MatchmakerData (390 kB) fit with room to spare


def redact(url: str) -> str:
    """The URL without its query, which holds the auth token or a signature."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


class Transport:
    def __init__(self, on_frame: Callable[[str | bytes], None], timings: Timings, user_agent: str) -> None:
        self._on_frame = on_frame
        self._timings = timings
        self._user_agent = user_agent
        self._url = ""
        self._current: ClientWebSocket | None = None
        self._changed = asyncio.Condition()
        self._connect_lock = asyncio.Lock()
        # Set once, when the connection is over for good: closed by destroy() or by the service (1000/1001).
        self._final_error: GameLiftError | None = None
        self._reconnect_task: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()
        self.connections_opened = 0

    @property
    def connected(self) -> bool:
        return self._current is not None

    @property
    def url(self) -> str:
        return self._url

    # --- opening ---------------------------------------------------------------------------------------------------

    async def connect(self, url: str) -> None:
        """The first connection; raises a WebsocketConnectFailure once the retries are spent."""
        async with self._connect_lock:
            conn = await self._open_with_retries(url)
            self._url = url
            await self._install(conn)

    async def _open_with_retries(self, url: str) -> ClientWebSocket:
        delays = [0.0, *self._timings.connect_delays()]
        error: WebsocketConnectFailure | None = None
        for attempt, delay in enumerate(delays):
            if delay:
                await asyncio.sleep(delay)
            try:
                return await self._open(url)
            except WebsocketConnectFailureInvalidUrl:
                raise
            except WebsocketConnectFailure as failure:
                error = failure
                log.warning("event=connect_failed attempt=%d url=%s error=%s", attempt + 1, redact(url), failure)
        assert error is not None
        raise error

    async def _open(self, url: str) -> ClientWebSocket:
        try:
            async with asyncio.timeout(self._timings.connect_timeout):
                conn = await websocket.connect(url, on_message=self._deliver, user_agent=self._user_agent,
                                               max_message_bytes=MAX_FRAME_BYTES)
        except websocket.InvalidUrl as exc:
            raise WebsocketConnectFailureInvalidUrl(f"invalid WebSocket URL {redact(url)}: {exc}") from None
        except rfc6455.HandshakeFailed as exc:
            status = exc.status
            if status is None or status == 101:  # no HTTP at all, or a 101 that fails the checks
                raise WebsocketConnectFailure(f"invalid handshake: {exc.message}") from exc
            kind = WebsocketConnectFailureForbidden if status in (401, 403) else WebsocketConnectFailure
            raise kind(f"handshake refused with HTTP {status}: {exc.body[:200]}".strip(), status_code=status) from exc
        except TimeoutError as exc:
            raise WebsocketConnectFailureTimeout(f"no handshake within {self._timings.connect_timeout}s") from exc
        except Exception as exc:  # refused, reset, DNS, TLS, proxy: all retried
            raise WebsocketConnectFailure(f"{type(exc).__name__}: {exc}") from exc
        self.connections_opened += 1
        return conn

    def _deliver(self, message: str | bytes) -> None:
        try:
            self._on_frame(message)
        except Exception:  # a bug in frame handling must not kill the socket
            log.exception("event=frame_handler_failed")

    async def _install(self, conn: ClientWebSocket) -> ClientWebSocket | None:
        """Make ``conn`` the socket sends go to; watch for its close; return the socket it replaced."""
        old, self._current = self._current, conn
        self._spawn(self._watch(conn))
        await self._notify()
        log.info("event=connected url=%s connection=%d", redact(self._url), self.connections_opened)
        return old

    # --- closes ----------------------------------------------------------------------------------------------------

    async def _watch(self, conn: ClientWebSocket) -> None:
        """Frames arrive without us (``_deliver``); this only learns how the socket ended and acts on it."""
        code = await conn.closed
        if conn is not self._current:
            return  # replaced (reconnect/refresh) or closed by destroy: nothing to do
        self._current = None
        if self._final_error is not None:
            return
        if code in NORMAL_CLOSE_CODES:
            log.warning("event=closed_by_service code=%d", code)
            await self._finish(WebsocketSendMessageFailure(f"the service closed the connection with code {code}"))
            return
        log.warning("event=connection_lost code=%d", code)
        self.reconnect_soon(f"connection closed with code {code}")
        await self._notify()

    # --- reconnecting and switching -------------------------------------------------------------------------------

    def reconnect_soon(self, reason: str) -> None:
        """Reconnect to the current URL in the background, unless that is already happening or we are finished."""
        if self._final_error is not None or (self._reconnect_task and not self._reconnect_task.done()):
            return
        failed = self._current
        self._reconnect_task = asyncio.get_running_loop().create_task(self._reconnect(failed, reason))

    async def _reconnect(self, failed: ClientWebSocket | None, reason: str) -> None:
        async with self._connect_lock:
            if self._final_error is not None or (self._current is not None and self._current is not failed):
                return
            log.info("event=reconnecting reason=%r url=%s", reason, redact(self._url))
            try:
                conn = await self._open_with_retries(self._url)
            except WebsocketConnectFailure as exc:
                # The next send will ask again; until then, requests wait (bounded by their own timeouts).
                log.error("event=reconnect_failed error=%s", exc)
                return
            if self._final_error is not None:
                await conn.close()
                return
            old = await self._install(conn)
        if old is not None:
            self._spawn(self._close_quietly(old, 0.0))

    async def switch(self, url: str) -> bool:
        """RefreshConnection: move to ``url``; the old socket keeps delivering frames for refresh_close_delay."""
        async with self._connect_lock:
            if self._final_error is not None:
                return False
            try:
                conn = await self._open_with_retries(url)
            except WebsocketConnectFailure as exc:
                log.error("event=refresh_failed url=%s error=%s", redact(url), exc)
                return False
            if self._final_error is not None:
                await conn.close()
                return False
            self._url = url
            old = await self._install(conn)
        if old is not None:
            self._spawn(self._close_quietly(old, self._timings.refresh_close_delay))
        return True

    async def _close_quietly(self, conn: ClientWebSocket, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        with contextlib.suppress(Exception):
            await conn.close()

    # --- sending ---------------------------------------------------------------------------------------------------

    def send_now(self, text: str | bytes) -> bool:
        """Write on the newest socket if it is open and not backed up; False means "use ``send``"."""
        conn = self._current
        if conn is None or self._final_error is not None or conn.write_paused:
            return False
        return conn.send_text(text)

    async def send(self, text: str | bytes) -> None:
        """Send on the newest socket, waiting through a reconnect if needed; the caller bounds the wait."""
        while True:
            if self._final_error is not None:
                raise type(self._final_error)(self._final_error.message)  # a fresh one per call, not a shared one
            conn = self._current
            if conn is None:
                self.reconnect_soon("send while disconnected")
                await self._wait_for(lambda: self._current is not None or self._final_error is not None)
                continue
            if conn.send_text(text):
                if conn.write_paused:
                    await conn.drain()
                return
            # Closing: this socket's watcher decides what its close means (reconnect, or the service's goodbye).
            await self._wait_for(lambda: self._current is not conn or self._final_error is not None)  # noqa: B023

    # --- closing ---------------------------------------------------------------------------------------------------

    async def close(self) -> None:
        """destroy(): close every socket and never reconnect."""
        await self._finish(GameLiftServerNotInitialized("the SDK was destroyed"))
        conn, self._current = self._current, None
        if self._reconnect_task is not None and self._reconnect_task is not asyncio.current_task():
            self._reconnect_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reconnect_task
        if conn is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), timeout=self._timings.connect_timeout)
        for task in list(self._background):
            if task is not asyncio.current_task():
                task.cancel()
        await asyncio.gather(*(t for t in self._background if t is not asyncio.current_task()),
                             return_exceptions=True)

    async def _finish(self, error: GameLiftError) -> None:
        if self._final_error is None:
            self._final_error = error
        await self._notify()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _wait_for(self, predicate: Callable[[], bool]) -> None:
        async with self._changed:
            await self._changed.wait_for(predicate)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
