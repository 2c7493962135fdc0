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

import dataclasses
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
        # stays O(1) with thousands of processes. Every other attribute (and
        # every field while __init__ runs) takes the plain path at once.
        if name in _INDEXED:
            values = self.__dict__
            table: ProcessTable | None = values.get("_table")
            if table is not None:
                old = values.get(name)
                object.__setattr__(self, name, value)
                table._changed(self, name, old)
                return
        object.__setattr__(self, name, value)

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
        """A process for one runtime-configuration entry on a managed fleet's instance (real or simulated).

        Built as the generated ``__init__`` would build it, but filling the
        instance dict at once: ``__init__`` sends every field through
        ``__setattr__`` above, and a fleet starts a process for every game
        session that ends.
        """
        unknown = state.keys() - _FIELDS.keys()
        if unknown:
            raise TypeError(f"ServerProcess has no field(s) {sorted(unknown)}")
        process = cls.__new__(cls)
        values = process.__dict__
        values.update(_FIELDS)  # every field, in declaration order, at its default
        values.update(
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
        for name, factory in _FACTORIES.items():
            if name not in _SET_BY_ON_INSTANCE and name not in state:
                values[name] = factory()
        return process

    @property
    def idle(self) -> bool:
        return self.status == ProcessStatus.ACTIVE and self.game_session_id is None

    @property
    def key(self) -> tuple[str, str | None]:
        """The runtime-configuration entry this process runs: (launch path, parameters)."""
        return (self.launch_path or "", self.parameters)


_INDEXED = frozenset({"status", "game_session_id"})
# ServerProcess.on_instance: each field's default (None for those without one), in declaration order, and the
# fields with a default factory, called per process unless on_instance or its caller gives a value.
_FIELDS: dict[str, Any] = {
    f.name: None if f.default is dataclasses.MISSING else f.default for f in dataclasses.fields(ServerProcess)
}
_FACTORIES: dict[str, Callable[[], Any]] = {
    f.name: f.default_factory for f in dataclasses.fields(ServerProcess) if f.default_factory is not dataclasses.MISSING
}
_SET_BY_ON_INSTANCE = frozenset({"log_paths"})
# Statuses of a process that no longer counts towards its instance's runtime configuration.
ENDING = frozenset({ProcessStatus.TERMINATING, ProcessStatus.TERMINATED})


class ProcessTable:
    """Every live server process, indexed for placement.

    Indexes: by fleet, by compute, by hosted game session, and the idle
    (ready, sessionless) processes per fleet and location in start order, which
    is what CreateGameSession asks for on every call. Beside them, how many
    processes of each runtime-configuration entry run (are not ending) per
    compute and fleet, so an instance refilled after every ended game session
    need not walk its processes to learn what it lacks.

    A process's fleet, location, compute, launch path and parameters are fixed
    while it is in the table; status and game session may change (see
    ``ServerProcess.__setattr__``).
    """

    def __init__(self) -> None:
        self._processes: dict[str, ServerProcess] = {}
        self._by_fleet: dict[str, dict[str, ServerProcess]] = {}
        self._by_compute: dict[str, dict[str, ServerProcess]] = {}
        self._by_session: dict[str, ServerProcess] = {}
        self._idle: dict[tuple[str, str], dict[str, ServerProcess]] = {}
        self._running: dict[tuple[str, str], dict[tuple[str, str | None], int]] = {}

    def add(self, process: ServerProcess) -> None:
        self.remove(process.process_id)
        self._processes[process.process_id] = process
        self._by_fleet.setdefault(process.fleet_id, {})[process.process_id] = process
        self._by_compute.setdefault(process.compute_name, {})[process.process_id] = process
        object.__setattr__(process, "_table", self)
        if process.game_session_id:
            self._by_session[process.game_session_id] = process
        if process.status not in ENDING:
            self._count_running(process, 1)
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
        if process.status not in ENDING:
            self._count_running(process, -1)
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

    def running(self, compute_name: str, fleet_id: str) -> dict[tuple[str, str | None], int]:
        """A fresh count of the fleet's processes on a compute that are not ending, by ``ServerProcess.key``."""
        counts = self._running.get((compute_name, fleet_id))
        return {} if counts is None else dict(counts)

    def clear(self) -> None:
        for process in self._processes.values():
            object.__setattr__(process, "_table", None)
        self._processes.clear()
        self._by_fleet.clear()
        self._by_compute.clear()
        self._by_session.clear()
        self._idle.clear()
        self._running.clear()

    def __len__(self) -> int:
        return len(self._processes)

    # -- index maintenance --------------------------------------------------------
    def _changed(self, process: ServerProcess, name: str, old: Any) -> None:
        if name == "game_session_id":
            if old and self._by_session.get(old) is process:
                del self._by_session[old]
            if process.game_session_id:
                self._by_session[process.game_session_id] = process
        else:  # status
            was, now = old not in ENDING, process.status not in ENDING
            if was != now:
                self._count_running(process, 1 if now else -1)
        self._sync_idle(process)

    def _count_running(self, process: ServerProcess, delta: int) -> None:
        scope = (process.compute_name, process.fleet_id)
        counts = self._running.get(scope)
        if counts is None:
            counts = self._running[scope] = {}
        key = process.key
        left = counts.get(key, 0) + delta
        if left > 0:
            counts[key] = left
        else:
            counts.pop(key, None)
            if not counts:
                del self._running[scope]

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
