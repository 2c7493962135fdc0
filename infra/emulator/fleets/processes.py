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
from collections.abc import Callable, Iterator
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
    # Real processes: the OS pid, the auth token the process presents to the SDK
    # endpoint (managed fleets: minted at launch; Anywhere: from GetComputeAuthToken),
    # and how to force-kill it when it does not end by itself.
    os_pid: int | None = None
    auth_token: str | None = field(default=None, repr=False)
    kill: Callable[[], None] | None = field(default=None, repr=False)
    # When TerminateProcess was pushed, the time by which it must have ended.
    termination_time: float | None = None

    def __setattr__(self, name: str, value: Any) -> None:
        # The table's placement indexes follow status and game session changes,
        # so callers can simply assign (process.status = ACTIVE) and placement
        # stays O(1) with thousands of processes.
        old = self.__dict__.get(name)
        object.__setattr__(self, name, value)
        if name in _INDEXED:
            table: ProcessTable | None = self.__dict__.get("_table")
            if table is not None:
                table._changed(self, name, old)

    @classmethod
    def on_instance(
        cls,
        process_id: str,
        fleet: Any,
        instance: Any,
        server_process: dict[str, Any],
        port: int | None,
        started_at: float,
        **state: Any,
    ) -> ServerProcess:
        """A process for one runtime-configuration entry on a managed fleet's instance (real or simulated)."""
        return cls(
            process_id=process_id,
            fleet_id=fleet.fleet_id,
            location=instance.location,
            compute_name=instance.instance_id,
            ip_address=instance.ip_address,
            port=port,
            dns_name=instance.dns_name,
            launch_path=server_process["LaunchPath"],
            parameters=server_process.get("Parameters"),
            log_paths=list(fleet.log_paths),
            started_at=started_at,
            **state,
        )

    @property
    def idle(self) -> bool:
        return self.status == ProcessStatus.ACTIVE and self.game_session_id is None


_INDEXED = frozenset({"status", "game_session_id"})


class ProcessTable:
    """Every live server process, indexed for placement.

    Indexes: by fleet, by compute, by hosted game session, and the idle
    (ready, sessionless) processes per fleet and location in start order, which
    is what CreateGameSession asks for on every call.
    """

    def __init__(self) -> None:
        self._processes: dict[str, ServerProcess] = {}
        self._by_fleet: dict[str, dict[str, ServerProcess]] = {}
        self._by_compute: dict[str, dict[str, ServerProcess]] = {}
        self._by_session: dict[str, ServerProcess] = {}
        self._idle: dict[tuple[str, str], dict[str, ServerProcess]] = {}

    def add(self, process: ServerProcess) -> None:
        self.remove(process.process_id)
        self._processes[process.process_id] = process
        self._by_fleet.setdefault(process.fleet_id, {})[process.process_id] = process
        self._by_compute.setdefault(process.compute_name, {})[process.process_id] = process
        object.__setattr__(process, "_table", self)
        if process.game_session_id:
            self._by_session[process.game_session_id] = process
        self._sync_idle(process)

    def get(self, process_id: str) -> ServerProcess | None:
        return self._processes.get(process_id)

    def remove(self, process_id: str) -> ServerProcess | None:
        process = self._processes.pop(process_id, None)
        if process is None:
            return None
        object.__setattr__(process, "_table", None)
        _discard(self._by_fleet, process.fleet_id, process_id)
        _discard(self._by_compute, process.compute_name, process_id)
        _discard(self._idle, (process.fleet_id, process.location), process_id)
        if process.game_session_id and self._by_session.get(process.game_session_id) is process:
            del self._by_session[process.game_session_id]
        return process

    def of_fleet(self, fleet_id: str, location: str | None = None) -> Iterator[ServerProcess]:
        for process in list(self._by_fleet.get(fleet_id, {}).values()):
            if location is None or process.location == location:
                yield process

    def on_compute(self, compute_name: str) -> Iterator[ServerProcess]:
        yield from list(self._by_compute.get(compute_name, {}).values())

    def idle_process(self, fleet_id: str, location: str | None = None) -> ServerProcess | None:
        if location is not None:
            idle = self._idle.get((fleet_id, location))
            return next(iter(idle.values())) if idle else None
        for (fleet, _location), idle in self._idle.items():
            if fleet == fleet_id and idle:
                return next(iter(idle.values()))
        return None

    def hosting(self, game_session_id: str) -> ServerProcess | None:
        return self._by_session.get(game_session_id)

    def clear(self) -> None:
        for process in self._processes.values():
            object.__setattr__(process, "_table", None)
        self._processes.clear()
        self._by_fleet.clear()
        self._by_compute.clear()
        self._by_session.clear()
        self._idle.clear()

    def __len__(self) -> int:
        return len(self._processes)

    # -- index maintenance --------------------------------------------------------
    def _changed(self, process: ServerProcess, name: str, old: Any) -> None:
        if name == "game_session_id":
            if old and self._by_session.get(old) is process:
                del self._by_session[old]
            if process.game_session_id:
                self._by_session[process.game_session_id] = process
        self._sync_idle(process)

    def _sync_idle(self, process: ServerProcess) -> None:
        key = (process.fleet_id, process.location)
        if process.idle:
            self._idle.setdefault(key, {})[process.process_id] = process
        else:
            _discard(self._idle, key, process.process_id)


def _discard(index: dict[Any, dict[str, ServerProcess]], key: Any, process_id: str) -> None:
    bucket = index.get(key)
    if bucket is not None:
        bucket.pop(process_id, None)
        if not bucket:
            del index[key]


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
