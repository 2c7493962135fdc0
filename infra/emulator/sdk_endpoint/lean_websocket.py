"""The SDK endpoint's own WebSocket connection: an asyncio.Protocol on the socket the HTTP front hands over.

Why not aiohttp's WebSocketResponse: there a request costs a reader task resumed per message, an awaited send and a
future hop through the store's group commit, and aiohttp's frame machinery around each. Here a frame is parsed in
``data_received`` (by ``sdk.gamelift_server.rfc6455``: the SDK's own RFC 6455 framing, in the server role), handled
synchronously by the service, and its reply written from the store's commit callback (``SdkEndpointService.answer``):
no task, no queue, one write per reply. Measured on AcceptPlayerSession (bench.fleet_start, one core shared by
client and emulator): ~46 us of emulator CPU per request against ~62 us on aiohttp's WebSocket, and a round trip
~16 us shorter.

Ordering and durability: replies and pushes both leave from ``Store.when_durable`` callbacks, which run in the order
they were registered, so frames go out in the order they were produced and none describes state a crash could take
back. A push is registered one loop step after it is made (``send``), because it is usually made inside an operation
whose writes are not staged yet (a heartbeat that makes the process ready and places a game session on it, a
CreateGameSession call): registered at once it would find nothing to wait for and leave before the commit. A close
asked for (``close``) or answered (the peer's close frame) waits for the frames already queued, as
``connections.Socket`` promises. A broken frame fails this connection only (RFC 6455 §7.1.7): a close frame with
1002/1007/1009, then the TCP connection is closed; other processes' sockets are untouched.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from infra.emulator.sdk_endpoint import protocol
from sdk.gamelift_server import rfc6455

if TYPE_CHECKING:
    from infra.emulator.sdk_endpoint.connections import ProcessLink
    from infra.emulator.sdk_endpoint.service import SdkEndpointService

log = logging.getLogger("gamelift_local.sdk")

# After our close frame, how long the peer has to answer with its own before the TCP connection is dropped.
CLOSE_TIMEOUT_SECONDS = 5.0


class LeanWebSocket(asyncio.Protocol):
    """One accepted SDK WebSocket: a ``connections.Socket`` for the service and the transport's protocol."""

    def __init__(
        self,
        service: SdkEndpointService,
        link: ProcessLink,
        transport: asyncio.Transport,
        *,
        endpoint: str,
        idempotency_token: str | None,
        auth_token: str | None,
        max_message_bytes: int = protocol.MAX_FRAME_BYTES,
    ) -> None:
        self.service = service
        self.link = link
        self.transport = transport
        self.endpoint = endpoint
        self.idempotency_token = idempotency_token
        self.auth_token = auth_token
        self._store = service.emulator.store
        self._reader = rfc6455.FrameReader(max_message_bytes, masked=True)  # a client always masks
        # Frames produced and waiting for their commit (replies and pushes): a close goes out after them.
        self._queued = 0
        self._close_wanted: tuple[int, str] | None = None
        self._close_sent = False
        self._peer_close_code: int | None = None
        self._lost = False
        self._attached = False
        self._close_timer: asyncio.TimerHandle | None = None

    # -- connections.Socket ------------------------------------------------------------------------------------------
    @property
    def open(self) -> bool:
        return self._close_wanted is None and not self._close_sent and not self._lost and not self._reader.closed

    def send(self, text: str) -> None:
        """A push: written once the state it reports is committed, in order with the replies."""
        if self.open:
            self._queued += 1
            asyncio.get_running_loop().call_soon(self._push_when_durable, text.encode("utf-8"))

    def _push_when_durable(self, payload: bytes) -> None:
        self._store.when_durable(lambda _error: self._dequeue(payload))

    def close(self, code: int, reason: str) -> None:
        if self._close_wanted is None and not self._close_sent and not self._lost:
            self._close_wanted = (code, reason)
            self._send_close_when_drained()

    # -- the service's view of the connection's life -------------------------------------------------------------
    def attach(self) -> None:
        self._attached = True
        self.service.attach(self.link, self)

    # -- asyncio.Protocol -------------------------------------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        try:
            events = self._reader.feed(data)
        except rfc6455.ProtocolViolation as exc:
            log.info("process=%s websocket failed code=%d: %s", self.link.process_id, exc.close_code, exc.reason)
            self.fail(exc.close_code, exc.reason)
            return
        for opcode, payload in events:
            if opcode == rfc6455.TEXT or opcode == rfc6455.BINARY:
                if self._close_wanted is not None or self._close_sent:
                    continue  # closing: no new requests (§5.5.1 lets the sender of a close ignore data after it)
                self._queued += 1
                self.service.answer(self.link, payload, self._reply)
            elif opcode == rfc6455.PING:
                if not self._close_sent:
                    self.transport.write(rfc6455.encode_frame(rfc6455.PONG, payload, None))  # type: ignore[arg-type]
            elif opcode == rfc6455.CLOSE:
                self._peer_closed(payload)  # type: ignore[arg-type]
            # PONG: we never ping, so there is nothing to match it with.

    def eof_received(self) -> bool | None:
        return None  # the transport closes itself; connection_lost follows

    def pause_writing(self) -> None:
        """The peer reads slower than we answer: stop taking requests until it catches up."""
        if not self._lost:
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        if not self._lost and not self.transport.is_closing():
            self.transport.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost = True
        if self._close_timer is not None:
            self._close_timer.cancel()
        if self._attached:
            self._attached = False
            self.service.detach(self.link, self, self._peer_close_code)

    # -- frames out -------------------------------------------------------------------------------------------------
    def _reply(self, frame: protocol.Frame) -> None:
        self._dequeue(protocol.encode_bytes(frame))

    def _dequeue(self, payload: bytes) -> None:
        self._queued -= 1
        if not self._close_sent and not self._lost:
            self.transport.write(rfc6455.encode_frame(rfc6455.TEXT, payload, None))
        self._send_close_when_drained()

    def _peer_closed(self, payload: bytes) -> None:
        code, _reason = rfc6455.parse_close(payload)
        self._peer_close_code = code
        if self._close_sent:
            self.transport.close()  # our close answered: the handshake is complete
            return
        if self._close_wanted is None:
            self._close_wanted = (code, "")  # echo the peer's code, or none if it sent none (§5.5.1)
        self._send_close_when_drained()

    def _send_close_when_drained(self) -> None:
        if self._close_wanted is None or self._close_sent or self._queued or self._lost:
            return
        code, reason = self._close_wanted
        self._close_sent = True
        self.transport.write(rfc6455.encode_frame(rfc6455.CLOSE, rfc6455.close_payload(code, reason), None))
        if self._reader.closed:
            self.transport.close()  # the peer closed first; we answered: done (§7.1.1: the server closes TCP)
        else:
            self._close_timer = asyncio.get_running_loop().call_later(CLOSE_TIMEOUT_SECONDS, self.transport.abort)

    def fail(self, code: int, reason: str) -> None:
        """§7.1.7: send a close frame with the reason if we still may, then drop the connection."""
        if not self._close_sent and not self._lost:
            self._close_sent = True
            self.transport.write(rfc6455.encode_frame(rfc6455.CLOSE, rfc6455.close_payload(code, reason), None))
        self.transport.close()
