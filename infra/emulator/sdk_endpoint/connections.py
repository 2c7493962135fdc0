"""A server process's link to the service: its open WebSockets, and the channel the service pushes through.

A process normally has one socket. It has two for a moment during RefreshConnection (the SDK opens the new one,
moves its traffic there, then closes the old one) and around a reconnect after an abnormal close; pushes always go to
the newest open socket (server-sdk.md §2.7, item 5). Sockets are anything with ``send``/``close`` (the aiohttp side
in ``websocket.py``; plain fakes in tests), so this module does no I/O itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from infra.emulator.sdk_endpoint import protocol
from infra.emulator.sdk_endpoint.health import HealthTracker

if TYPE_CHECKING:
    from infra.emulator.fleets.processes import ServerProcess
    from infra.emulator.sdk_endpoint.service import SdkEndpointService

log = logging.getLogger("gamelift_local.sdk")

# Close codes: 1000/1001 tell the SDKs not to come back; anything else makes them reconnect.
CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLEAN_CLOSE_CODES = frozenset({CLOSE_NORMAL, CLOSE_GOING_AWAY})


class Socket(Protocol):
    """One accepted WebSocket, as the service sees it."""

    idempotency_token: str | None
    auth_token: str | None

    @property
    def open(self) -> bool: ...

    def send(self, text: str) -> None:
        """Queue a text frame; frames go out in the order they were queued."""

    def close(self, code: int, reason: str) -> None:
        """Close after the frames already queued."""


@dataclass
class ProcessLink:
    """The service's side of one server process's connection(s)."""

    process_id: str
    fleet_id: str
    compute_name: str
    managed: bool  # launched by this emulator on a managed fleet (else a process of an Anywhere compute)
    sockets: list[Socket] = field(default_factory=list)
    sdk_version: str | None = None
    sdk_language: str | None = None
    activated: bool = False  # ActivateServerProcess answered
    ending: bool = False  # ProcessEnding (TerminateServerProcess) answered
    health: HealthTracker | None = None
    # RefreshConnection pushed and not yet followed: the token the second socket will present.
    refresh_token: str | None = None
    frames_in: int = 0
    frames_out: int = 0

    @property
    def open_sockets(self) -> list[Socket]:
        return [s for s in self.sockets if s.open]

    def newest(self) -> Socket | None:
        for socket in reversed(self.sockets):
            if socket.open:
                return socket
        return None

    def send(self, frame: protocol.Frame) -> bool:
        """Send on the newest open socket; False when none is open (the frame is lost, as with the real service)."""
        socket = self.newest()
        if socket is None:
            return False
        socket.send(protocol.encode(frame))
        self.frames_out += 1
        return True

    def close_all(self, code: int, reason: str) -> None:
        for socket in self.open_sockets:
            socket.close(code, reason)


class WebSocketChannel:
    """``ProcessChannel`` for a process that speaks the server SDK: each call is a push on its newest socket."""

    def __init__(self, service: SdkEndpointService, process_id: str) -> None:
        self.service = service
        self.process_id = process_id

    def start_game_session(self, process: ServerProcess, game_session: dict[str, Any]) -> None:
        self.service.push(self.process_id, protocol.create_game_session(game_session))
        self.service.game_session_started(process, game_session.get("GameSessionId"))

    def update_game_session(self, process: ServerProcess, update: dict[str, Any]) -> None:
        self.service.push(self.process_id, protocol.update_game_session(update))

    def terminate_process(self, process: ServerProcess, termination_time: float) -> None:
        self.service.terminate(process, termination_time)
