"""Server processes: the unit that hosts one game session at a time.

A fleet's instances (or an Anywhere fleet's computes) run server processes.
The game session service places a new session on an idle, ready process and
talks to it through a ``ProcessChannel``: the server SDK's WebSocket for real
processes, or ``SimulatedChannel`` for fleets whose build has no files here
(the process "activates" every session it is given, which is what a
control-plane user of the emulator needs and what the benchmark drives).

The table lives in memory only: processes do not survive an emulator restart
(a real process would have lost its SDK connection too). Fleets rebuild their
simulated processes when they load.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from infra.emulator.emulator import Emulator


class ProcessStatus(enum.StrEnum):
    LAUNCHING = "LAUNCHING"  # started, no SDK connection yet
    INITIALIZED = "INITIALIZED"  # InitSDK done, ProcessReady not yet
    ACTIVE = "ACTIVE"  # ProcessReady: can host a game session
    TERMINATING = "TERMINATING"  # told to end (OnProcessTerminate) or ending
    TERMINATED = "TERMINATED"


class ProcessChannel(Protocol):
    """How the service reaches a process (the SDK's pushes)."""

    def start_game_session(self, process: ServerProcess, game_session: dict[str, Any]) -> None: ...

    def update_game_session(self, process: ServerProcess, update: dict[str, Any]) -> None: ...

    def terminate_process(self, process: ServerProcess, termination_time: float) -> None: ...


@dataclass
class ServerProcess:
    process_id: str
    fleet_id: str
    location: str
    compute_name: str  # the instance id on managed fleets, the compute name on Anywhere fleets
    ip_address: str
    port: int | None = None
    dns_name: str | None = None
    status: ProcessStatus = ProcessStatus.LAUNCHING
    game_session_id: str | None = None
    launch_path: str | None = None
    parameters: str | None = None
    log_paths: list[str] = field(default_factory=list)
    started_at: float = 0.0
    simulated: bool = False
    channel: ProcessChannel | None = field(default=None, repr=False)

    @property
    def idle(self) -> bool:
        return self.status == ProcessStatus.ACTIVE and self.game_session_id is None


class ProcessTable:
    """Every live server process, indexed for placement."""

    def __init__(self) -> None:
        self._processes: dict[str, ServerProcess] = {}

    def add(self, process: ServerProcess) -> None:
        self._processes[process.process_id] = process

    def get(self, process_id: str) -> ServerProcess | None:
        return self._processes.get(process_id)

    def remove(self, process_id: str) -> ServerProcess | None:
        return self._processes.pop(process_id, None)

    def of_fleet(self, fleet_id: str, location: str | None = None) -> Iterator[ServerProcess]:
        for process in self._processes.values():
            if process.fleet_id == fleet_id and (location is None or process.location == location):
                yield process

    def on_compute(self, compute_name: str) -> Iterator[ServerProcess]:
        for process in self._processes.values():
            if process.compute_name == compute_name:
                yield process

    def idle_process(self, fleet_id: str, location: str | None = None) -> ServerProcess | None:
        for process in self.of_fleet(fleet_id, location):
            if process.idle:
                return process
        return None

    def hosting(self, game_session_id: str) -> ServerProcess | None:
        for process in self._processes.values():
            if process.game_session_id == game_session_id:
                return process
        return None

    def clear(self) -> None:
        self._processes.clear()

    def __len__(self) -> int:
        return len(self._processes)


class SimulatedChannel:
    """A process that does what a well-behaved game server does, instantly.

    It activates every game session it is given (as a server calling
    ActivateGameSession from OnStartGameSession would) and ends when told to
    terminate, after which the fleet replaces it.
    """

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def start_game_session(self, process: ServerProcess, game_session: dict[str, Any]) -> None:
        game_session_id = game_session["GameSessionId"]
        self.emulator.scheduler.call_soon(lambda: self.emulator.game_sessions.activate(game_session_id))

    def update_game_session(self, process: ServerProcess, update: dict[str, Any]) -> None:
        pass

    def terminate_process(self, process: ServerProcess, termination_time: float) -> None:
        process_id = process.process_id
        self.emulator.scheduler.call_soon(lambda: self.emulator.fleets.process_ended(process_id, exit_code=0))
