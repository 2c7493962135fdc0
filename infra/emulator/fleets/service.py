"""Fleets: creation workflow, locations, capacity, runtime configuration, deletion.

Managed (EC2) fleets walk the real creation workflow on the emulator's
scheduler and keep simulated instances and server processes (see
``supervisor.py``); Anywhere fleets are ACTIVE at once and host whatever
processes their registered computes connect. Other services use:

- ``get(fleet_id_or_arn)``: the Fleet record, or NotFoundException;
- ``processes``: the live process table (placement picks idle processes there);
- ``process_ended(process_id, exit_code)``: a process exited; its game session
  ends and the fleet replaces it if it still wants it;
- ``process_exited(process_id, exit_code, reason)`` and ``process_ready(process)``:
  the same for real processes, whose launcher and SDK endpoint know the event and
  the game session's StatusReason; the first ready process of an ACTIVATING fleet
  of real processes makes it ACTIVE;
- ``uses_location(name)``: whether a fleet is deployed to a location.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from infra.emulator.errors import (
    InvalidFleetStatusException,
    InvalidRequestException,
    LimitExceededException,
    NotFoundException,
)
from infra.emulator.fleets import capacity, creation, lifecycle, ports, runtime
from infra.emulator.fleets.model import (
    CREATION_STAGES,
    GONE,
    Fleet,
    FleetLocation,
    FleetStatus,
    Instance,
    InstanceStatus,
)
from infra.emulator.fleets.processes import ProcessStatus, ProcessTable, ServerProcess
from infra.emulator.fleets.supervisor import InstanceSupervisor
from infra.emulator.fleets.timers import KeyedTimers
from infra.emulator.protocol.model import service_model

if TYPE_CHECKING:
    from infra.emulator.emulator import Emulator

log = logging.getLogger("gamelift_local.fleets")

KIND = "fleet"
# What the service refuses to delete mid-creation (the message terraform's provider retries on).
_UNDELETABLE = (FleetStatus.DOWNLOADING, FleetStatus.VALIDATING, FleetStatus.BUILDING, FleetStatus.ACTIVATING)


class FleetService:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self._fleets: dict[str, Fleet] = {}
        self.processes = ProcessTable()
        self.timers = KeyedTimers(emulator.scheduler)
        self.supervisor = InstanceSupervisor(emulator, self.timers, self.processes)
        # ACTIVATING fleets of real processes waiting for the first one to report ready.
        self._awaiting_processes: set[str] = set()
        emulator.tags.register(self._resolve_arn)

    # -- lifecycle ---------------------------------------------------------------
    def load(self) -> None:
        fleets = sorted(self.emulator.store.load(KIND, Fleet), key=lambda f: f.creation_time)
        self._fleets = {f.fleet_id: f for f in fleets}
        self.supervisor.load()

    def resume(self) -> None:
        """Pick every fleet up where the store left it: timers from the recorded stage start."""
        for fleet in list(self._fleets.values()):
            self._arm_fleet(fleet)
            for state in fleet.location_states.values():
                self._arm_location(fleet, state)
            self.supervisor.resume(fleet)

    def reset(self) -> None:
        self.timers.clear()
        self._fleets.clear()
        self._awaiting_processes.clear()
        self.supervisor.reset()

    async def stop(self) -> None:
        """Real server processes do not outlive the emulator."""
        await self.supervisor.launcher.shutdown()

    def count(self) -> int:
        return len(self._fleets)

    def _save(self, fleet: Fleet) -> None:
        self.emulator.store.put(KIND, fleet.fleet_id, fleet)

    def _resolve_arn(self, arn: str) -> tuple[Fleet, Callable[[], None]] | None:
        fleet = self._fleets.get(arn.rsplit("/", 1)[-1]) if ":fleet/" in arn else None
        if fleet is None or fleet.fleet_arn != arn:
            return None
        return fleet, lambda: self._save(fleet)

    # -- lookups used by other services -------------------------------------------------
    def find(self, fleet_id_or_arn: str) -> Fleet | None:
        fleet = self._fleets.get(fleet_id_or_arn)
        if fleet is None and fleet_id_or_arn.startswith("arn:"):
            found = self._resolve_arn(fleet_id_or_arn)
            fleet = found[0] if found else None
        return fleet

    def get(self, fleet_id_or_arn: str) -> Fleet:
        fleet = self.find(fleet_id_or_arn)
        if fleet is None:
            raise NotFoundException(f"Fleet {fleet_id_or_arn} not found.")
        return fleet

    def list(self, build_id: str | None = None, script_id: str | None = None) -> list[Fleet]:
        fleets = list(self._fleets.values())
        if build_id is not None:
            wanted = build_id.rsplit("/", 1)[-1]
            fleets = [f for f in fleets if f.build_id == wanted]
        if script_id is not None:
            wanted = script_id.rsplit("/", 1)[-1]
            fleets = [f for f in fleets if f.script_id == wanted]
        return fleets

    def uses_location(self, name: str) -> bool:
        return any(
            name in fleet.location_states for fleet in self._fleets.values() if fleet.status != FleetStatus.TERMINATED
        )

    def instances(self, fleet_id: str, location: str | None = None) -> list[Instance]:
        return sorted(self.supervisor.of_fleet(fleet_id, location), key=lambda i: (i.creation_time, i.instance_id))

    def instance(self, fleet_id: str, instance_id: str) -> Instance | None:
        instance = self.supervisor.get(instance_id)
        return instance if instance is not None and instance.fleet_id == fleet_id else None

    def process_ended(self, process_id: str, exit_code: int) -> None:
        """A server process exited; a non-zero code is a crash (its game session is INTERRUPTED)."""
        process = self.processes.get(process_id)
        if process is None:
            return
        asked = process.status == ProcessStatus.TERMINATING
        reason = "INTERRUPTED" if exit_code != 0 else None
        event = None
        if exit_code == -signal.SIGKILL:
            event = "SERVER_PROCESS_FORCE_TERMINATED"
        elif exit_code != 0 and not asked:
            event = "SERVER_PROCESS_CRASHED"
        log.info("fleet=%s process=%s ended exit_code=%s", process.fleet_id, process_id, exit_code)
        self.supervisor.end_process(process, exit_code, reason, event=event)

    def process_exited(self, process_id: str, exit_code: int, reason: str | None) -> None:
        """A real process is gone; its launcher or the SDK endpoint has recorded the event that says why."""
        process = self.processes.get(process_id)
        if process is None:
            return
        log.info("fleet=%s process=%s exited exit_code=%s reason=%s", process.fleet_id, process_id, exit_code, reason)
        self.supervisor.end_process(process, exit_code, reason, event=None)

    def process_ready(self, process: ServerProcess) -> None:
        """A real process reported ready (ProcessReady, then its first heartbeat)."""
        self.supervisor.launcher.note_ready(process)
        fleet = self._fleets.get(process.fleet_id)
        if fleet is not None and fleet.fleet_id in self._awaiting_processes:
            self._awaiting_processes.discard(fleet.fleet_id)
            self.timers.cancel(f"fleet:{fleet.fleet_id}")
            self._advance(fleet.fleet_id, FleetStatus.ACTIVATING)

    def compute_gone(self, fleet_id: str, compute_name: str) -> None:
        """An Anywhere compute left the fleet: its processes are gone with it."""
        for process in list(self.processes.on_compute(compute_name)):
            if process.fleet_id == fleet_id:
                self.supervisor.end_process(process, -1, "INTERRUPTED", event=None, replace=False)

    # -- creation ------------------------------------------------------------------------
    def create(self, p: dict[str, Any]) -> Fleet:
        emu = self.emulator
        live = sum(1 for f in self._fleets.values() if f.status != FleetStatus.TERMINATED)
        if live >= emu.config.max_fleets:
            raise LimitExceededException(f"Fleet limit of {emu.config.max_fleets} reached for this account")
        fleet = creation.new_fleet(emu, p)
        if not fleet.is_anywhere and fleet.instance_type:
            others = self._instances_wanted(fleet.instance_type, fleet.home_location)
            capacity.check_limit(fleet.instance_type, fleet.home_location, 1, others)
        # Everything is checked: the fleet exists from here on.
        fleet_id = fleet.fleet_id
        self._fleets[fleet_id] = fleet
        emu.events.record(fleet_id, "FLEET_CREATED", lifecycle.created_message(fleet_id))
        if fleet.is_anywhere:
            # Anywhere fleets are ACTIVE as soon as they exist; computes register afterwards.
            emu.events.record(fleet_id, "FLEET_STATE_ACTIVE", lifecycle.state_message(fleet_id, FleetStatus.ACTIVE))
        self._save(fleet)
        self._arm_fleet(fleet)
        log.info("fleet=%s created compute_type=%s status=%s", fleet_id, fleet.compute_type, fleet.status)
        return fleet

    def _instances_wanted(self, instance_type: str, location: str, *, exclude: tuple[str, str] | None = None) -> int:
        """Desired instances of a type the account already has in a location (across fleets)."""
        total = 0
        for fleet in self._fleets.values():
            if fleet.instance_type != instance_type or fleet.status in GONE:
                continue
            state = fleet.location_states.get(location)
            if state is None or state.status in GONE or (fleet.fleet_id, location) == exclude:
                continue
            total += state.desired
        return total

    # -- the creation workflow ----------------------------------------------------------------
    def _stage(self) -> float:
        return float(self.emulator.config.fleet_stage_seconds)

    def _arm_fleet(self, fleet: Fleet) -> None:
        fleet_id = fleet.fleet_id
        when = fleet.status_since + self._stage()
        if fleet.status in CREATION_STAGES and fleet.status != FleetStatus.ACTIVE:
            expected = fleet.status
            self.timers.arm(f"fleet:{fleet_id}", when, lambda: self._advance(fleet_id, expected))
        elif fleet.status == FleetStatus.DELETING:
            self.timers.arm(f"fleet:{fleet_id}", when, lambda: self._terminated(fleet_id))
        elif fleet.status == FleetStatus.TERMINATED:
            # UNCONFIRMED: how long a TERMINATED fleet stays visible before describe calls stop finding it.
            self.timers.arm(f"fleet:{fleet_id}", when, lambda: self._vanish(fleet_id))

    def _advance(self, fleet_id: str, expected: FleetStatus) -> None:
        fleet = self._fleets.get(fleet_id)
        if fleet is None or fleet.status != expected:
            return
        new = lifecycle.next_stage(expected)
        if new is None:
            return
        if expected == FleetStatus.VALIDATING and str(self.emulator.config.processes) == "real":
            missing = self.supervisor.launcher.missing_launch_paths(fleet)
            if missing:
                self._fail(fleet, "FLEET_VALIDATION_LAUNCH_PATH_NOT_FOUND",
                           f"Launch path(s) not found in build {fleet.build_id}: {', '.join(missing)}")
                return
        if expected == FleetStatus.ACTIVATING and not self.supervisor.activation_ready(fleet):
            # Real processes: ACTIVE once one of them reports ready (process_ready), ERROR if none does in time.
            self._awaiting_processes.add(fleet_id)
            timeout = float(self.emulator.config.fleet_activation_timeout_seconds)
            self.timers.arm(
                f"fleet:{fleet_id}",
                self.emulator.clock.now() + timeout,
                lambda: self._activation_failed(fleet_id),
            )
            return
        now = self.emulator.clock.now()
        old = fleet.status
        fleet.status = new
        fleet.status_since = now
        for state in fleet.location_states.values():
            if state.status == old:
                state.status = new
                state.status_since = now
        self.emulator.events.record(fleet_id, lifecycle.FLEET_STATE_EVENTS[new], lifecycle.state_message(fleet_id, new))
        if new == FleetStatus.ACTIVATING:
            # The first instances boot while the fleet activates; their processes report ready as it turns ACTIVE.
            for name in fleet.locations:
                self.supervisor.scale(fleet, name)
        self._save(fleet)
        self._arm_fleet(fleet)
        log.info("fleet=%s status=%s", fleet_id, new)

    def _activation_failed(self, fleet_id: str) -> None:
        fleet = self._fleets.get(fleet_id)
        if fleet is None or fleet.status != FleetStatus.ACTIVATING or fleet_id not in self._awaiting_processes:
            return
        self._awaiting_processes.discard(fleet_id)
        self._fail(
            fleet,
            "FLEET_ACTIVATION_FAILED",
            f"No server process of fleet {fleet_id} called ProcessReady() within "
            f"{self.emulator.config.fleet_activation_timeout_seconds} seconds; see the fleet's server process events",
        )

    def _fail(self, fleet: Fleet, code: str, message: str) -> None:
        """Creation failed: the fleet goes to ERROR and its instances away (it can still be deleted)."""
        now = self.emulator.clock.now()
        self.emulator.events.record(fleet.fleet_id, code, message)
        fleet.status = FleetStatus.ERROR
        fleet.status_since = now
        for state in fleet.location_states.values():
            if state.status not in GONE:
                state.status = FleetStatus.ERROR
                state.status_since = now
        self.emulator.events.record(
            fleet.fleet_id, "FLEET_STATE_ERROR", lifecycle.state_message(fleet.fleet_id, FleetStatus.ERROR)
        )
        for instance in list(self.supervisor.of_fleet(fleet.fleet_id)):
            self.supervisor.remove_instance(instance.instance_id)
        self._save(fleet)
        log.warning("fleet=%s status=ERROR %s: %s", fleet.fleet_id, code, message)

    def _arm_location(self, fleet: Fleet, state: FleetLocation) -> None:
        """Timers of a location that moves on its own (added to a live fleet, or being deleted)."""
        fleet_id, name = fleet.fleet_id, state.location
        key = f"location:{fleet_id}:{name}"
        when = state.status_since + self._stage()
        if fleet.status in GONE:
            return
        if state.status in lifecycle.LOCATION_STAGES and state.status != FleetStatus.ACTIVE:
            if state.status != fleet.status:  # locations created with the fleet move with it
                expected = state.status
                self.timers.arm(key, when, lambda: self._advance_location(fleet_id, name, expected))
        elif state.status == FleetStatus.DELETING:
            self.timers.arm(key, when, lambda: self._location_terminated(fleet_id, name))
        elif state.status == FleetStatus.TERMINATED:
            self.timers.arm(key, when, lambda: self._location_vanish(fleet_id, name))

    def _advance_location(self, fleet_id: str, name: str, expected: FleetStatus) -> None:
        fleet = self._fleets.get(fleet_id)
        state = fleet.location_states.get(name) if fleet else None
        if fleet is None or state is None or state.status != expected or fleet.status in GONE:
            return
        new = lifecycle.next_stage(expected, lifecycle.LOCATION_STAGES)
        if new is None:
            return
        self._set_location_status(fleet, state, new)
        if new == FleetStatus.ACTIVATING:
            self.supervisor.scale(fleet, name)
        self._save(fleet)
        self._arm_location(fleet, state)

    def _set_location_status(self, fleet: Fleet, state: FleetLocation, status: FleetStatus) -> None:
        state.status = status
        state.status_since = self.emulator.clock.now()
        code = lifecycle.LOCATION_STATE_EVENTS.get(status)
        if code is not None:
            self.emulator.events.record(
                fleet.fleet_id, code, lifecycle.location_message(fleet.fleet_id, state.location, status)
            )

    def _location_terminated(self, fleet_id: str, name: str) -> None:
        fleet = self._fleets.get(fleet_id)
        state = fleet.location_states.get(name) if fleet else None
        if fleet is None or state is None or state.status != FleetStatus.DELETING:
            return
        if self._still_ending(fleet, state.status_since, name, f"location:{fleet_id}:{name}",
                              lambda: self._location_terminated(fleet_id, name)):
            return
        for instance in list(self.supervisor.of_fleet(fleet_id, name)):
            self.supervisor.remove_instance(instance.instance_id)
        self._set_location_status(fleet, state, FleetStatus.TERMINATED)
        self._save(fleet)
        self._arm_location(fleet, state)

    def _location_vanish(self, fleet_id: str, name: str) -> None:
        fleet = self._fleets.get(fleet_id)
        state = fleet.location_states.get(name) if fleet else None
        if fleet is None or state is None or state.status != FleetStatus.TERMINATED:
            return
        del fleet.location_states[name]
        self._save(fleet)

    # -- deletion ---------------------------------------------------------------------------
    def delete(self, fleet_id: str) -> None:
        fleet = self.get(fleet_id)
        if fleet.status in GONE:
            raise InvalidFleetStatusException(f"Fleet {fleet.fleet_id} is already {fleet.status}")
        if fleet.status in _UNDELETABLE:
            raise InvalidRequestException(f"Cannot delete fleet {fleet.fleet_id} that is in status of {fleet.status}")
        now = self.emulator.clock.now()
        fleet.status = FleetStatus.DELETING
        fleet.status_since = now
        for state in fleet.location_states.values():
            state.status = FleetStatus.DELETING
            state.status_since = now
        self.timers.cancel_prefix(f"location:{fleet.fleet_id}:")
        self.timers.cancel_prefix(f"scale:{fleet.fleet_id}:")
        # UNCONFIRMED: FLEET_DELETED is written when deletion starts ("A request to delete a fleet was initiated").
        self.emulator.events.record(
            fleet.fleet_id, "FLEET_DELETED", f"Fleet {fleet.fleet_id} deletion requested; changed state to DELETING"
        )
        for instance in list(self.supervisor.of_fleet(fleet.fleet_id)):
            if instance.status != InstanceStatus.TERMINATING:
                self.supervisor.terminate_instance(fleet, instance)
        if fleet.is_anywhere:
            # The connected processes of its computes end as a managed instance's do (they are not ours to kill:
            # see _still_ending).
            self.supervisor.wind_down(list(self.processes.of_fleet(fleet.fleet_id)))
        self._save(fleet)
        self._arm_fleet(fleet)
        log.info("fleet=%s deleting", fleet.fleet_id)

    def _terminated(self, fleet_id: str) -> None:
        fleet = self._fleets.get(fleet_id)
        if fleet is None or fleet.status != FleetStatus.DELETING:
            return
        if self._still_ending(fleet, fleet.status_since, None, f"fleet:{fleet_id}", lambda: self._terminated(fleet_id)):
            return
        for instance in list(self.supervisor.of_fleet(fleet_id)):
            self.supervisor.remove_instance(instance.instance_id)
        for process in list(self.processes.of_fleet(fleet_id)):
            self.supervisor.end_process(process, -1, "INTERRUPTED", event=None, replace=False)
        sessions = getattr(self.emulator, "game_sessions", None)
        terminate_for_fleet = getattr(sessions, "terminate_for_fleet", None)
        if terminate_for_fleet is not None:
            # Sessions whose process did not survive a restart end here too.
            terminate_for_fleet(fleet_id)
        now = self.emulator.clock.now()
        fleet.status = FleetStatus.TERMINATED
        fleet.status_since = now
        fleet.termination_time = now
        for state in fleet.location_states.values():
            state.status = FleetStatus.TERMINATED
            state.status_since = now
        self.emulator.events.record(
            fleet_id, "GENERIC_EVENT", lifecycle.state_message(fleet_id, FleetStatus.TERMINATED)
        )
        computes = getattr(self.emulator, "computes", None)
        forget = getattr(computes, "forget_fleet", None)
        if forget is not None:
            forget(fleet_id)
        self._save(fleet)
        self._arm_fleet(fleet)
        log.info("fleet=%s terminated", fleet_id)

    def _still_ending(
        self, fleet: Fleet, since: float, location: str | None, key: str, again: Callable[[], None]
    ) -> bool:
        """Whether a fleet (or location) being deleted still waits for server processes told to end.

        As on GameLift, DELETING lasts until every process has ended after
        OnProcessTerminate or the termination window has passed; then whatever
        is left is force-killed (``force_end``: a managed process is killed; an
        Anywhere process, which runs on its owner's compute, is not, but its
        game session ends and its socket is closed). True when a re-check has been armed.
        """
        remaining = [
            p
            for p in self.processes.of_fleet(fleet.fleet_id, location)
            if fleet.is_anywhere or self.supervisor.get(p.compute_name)
        ]
        if not remaining:
            return False
        now = self.emulator.clock.now()
        deadline = self.supervisor.termination_deadline(since)
        if now < deadline:
            self.timers.arm(key, min(now + self.supervisor.poll_seconds(), deadline), again)
            return True
        for process in remaining:
            self.supervisor.force_end(process)
        return False

    def _vanish(self, fleet_id: str) -> None:
        fleet = self._fleets.get(fleet_id)
        if fleet is None or fleet.status != FleetStatus.TERMINATED:
            return
        del self._fleets[fleet_id]
        self.timers.cancel_prefix(f"fleet:{fleet_id}")
        self.emulator.store.delete(KIND, fleet_id)
        self.emulator.events.forget(fleet_id)

    # -- attributes, runtime configuration, ports ------------------------------------------------
    def _mutable(self, fleet_id: str) -> Fleet:
        fleet = self.get(fleet_id)
        if fleet.status in GONE:
            raise InvalidFleetStatusException(f"Fleet {fleet.fleet_id} is {fleet.status}; it can no longer be changed")
        return fleet

    def update_attributes(self, p: dict[str, Any]) -> Fleet:
        fleet = self._mutable(p["FleetId"])
        if p.get("AnywhereConfiguration") is not None and not fleet.is_anywhere:
            raise InvalidRequestException("AnywhereConfiguration applies to Anywhere fleets only")
        if p.get("Name") is not None:
            fleet.name = p["Name"]
        if p.get("Description") is not None:
            fleet.description = p["Description"]
        policy = p.get("NewGameSessionProtectionPolicy")
        if policy is not None and policy != fleet.new_game_session_protection_policy:
            old, fleet.new_game_session_protection_policy = fleet.new_game_session_protection_policy, policy
            self.emulator.events.record(
                fleet.fleet_id,
                "FLEET_NEW_GAME_SESSION_PROTECTION_POLICY_UPDATED",
                f"Fleet {fleet.fleet_id} new game session protection policy changed from {old} to {policy}",
            )
        if p.get("ResourceCreationLimitPolicy") is not None:
            merged = dict(fleet.resource_creation_limit_policy or {})
            merged.update(p["ResourceCreationLimitPolicy"])
            fleet.resource_creation_limit_policy = creation.limit_policy(merged)
        if p.get("MetricGroups") is not None:
            fleet.metric_groups = list(p["MetricGroups"])
        if p.get("AnywhereConfiguration") is not None:
            fleet.anywhere_configuration = p["AnywhereConfiguration"]
        self._save(fleet)
        return fleet

    def update_runtime_configuration(self, fleet_id: str, config: dict[str, Any]) -> Fleet:
        fleet = self._mutable(fleet_id)
        fleet.runtime_configuration = runtime.normalise(config, fleet.operating_system, managed=not fleet.is_anywhere)
        self._save(fleet)
        # Idle processes turn over now; busy ones when their game session ends.
        for instance in list(self.supervisor.of_fleet(fleet.fleet_id)):
            self.supervisor.fill(fleet, instance)
        return fleet

    def update_port_settings(
        self, fleet_id: str, authorize: list[dict[str, Any]] | None, revoke: list[dict[str, Any]] | None
    ) -> Fleet:
        fleet = self._mutable(fleet_id)
        if fleet.is_anywhere:
            raise InvalidRequestException("Port settings apply to EC2 fleets only")
        fleet.inbound_permissions = ports.apply_update(fleet.inbound_permissions, authorize, revoke)
        self._save(fleet)
        return fleet

    # -- locations ---------------------------------------------------------------------------
    def location_of(self, fleet: Fleet, name: str | None) -> FleetLocation:
        state = fleet.location(name)
        if state is None:
            raise NotFoundException(f"Location {name} not found for fleet {fleet.fleet_id}.")
        return state

    def create_locations(self, fleet_id: str, names: list[str]) -> tuple[Fleet, list[FleetLocation]]:
        fleet = self._mutable(fleet_id)
        if fleet.status != FleetStatus.ACTIVE:
            raise InvalidFleetStatusException(
                f"Fleet {fleet.fleet_id} is {fleet.status}; locations can be added to an ACTIVE fleet"
            )
        checked = creation.checked_locations(self.emulator, names, anywhere=fleet.is_anywhere)
        for name in checked:
            if name in fleet.location_states:
                raise InvalidRequestException(f"Location {name} is already a location of fleet {fleet.fleet_id}")
        if not fleet.is_anywhere and fleet.instance_type:
            for name in checked:
                capacity.check_limit(fleet.instance_type, name, 1, self._instances_wanted(fleet.instance_type, name))
        now = self.emulator.clock.now()
        added = []
        for name in checked:
            if fleet.is_anywhere:
                state = FleetLocation(name, status=FleetStatus.ACTIVE, status_since=now, desired=0, maximum=0)
            else:
                state = FleetLocation(name, status=FleetStatus.NEW, status_since=now)
            fleet.location_states[name] = state
            code = "LOCATION_STATE_ACTIVE" if fleet.is_anywhere else "LOCATION_STATE_PENDING"
            self.emulator.events.record(
                fleet.fleet_id, code, lifecycle.location_message(fleet.fleet_id, name, state.status)
            )
            self._arm_location(fleet, state)
            added.append(state)
        self._save(fleet)
        return fleet, added

    def delete_locations(self, fleet_id: str, names: list[str]) -> tuple[Fleet, list[FleetLocation]]:
        fleet = self._mutable(fleet_id)
        states = []
        for name in dict.fromkeys(names):
            if name == fleet.home_location:
                raise InvalidRequestException(f"The home location {name} of fleet {fleet.fleet_id} cannot be deleted")
            states.append(self.location_of(fleet, name))
        computes = getattr(self.emulator, "computes", None)
        for state in states:
            if state.status in GONE:
                continue
            self._set_location_status(fleet, state, FleetStatus.DELETING)
            self.timers.cancel(f"scale:{fleet.fleet_id}:{state.location}")
            for instance in list(self.supervisor.of_fleet(fleet.fleet_id, state.location)):
                if instance.status != InstanceStatus.TERMINATING:
                    self.supervisor.terminate_instance(fleet, instance)
            forget = getattr(computes, "forget_location", None)
            if fleet.is_anywhere and forget is not None:
                forget(fleet.fleet_id, state.location)
            self._arm_location(fleet, state)
        self._save(fleet)
        return fleet, states

    # -- capacity ------------------------------------------------------------------------------
    def update_capacity(self, p: dict[str, Any]) -> tuple[Fleet, FleetLocation]:
        fleet = self.get(p["FleetId"])
        if fleet.is_anywhere:
            raise InvalidRequestException("UpdateFleetCapacity applies to managed EC2 fleets, not Anywhere fleets")
        state = self.location_of(fleet, p.get("Location"))
        if fleet.status != FleetStatus.ACTIVE or state.status != FleetStatus.ACTIVE:
            raise InvalidFleetStatusException(
                f"Fleet {fleet.fleet_id} location {state.location} is {state.status}; "
                "capacity can be updated when ACTIVE"
            )
        desired, minimum, maximum = capacity.resolve(
            state, p.get("DesiredInstances"), p.get("MinSize"), p.get("MaxSize")
        )
        if desired > state.desired and fleet.instance_type:
            others = self._instances_wanted(
                fleet.instance_type, state.location, exclude=(fleet.fleet_id, state.location)
            )
            capacity.check_limit(fleet.instance_type, state.location, desired, others)
        changed = (desired, minimum, maximum) != (state.desired, state.minimum, state.maximum)
        state.desired, state.minimum, state.maximum = desired, minimum, maximum
        if p.get("ManagedCapacityConfiguration") is not None:
            state.managed_capacity = dict(p["ManagedCapacityConfiguration"])
        if changed:
            self.emulator.events.record(
                fleet.fleet_id,
                "FLEET_SCALING_EVENT",
                f"Fleet {fleet.fleet_id} capacity in {state.location} set to desired {desired}, "
                f"minimum {minimum}, maximum {maximum}",
            )
        self._save(fleet)
        self.supervisor.scale(fleet, state.location)
        return fleet, state

    def set_desired(self, fleet_id: str, location: str | None, desired: int, reason: str) -> None:
        """For auto-scaling: change desired capacity within min..max (clamped), with a scaling event."""
        fleet = self.get(fleet_id)
        state = self.location_of(fleet, location)
        if fleet.status != FleetStatus.ACTIVE or state.status != FleetStatus.ACTIVE:
            return
        desired = min(max(desired, state.minimum), state.maximum)
        if desired == state.desired:
            return
        state.desired = desired
        self.emulator.events.record(
            fleet.fleet_id,
            "FLEET_SCALING_EVENT",
            f"Fleet {fleet.fleet_id} desired capacity in {state.location} set to {desired}: {reason}",
        )
        self._save(fleet)
        self.supervisor.scale(fleet, state.location)

    def capacity_of(self, fleet: Fleet, location: str) -> dict[str, Any]:
        state = self.location_of(fleet, location)
        counts = capacity.instance_counts(
            state, self.supervisor.of_fleet(fleet.fleet_id, location), self.supervisor.busy_instances(fleet.fleet_id)
        )
        return {
            "FleetId": fleet.fleet_id,
            "FleetArn": fleet.fleet_arn,
            "InstanceType": fleet.instance_type,
            "InstanceCounts": counts,
            "Location": location,
            "ManagedCapacityConfiguration": state.managed_capacity,
        }

    def utilization_of(self, fleet: Fleet, location: str) -> dict[str, Any]:
        self.location_of(fleet, location)
        active = sum(1 for p in self.processes.of_fleet(fleet.fleet_id, location) if p.status == ProcessStatus.ACTIVE)
        sessions = _session_utilization(self.emulator, fleet.fleet_id, location)
        return {
            "FleetId": fleet.fleet_id,
            "FleetArn": fleet.fleet_arn,
            "ActiveServerProcessCount": active,
            "ActiveGameSessionCount": sessions["active_game_sessions"],
            "CurrentPlayerSessionCount": sessions["current_player_sessions"],
            "MaximumPlayerSessionCount": sessions["maximum_player_sessions"],
            "Location": location,
        }

    def set_actions(self, fleet_id: str, actions: list[str], location: str | None, *, stopped: bool) -> Fleet:
        fleet = self.get(fleet_id)
        if fleet.is_anywhere:
            raise InvalidRequestException("Fleet actions apply to managed EC2 fleets, not Anywhere fleets")
        state = self.location_of(fleet, location)
        for action in actions:
            if stopped and action not in state.stopped_actions:
                state.stopped_actions.append(action)
            elif not stopped and action in state.stopped_actions:
                state.stopped_actions.remove(action)
        self._save(fleet)
        return fleet

    def instance_limits(self, instance_type: str | None, location: str | None) -> list[dict[str, Any]]:
        where = location or self.emulator.config.region
        types = [instance_type] if instance_type else list(service_model().shape_for("EC2InstanceType").enum)
        in_use: dict[str, int] = {}
        for instance in self.supervisor.all():
            if instance.location == where and instance.status != InstanceStatus.TERMINATING:
                in_use[instance.instance_type] = in_use.get(instance.instance_type, 0) + 1
        return [
            {
                "EC2InstanceType": t,
                "CurrentInstances": in_use.get(t, 0),
                "InstanceLimit": capacity.INSTANCE_LIMIT,
                "Location": where,
            }
            for t in types
        ]


def _session_utilization(emulator: Emulator, fleet_id: str, location: str) -> dict[str, int]:
    """Game-session counts from the game session service (zeros while it is not there)."""
    zeros = {"active_game_sessions": 0, "current_player_sessions": 0, "maximum_player_sessions": 0}
    sessions = getattr(emulator, "game_sessions", None)
    utilization = getattr(sessions, "utilization", None)
    if utilization is None:
        return zeros
    try:
        found = utilization(fleet_id, location) or {}
    except Exception:
        log.exception("game_sessions.utilization(%s, %s) failed", fleet_id, location)
        return zeros
    return {k: int(found.get(k, 0)) for k in zeros}


__all__ = ["FleetService", "ServerProcess"]
