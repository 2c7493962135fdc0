"""Instances of managed fleets and the server processes they run.

A managed (EC2) fleet keeps, in each location, as many instances as its
desired capacity; each ACTIVE instance keeps the server processes its runtime
configuration asks for, replacing them as they end. Instances are records
(they survive a restart); processes are not, and are launched again when an
instance resumes.

Every process starts through ``launch_process``: the one seam where a fleet
turns a runtime-configuration entry into a running process. Here every process
is simulated (``SimulatedChannel``) unless the build has files on this machine
and the launch path is an executable among them: then ``launcher.py`` runs it
as a real OS process that talks to the SDK endpoint.
"""

from __future__ import annotations

import logging
import signal
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from infra.emulator.fleets import capacity, runtime
from infra.emulator.fleets.launcher import MACHINE_PORTS, ProcessLauncher
from infra.emulator.fleets.model import GONE, Fleet, FleetStatus, Instance, InstanceStatus, ProtectionPolicy
from infra.emulator.fleets.ports import PortAllocator, port_ranges
from infra.emulator.fleets.processes import ENDING, ProcessStatus, ProcessTable, ServerProcess, SimulatedChannel
from infra.emulator.fleets.timers import KeyedTimers

if TYPE_CHECKING:
    from infra.emulator.emulator import Emulator

log = logging.getLogger("gamelift_local.fleets")

INSTANCE_KIND = "instance"
# Locations whose instances are kept up to their desired count.
HOSTING = (FleetStatus.ACTIVATING, FleetStatus.ACTIVE)


class InstanceSupervisor:
    def __init__(self, emulator: Emulator, timers: KeyedTimers, processes: ProcessTable) -> None:
        self.emulator = emulator
        self.timers = timers
        self.processes = processes
        self.ports = PortAllocator()
        self._instances: dict[str, Instance] = {}
        self._port_warned: set[str] = set()
        self.launcher = ProcessLauncher(emulator, self)
        # Stateless: every simulated process shares it.
        self._simulated_channel = SimulatedChannel(emulator)

    # -- lifecycle ---------------------------------------------------------------
    def load(self) -> None:
        self._instances = {i.instance_id: i for i in self.emulator.store.load(INSTANCE_KIND, Instance)}
        self.launcher.reap_orphans(set(self._instances))

    def reset(self) -> None:
        self.launcher.reset()
        self._instances.clear()
        self._port_warned.clear()
        self.processes.clear()
        self.ports.clear()

    def resume(self, fleet: Fleet) -> None:
        """Re-arm instance transitions and relaunch processes (they did not survive the restart)."""
        stage = self._stage()
        for instance in list(self.of_fleet(fleet.fleet_id)):
            if instance.status == InstanceStatus.PENDING:
                self._arm_boot(instance, instance.status_since + stage)
            elif instance.status == InstanceStatus.TERMINATING:
                # Its processes did not survive the restart: nothing is left to wait for.
                self._arm_removal(instance, instance.status_since + stage)
            else:
                self.fill(fleet, instance)
        self._rebind_sessions(fleet)
        if self.launcher.runs_real_processes(fleet):
            self._end_orphaned_sessions(fleet)
        for name in fleet.locations:
            self.scale(fleet, name)

    def _end_orphaned_sessions(self, fleet: Fleet) -> None:
        """Sessions of real processes did not survive the restart (their processes died with the emulator, and a new
        process knows nothing of them): they end INTERRUPTED, as after a crash."""
        sessions = getattr(self.emulator, "game_sessions", None)
        live_sessions = getattr(sessions, "live_sessions", None)
        if live_sessions is None:
            return
        for session in list(live_sessions(fleet.fleet_id)):
            game_session_id = getattr(session, "game_session_id", None)
            if game_session_id and self.processes.hosting(game_session_id) is None:
                sessions.on_process_ended(game_session_id, "INTERRUPTED")

    def _rebind_sessions(self, fleet: Fleet) -> None:
        """Give game sessions that outlived a restart a process again, on their instance and port."""
        sessions = getattr(self.emulator, "game_sessions", None)
        live_sessions = getattr(sessions, "live_sessions", None)
        if live_sessions is None:
            return
        try:
            live = list(live_sessions(fleet.fleet_id))
        except Exception:
            log.exception("game_sessions.live_sessions(%s) failed", fleet.fleet_id)
            return
        for session in live:
            game_session_id = getattr(session, "game_session_id", None)
            compute_name = getattr(session, "compute_name", None)
            if not game_session_id or not compute_name or self.processes.hosting(game_session_id) is not None:
                continue
            idle = [p for p in self.processes.on_compute(compute_name) if p.idle and p.fleet_id == fleet.fleet_id]
            if not idle:
                continue
            port = getattr(session, "port", None)
            process = next((p for p in idle if p.port == port), idle[0])
            if port is not None and process.port != port and port not in self.ports.held(compute_name):
                self.ports.release(compute_name, process.port)
                self.ports.hold(compute_name, port)
                process.port = port
            process.game_session_id = game_session_id

    # -- queries -------------------------------------------------------------------
    def get(self, instance_id: str) -> Instance | None:
        return self._instances.get(instance_id)

    def of_fleet(self, fleet_id: str, location: str | None = None) -> Iterator[Instance]:
        for instance in self._instances.values():
            if instance.fleet_id == fleet_id and (location is None or instance.location == location):
                yield instance

    def all(self) -> Iterator[Instance]:
        return iter(self._instances.values())

    def busy_instances(self, fleet_id: str) -> set[str]:
        """Instances of a fleet hosting at least one game session."""
        return {p.compute_name for p in self.processes.of_fleet(fleet_id) if p.game_session_id is not None}

    # -- capacity ------------------------------------------------------------------
    def scale(self, fleet: Fleet, location: str) -> None:
        """Bring a location's instances to its desired count."""
        state = fleet.location(location)
        if fleet.is_anywhere or state is None or state.status not in HOSTING or fleet.status in GONE:
            return
        live = [i for i in self.of_fleet(fleet.fleet_id, location) if i.status != InstanceStatus.TERMINATING]
        missing = state.desired - len(live)
        for _ in range(missing):
            self._start_instance(fleet, location)
        if missing < 0:
            self._scale_in(fleet, location, live, -missing)
        else:
            self.timers.cancel(f"scale:{fleet.fleet_id}:{location}")

    def _scale_in(self, fleet: Fleet, location: str, live: list[Instance], excess: int) -> None:
        sessions: Counter[str] = Counter()
        protected: set[str] = set()
        for process in self.processes.of_fleet(fleet.fleet_id, location):
            if process.game_session_id is not None:
                sessions[process.compute_name] += 1
                if self._is_protected(fleet, process.game_session_id):
                    protected.add(process.compute_name)
        victims = capacity.scale_in_victims(live, excess, dict(sessions), protected)
        for instance in victims:
            self.terminate_instance(fleet, instance)
        key = f"scale:{fleet.fleet_id}:{location}"
        if len(victims) < excess:
            # Protected game sessions hold some instances; try again once they may have ended.
            fleet_id = fleet.fleet_id
            self.timers.arm(
                key, self.emulator.clock.now() + max(self._stage(), 0.1) * 5, lambda: self._rescale(fleet_id, location)
            )
        else:
            self.timers.cancel(key)

    def _rescale(self, fleet_id: str, location: str) -> None:
        fleet = self.emulator.fleets.find(fleet_id)
        if fleet is not None:
            self.scale(fleet, location)

    def _is_protected(self, fleet: Fleet, game_session_id: str) -> bool:
        sessions = getattr(self.emulator, "game_sessions", None)
        is_protected = getattr(sessions, "is_protected", None)
        if is_protected is not None:
            try:
                return bool(is_protected(game_session_id))
            except Exception:
                log.exception("game_sessions.is_protected(%s) failed", game_session_id)
        return fleet.new_game_session_protection_policy == ProtectionPolicy.FULL_PROTECTION

    # -- instances -------------------------------------------------------------------
    def _start_instance(self, fleet: Fleet, location: str) -> Instance:
        now = self.emulator.clock.now()
        config = self.emulator.config
        instance = Instance(
            instance_id=self.emulator.ids.instance_id(),
            fleet_id=fleet.fleet_id,
            location=location,
            instance_type=fleet.instance_type or "c5.large",
            operating_system=fleet.operating_system or "AMAZON_LINUX_2023",
            ip_address=config.public_ip,
            dns_name=config.public_dns,
            creation_time=now,
            status=InstanceStatus.PENDING,
            status_since=now,
        )
        self._instances[instance.instance_id] = instance
        self._save(instance)
        # UNCONFIRMED: an instance boots in one fleet stage.
        self._arm_boot(instance, now + self._stage())
        log.info("fleet=%s location=%s instance=%s starting", fleet.fleet_id, location, instance.instance_id)
        return instance

    def _arm_boot(self, instance: Instance, when: float) -> None:
        instance_id = instance.instance_id
        self.timers.arm(f"instance:{instance_id}", when, lambda: self._boot(instance_id))

    def _boot(self, instance_id: str) -> None:
        instance = self._instances.get(instance_id)
        fleet = self.emulator.fleets.find(instance.fleet_id) if instance else None
        if instance is None or fleet is None or instance.status != InstanceStatus.PENDING or fleet.status in GONE:
            return
        instance.status = InstanceStatus.ACTIVE
        instance.status_since = self.emulator.clock.now()
        self._save(instance)
        self.fill(fleet, instance)

    def terminate_instance(self, fleet: Fleet, instance: Instance) -> None:
        """Shut an instance down: idle processes go now; busy ones get OnProcessTerminate and the termination window.

        As on GameLift, a server process hosting a game session is told to end
        (TerminateProcess, with the termination time) and given
        ``process_termination_seconds`` to call ProcessEnding and exit before it
        is force-killed; the instance stays TERMINATING until its processes are gone.
        """
        now = self.emulator.clock.now()
        instance.status = InstanceStatus.TERMINATING
        instance.status_since = now
        self._save(instance)
        self.wind_down(self.remaining_processes(instance.instance_id, instance.fleet_id))
        # UNCONFIRMED: an instance with nothing left to stop is gone after one fleet stage.
        self._arm_removal(instance, now + self._stage())
        log.info("fleet=%s instance=%s terminating", fleet.fleet_id, instance.instance_id)

    def _arm_removal(self, instance: Instance, when: float) -> None:
        instance_id = instance.instance_id
        self.timers.arm(f"instance:{instance_id}", when, lambda: self._removal_due(instance_id))

    def _removal_due(self, instance_id: str) -> None:
        """Remove a TERMINATING instance once its processes have exited, force-killing them at the deadline."""
        instance = self._instances.get(instance_id)
        if instance is None or instance.status != InstanceStatus.TERMINATING:
            return
        remaining = self.remaining_processes(instance_id, instance.fleet_id)
        now = self.emulator.clock.now()
        deadline = self.termination_deadline(instance.status_since)
        if remaining and now < deadline:
            self._arm_removal(instance, min(now + self.poll_seconds(), deadline))
            return
        for process in remaining:
            self.force_end(process)
        self.remove_instance(instance_id)

    def wind_down(self, processes: list[ServerProcess]) -> None:
        """Processes that must go (their instance or their fleet is going): OnProcessTerminate for the busy ones.

        A process hosting a game session gets TerminateProcess with a termination time
        ``process_termination_seconds`` away and may finish its session and call
        ProcessEnding; an idle one goes now. Processes already told to end keep their time.
        """
        now = self.emulator.clock.now()
        for process in processes:
            if process.status == ProcessStatus.TERMINATING:
                continue
            if process.game_session_id is not None:
                self.ask_to_end(process, now + self._termination_window())
                continue
            if not self.ours_to_kill(process):
                # An idle Anywhere process cannot be stopped from here: it is told to end now, then let go
                # (its socket closes after the push).
                self.ask_to_end(process, now)
            self.retire(process)

    def ours_to_kill(self, process: ServerProcess) -> bool:
        """Whether the emulator runs ``process`` (simulated, or launched on a managed instance) and so can kill it.

        A process of an Anywhere fleet runs on its owner's compute and only talks to the SDK endpoint.
        """
        fleet = self.emulator.fleets.find(process.fleet_id)
        return fleet is None or not fleet.is_anywhere

    def remaining_processes(self, compute_name: str, fleet_id: str) -> list[ServerProcess]:
        return [p for p in self.processes.on_compute(compute_name) if p.fleet_id == fleet_id]

    def termination_deadline(self, since: float) -> float:
        """When processes told to end at ``since`` are force-killed at the latest (the SDK endpoint kills real ones
        at the termination time; one more stage lets their exit be reported first)."""
        return since + self._termination_window() + self._stage()

    def poll_seconds(self) -> float:
        return max(self._stage(), 0.05)

    def force_end(self, process: ServerProcess, *, replace: bool = False) -> None:
        """The termination window passed and the process is still there: it is killed, if it is ours to kill.

        Either way the fleet is done with it: its game session ends INTERRUPTED and its SDK socket is closed.
        An Anywhere process is not killed (it runs on its owner's compute); the event says so.
        """
        prefix = (
            f"Server process {process.process_id} on {process.compute_name} did not end within the time allowed "
            "after OnProcessTerminate() and"
        )
        if self.ours_to_kill(process):
            self.emulator.events.record(
                process.fleet_id, "SERVER_PROCESS_FORCE_TERMINATED", f"{prefix} was forcibly terminated"
            )
            self.end_process(process, -int(signal.SIGKILL), "INTERRUPTED", event=None, replace=replace)
            return
        # UNCONFIRMED: the same event code as a managed force-kill; the message says what really happened.
        self.emulator.events.record(
            process.fleet_id,
            "SERVER_PROCESS_FORCE_TERMINATED",
            f"{prefix} is no longer managed by the fleet: its game session was ended and its connection closed "
            "(an Anywhere process runs on its owner's compute and was not killed)",
        )
        self.end_process(process, -1, "INTERRUPTED", event=None, replace=replace)

    def _termination_window(self) -> float:
        return float(self.emulator.config.process_termination_seconds)

    def remove_instance(self, instance_id: str) -> None:
        """The instance is gone; whatever still ran on it ends with it."""
        instance = self._instances.pop(instance_id, None)
        if instance is None:
            return
        self.timers.cancel(f"instance:{instance_id}")
        for process in list(self.processes.on_compute(instance_id)):
            if process.fleet_id == instance.fleet_id:
                self.end_process(process, exit_code=-1, reason="INTERRUPTED", event=None, replace=False)
        self.launcher.instance_removed(instance_id)
        self.emulator.store.delete(INSTANCE_KIND, instance_id)

    def _save(self, instance: Instance) -> None:
        self.emulator.store.put(INSTANCE_KIND, instance.instance_id, instance)

    # -- processes ---------------------------------------------------------------------
    def fill(self, fleet: Fleet, instance: Instance) -> None:
        """Make an ACTIVE instance run what the runtime configuration asks for.

        Idle processes the configuration no longer wants are retired now; busy
        ones finish their game session first (they are not replaced when they end).
        """
        if instance.status != InstanceStatus.ACTIVE or fleet.status in GONE:
            return
        want = runtime.wanted(fleet.runtime_configuration)
        # Counted by the process table: this runs after every ended game session, and walking an
        # instance's fifty processes each time would cost more than the rest of TerminateGameSession.
        have = self.processes.running(instance.instance_id, fleet.fleet_id)
        if any(count > want.get(key, 0) for key, count in have.items()):
            for process in [p for p in self.processes.on_compute(instance.instance_id) if p.fleet_id == fleet.fleet_id]:
                key = process.key
                surplus = have.get(key, 0) > want.get(key, 0)
                if surplus and process.game_session_id is None and process.status not in ENDING:
                    self.retire(process)
                    have[key] -= 1
        for server_process in (fleet.runtime_configuration or {}).get("ServerProcesses") or []:
            key = runtime.key_of(server_process)
            count = have.get(key, 0)
            while count < want[key]:
                if self.launch_process(fleet, instance, server_process) is None:
                    return
                count += 1
            have[key] = count

    def launch_process(self, fleet: Fleet, instance: Instance, server_process: dict[str, Any]) -> ServerProcess | None:
        """Start one server process for a runtime-configuration entry on an instance.

        A launch path that is an executable of the build's local files starts a
        real OS process (see ``launcher.py``; it reports ready through the SDK);
        anything else is simulated: a process that has called InitSDK and
        ProcessReady. Either way it gets a port from the fleet's inbound
        permissions that no other live process of the instance (of this machine,
        for real processes) holds.
        """
        executable = self.launcher.executable(fleet, server_process)
        ranges = port_ranges(fleet.inbound_permissions)
        if executable is not None:
            port = self.launcher.allocate_port(ranges)
        else:
            port = self.ports.allocate(instance.instance_id, ranges)
        if port is None:
            log.warning("fleet=%s instance=%s no free port for a server process", fleet.fleet_id, instance.instance_id)
            if instance.instance_id not in self._port_warned:
                # Once per instance: the runtime configuration asks for more processes than there are open ports.
                self._port_warned.add(instance.instance_id)
                self.emulator.events.record(
                    fleet.fleet_id,
                    "GENERIC_EVENT",
                    f"Instance {instance.instance_id} has no free port in the fleet's inbound permissions for "
                    f"another server process ({server_process['LaunchPath']}); open a wider port range",
                )
            return None
        if executable is not None:
            process = self.launcher.launch(fleet, instance, server_process, executable, port)
            self.processes.add(process)
            return process
        process = ServerProcess.on_instance(
            self.emulator.ids.prefixed("process"),
            fleet,
            instance,
            server_process,
            port,
            self.emulator.clock.now(),
            status=ProcessStatus.ACTIVE,
            simulated=True,
            channel=self._simulated_channel,
        )
        self.processes.add(process)
        return process

    def retire(self, process: ServerProcess) -> None:
        """Stop an idle process the fleet no longer wants (nothing to tell anyone)."""
        self.processes.remove(process.process_id)
        self.ports.release(self._port_scope(process), process.port)
        self.launcher.release(process)

    @staticmethod
    def _port_scope(process: ServerProcess) -> str:
        """Real processes share this machine's ports; simulated ones have their instance's."""
        return process.compute_name if process.simulated or process.auth_token is None else MACHINE_PORTS

    def use_port(self, process: ServerProcess, port: int | None) -> None:
        """A real process reported (in ProcessReady) the port it listens on: hold that one instead."""
        if port == process.port:
            return
        scope = self._port_scope(process)
        self.ports.release(scope, process.port)
        if port is not None:
            self.ports.hold(scope, port)
        process.port = port

    def activation_ready(self, fleet: Fleet) -> bool:
        """Whether an ACTIVATING fleet may turn ACTIVE: at once when it simulates its processes, once one of its
        real processes has reported ready otherwise."""
        if not self.launcher.runs_real_processes(fleet):
            return True
        return any(p.status == ProcessStatus.ACTIVE for p in self.processes.of_fleet(fleet.fleet_id))

    def ask_to_end(self, process: ServerProcess, termination_time: float) -> None:
        """OnProcessTerminate: the process should end its game session and exit."""
        process.status = ProcessStatus.TERMINATING
        if process.channel is None:
            return
        try:
            process.channel.terminate_process(process, termination_time)
        except Exception:
            log.exception("process=%s terminate_process failed", process.process_id)

    def end_process(
        self, process: ServerProcess, exit_code: int, reason: str | None, *, event: str | None, replace: bool = True
    ) -> None:
        """A process is gone: free its port, end its game session, record ``event``, replace it if wanted."""
        self.processes.remove(process.process_id)
        self.ports.release(self._port_scope(process), process.port)
        self.launcher.release(process, force=exit_code == -signal.SIGKILL)
        if process.game_session_id is not None:
            sessions = getattr(self.emulator, "game_sessions", None)
            on_process_ended = getattr(sessions, "on_process_ended", None)
            if on_process_ended is not None:
                try:
                    on_process_ended(process.game_session_id, reason)
                except Exception:
                    log.exception("game_sessions.on_process_ended(%s) failed", process.game_session_id)
        if event is not None:
            self.emulator.events.record(
                process.fleet_id,
                event,
                f"Server process {process.launch_path} ({process.process_id}) on {process.compute_name} "
                f"ended with exit code {exit_code}",
            )
        if not replace:
            return
        fleet = self.emulator.fleets.find(process.fleet_id)
        instance = self._instances.get(process.compute_name)
        if fleet is not None and instance is not None and instance.fleet_id == fleet.fleet_id:
            # Scale first: an instance held only by this game session may now be shed instead of refilled.
            self.scale(fleet, instance.location)
            self.fill(fleet, instance)

    def _stage(self) -> float:
        return float(self.emulator.config.fleet_stage_seconds)
