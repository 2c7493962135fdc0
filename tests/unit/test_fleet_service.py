"""The fleet service in-process: processes, scale-in, crashes, restarts, auth tokens.

A real ``Emulator`` on a manual clock and an SQLite file, with a stand-in for
the game session service so each test controls which processes host sessions.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from infra.emulator.config import EmulatorConfig
from infra.emulator.emulator import Emulator
from infra.emulator.fleets.model import FleetStatus, InstanceStatus
from infra.emulator.fleets.processes import ProcessStatus, ServerProcess

STAGE = 0.2


@dataclass
class Session:
    game_session_id: str
    compute_name: str
    port: int | None


class FakeGameSessions:
    """What the fleet service asks of the game session service."""

    def __init__(self) -> None:
        self.protected: set[str] = set()
        self.ended: list[tuple[str, str | None]] = []
        self.live: list[Session] = []

    def is_protected(self, game_session_id: str) -> bool:
        return game_session_id in self.protected

    def on_process_ended(self, game_session_id: str, reason: str | None = None) -> None:
        self.ended.append((game_session_id, reason))

    def utilization(self, fleet_id: str, location: str | None = None) -> dict[str, int]:
        return {"active_game_sessions": 2, "current_player_sessions": 3, "maximum_player_sessions": 10}

    def live_sessions(self, fleet_id: str) -> list[Session]:
        return list(self.live)

    def terminate_for_fleet(self, fleet_id: str) -> None:
        pass


def make_emulator(tmp_path: Path, now: float | None = None) -> Emulator:
    """An emulator on the test's database, started as the server starts it (load, then resume)."""
    config = EmulatorConfig(
        database=str(tmp_path / "state.db"), clock="manual", data_dir=str(tmp_path / "data"), fleet_stage_seconds=STAGE
    )
    emu = Emulator(config)
    # An hour ahead of the wall clock, so a restarted emulator's clock lands exactly where the last one stopped.
    emu.clock.set(time.time() + 3600 if now is None else now)  # type: ignore[union-attr]
    emu.game_sessions = FakeGameSessions()  # type: ignore[assignment]
    for service in emu.services.values():
        service.resume()
    return emu


def restart(emu: Emulator, tmp_path: Path) -> Emulator:
    """A new emulator process on the same database, at the same moment."""
    emu.store.commit()
    now = emu.clock.now()
    emu.store.close()
    return make_emulator(tmp_path, now)


@pytest.fixture
def emu(tmp_path: Path) -> Emulator:
    return make_emulator(tmp_path)


def build(emu: Emulator, tmp_path: Path) -> str:
    files = tmp_path / "build"
    files.mkdir(exist_ok=True)
    (files / "server").write_text("x")
    storage = {"Bucket": "gamelift-local", "Key": str(files), "RoleArn": "arn:aws:iam::123456789012:role/r"}
    return emu.builds.create({"Name": "b", "StorageLocation": storage}).build_id


def fleet(emu: Emulator, tmp_path: Path, processes: int = 2, **extra: Any) -> str:
    params = {
        "Name": "f",
        "BuildId": build(emu, tmp_path),
        "EC2InstanceType": "c5.large",
        "EC2InboundPermissions": [{"FromPort": 4000, "ToPort": 4009, "IpRange": "0.0.0.0/0", "Protocol": "TCP"}],
        "RuntimeConfiguration": {
            "ServerProcesses": [{"LaunchPath": "/local/game/server", "ConcurrentExecutions": processes}]
        },
        **extra,
    }
    return emu.fleets.create(params).fleet_id


def active(emu: Emulator, tmp_path: Path, **kwargs: Any) -> str:
    fleet_id = fleet(emu, tmp_path, **kwargs)
    emu.scheduler.advance(10 * STAGE)
    assert emu.fleets.get(fleet_id).status == FleetStatus.ACTIVE
    return fleet_id


def processes(emu: Emulator, fleet_id: str) -> list[ServerProcess]:
    return sorted(emu.fleets.processes.of_fleet(fleet_id), key=lambda p: (p.compute_name, p.port or 0))


def test_active_instance_runs_simulated_processes_on_distinct_ports(emu: Emulator, tmp_path: Path) -> None:
    fleet_id = active(emu, tmp_path, processes=3)
    running = processes(emu, fleet_id)
    assert len(running) == 3
    assert all(p.status == ProcessStatus.ACTIVE and p.simulated and p.channel is not None for p in running)
    assert sorted(p.port for p in running) == [4000, 4001, 4002]
    assert {p.ip_address for p in running} == {emu.config.public_ip}
    assert {p.dns_name for p in running} == {emu.config.public_dns}
    assert {p.launch_path for p in running} == {"/local/game/server"}
    (instance,) = emu.fleets.instances(fleet_id)
    assert {p.compute_name for p in running} == {instance.instance_id}


def test_crash_ends_the_session_records_an_event_and_replaces_the_process(emu: Emulator, tmp_path: Path) -> None:
    fleet_id = active(emu, tmp_path)
    victim = processes(emu, fleet_id)[0]
    victim.game_session_id = "gsess-1"
    emu.fleets.process_ended(victim.process_id, exit_code=139)
    assert emu.game_sessions.ended == [("gsess-1", "INTERRUPTED")]
    after = processes(emu, fleet_id)
    assert len(after) == 2 and victim.process_id not in {p.process_id for p in after}
    assert victim.port in {p.port for p in after}  # its port was freed and reused
    assert emu.events.codes(fleet_id)[-1] == "SERVER_PROCESS_CRASHED"


def test_clean_exit_after_terminate_is_not_a_crash(emu: Emulator, tmp_path: Path) -> None:
    fleet_id = active(emu, tmp_path)
    process = processes(emu, fleet_id)[0]
    process.game_session_id = "gsess-2"
    process.channel.terminate_process(process, emu.clock.now())  # type: ignore[union-attr]
    emu.scheduler.advance(0)
    assert emu.game_sessions.ended == [("gsess-2", None)]
    assert "SERVER_PROCESS_CRASHED" not in emu.events.codes(fleet_id)
    assert len(processes(emu, fleet_id)) == 2


def test_force_terminated_process_is_recorded_as_such(emu: Emulator, tmp_path: Path) -> None:
    fleet_id = active(emu, tmp_path)
    emu.fleets.process_ended(processes(emu, fleet_id)[0].process_id, exit_code=-9)
    assert emu.events.codes(fleet_id)[-1] == "SERVER_PROCESS_FORCE_TERMINATED"
    assert len(processes(emu, fleet_id)) == 2


def test_processes_never_exceed_the_open_ports(emu: Emulator, tmp_path: Path) -> None:
    narrow = [{"FromPort": 4000, "ToPort": 4002, "IpRange": "0.0.0.0/0", "Protocol": "UDP"}]
    fleet_id = active(emu, tmp_path, processes=5, EC2InboundPermissions=narrow)
    assert sorted(p.port for p in processes(emu, fleet_id)) == [4000, 4001, 4002]
    assert emu.events.codes(fleet_id).count("GENERIC_EVENT") == 1


def test_unknown_process_end_is_ignored(emu: Emulator) -> None:
    emu.fleets.process_ended("process-unknown", exit_code=1)


def test_scale_in_keeps_protected_instances_until_their_sessions_end(emu: Emulator, tmp_path: Path) -> None:
    fleet_id = active(emu, tmp_path)
    emu.fleets.update_capacity({"FleetId": fleet_id, "DesiredInstances": 3, "MaxSize": 3})
    emu.scheduler.advance(STAGE)
    first, second, third = emu.fleets.instances(fleet_id)
    guarded = next(p for p in emu.fleets.processes.on_compute(first.instance_id))
    guarded.game_session_id = "gsess-protected"
    emu.game_sessions.protected.add("gsess-protected")
    busy = next(p for p in emu.fleets.processes.on_compute(second.instance_id))
    busy.game_session_id = "gsess-busy"
    emu.fleets.update_capacity({"FleetId": fleet_id, "DesiredInstances": 1})
    # The idle instance goes first, then the one whose session may be interrupted; the protected one stays.
    assert third.status == InstanceStatus.TERMINATING
    assert second.status == InstanceStatus.TERMINATING
    assert first.status == InstanceStatus.ACTIVE
    emu.scheduler.advance(STAGE)
    assert [i.instance_id for i in emu.fleets.instances(fleet_id)] == [first.instance_id]
    assert ("gsess-busy", None) in emu.game_sessions.ended

    emu.fleets.update_capacity({"FleetId": fleet_id, "DesiredInstances": 0})
    emu.scheduler.advance(5)
    assert first.status == InstanceStatus.ACTIVE  # still protected
    emu.game_sessions.protected.clear()
    guarded.game_session_id = None
    emu.scheduler.advance(5)
    assert emu.fleets.instances(fleet_id) == []


def test_full_protection_policy_guards_sessions_without_a_game_session_service(emu: Emulator, tmp_path: Path) -> None:
    del emu.game_sessions
    fleet_id = active(emu, tmp_path, NewGameSessionProtectionPolicy="FullProtection")
    (instance,) = emu.fleets.instances(fleet_id)
    next(emu.fleets.processes.on_compute(instance.instance_id)).game_session_id = "gsess-x"
    emu.fleets.update_capacity({"FleetId": fleet_id, "DesiredInstances": 0})
    assert instance.status == InstanceStatus.ACTIVE


def test_utilization_asks_the_game_session_service(emu: Emulator, tmp_path: Path) -> None:
    fleet_id = active(emu, tmp_path)
    fleet = emu.fleets.get(fleet_id)
    assert emu.fleets.utilization_of(fleet, fleet.home_location) == {
        "FleetId": fleet_id,
        "FleetArn": fleet.fleet_arn,
        "ActiveServerProcessCount": 2,
        "ActiveGameSessionCount": 2,
        "CurrentPlayerSessionCount": 3,
        "MaximumPlayerSessionCount": 10,
        "Location": fleet.home_location,
    }


def test_runtime_update_replaces_idle_processes_and_lets_busy_ones_finish(emu: Emulator, tmp_path: Path) -> None:
    fleet_id = active(emu, tmp_path)
    busy = processes(emu, fleet_id)[0]
    busy.game_session_id = "gsess-3"
    emu.fleets.update_runtime_configuration(
        fleet_id, {"ServerProcesses": [{"LaunchPath": "/local/game/v2", "ConcurrentExecutions": 2}]}
    )
    running = processes(emu, fleet_id)
    assert sorted(p.launch_path for p in running) == ["/local/game/server", "/local/game/v2", "/local/game/v2"]
    emu.fleets.process_ended(busy.process_id, exit_code=0)
    assert sorted(p.launch_path for p in processes(emu, fleet_id)) == ["/local/game/v2", "/local/game/v2"]


def test_restart_continues_the_creation_workflow(emu: Emulator, tmp_path: Path) -> None:
    fleet_id = fleet(emu, tmp_path)
    emu.scheduler.advance(STAGE * 2)
    assert emu.fleets.get(fleet_id).status == FleetStatus.VALIDATING
    again = restart(emu, tmp_path)
    assert again.fleets.get(fleet_id).status == FleetStatus.VALIDATING
    again.scheduler.advance(STAGE * 3 + 0.01)
    assert again.fleets.get(fleet_id).status == FleetStatus.ACTIVE
    assert len(processes(again, fleet_id)) == 2
    assert again.events.codes(fleet_id)[-1] == "FLEET_STATE_ACTIVE"


def test_restart_relaunches_processes_and_rebinds_sessions(emu: Emulator, tmp_path: Path) -> None:
    fleet_id = active(emu, tmp_path)
    hosting = processes(emu, fleet_id)[1]
    (instance,) = emu.fleets.instances(fleet_id)
    again_sessions = Session("gsess-kept", instance.instance_id, hosting.port)
    again = restart(emu, tmp_path)
    assert len(processes(again, fleet_id)) == 2  # relaunched by resume, before the session was known
    again.game_sessions.live = [again_sessions]
    again.fleets.supervisor._rebind_sessions(again.fleets.get(fleet_id))
    rebound = again.fleets.processes.hosting("gsess-kept")
    assert rebound is not None and rebound.port == hosting.port and rebound.compute_name == instance.instance_id
    assert [i.status for i in again.fleets.instances(fleet_id)] == [InstanceStatus.ACTIVE]


def test_restart_during_deletion_finishes_it(emu: Emulator, tmp_path: Path) -> None:
    fleet_id = active(emu, tmp_path)
    emu.fleets.delete(fleet_id)
    again = restart(emu, tmp_path)
    again.scheduler.advance(STAGE)
    assert again.fleets.get(fleet_id).status == FleetStatus.TERMINATED
    assert processes(again, fleet_id) == [] and again.fleets.instances(fleet_id) == []
    again.scheduler.advance(STAGE)
    assert again.fleets.find(fleet_id) is None
    assert again.events.query(fleet_id) == []


def test_reset_forgets_fleets_and_processes(emu: Emulator, tmp_path: Path) -> None:
    fleet_id = active(emu, tmp_path)
    emu.reset()
    assert emu.fleets.count() == 0 and len(emu.fleets.processes) == 0
    assert emu.fleets.find(fleet_id) is None and emu.events.count() == 0


def test_uses_location(emu: Emulator, tmp_path: Path) -> None:
    fleet_id = active(emu, tmp_path, Locations=[{"Location": "eu-west-1"}])
    assert emu.fleets.uses_location("eu-west-1") and not emu.fleets.uses_location("ap-south-1")
    assert emu.fleets.get(fleet_id).locations == ["us-west-2", "eu-west-1"]
    assert emu.fleets.get(emu.fleets.get(fleet_id).fleet_arn).fleet_id == fleet_id


def anywhere_fleet_with_compute(emu: Emulator) -> str:
    """An Anywhere fleet in custom location ``custom-lab`` with compute ``box`` (10.0.0.1) registered."""
    emu.locations.create("custom-lab", None)
    fleet_id = emu.fleets.create(
        {"Name": "a", "ComputeType": "ANYWHERE", "Locations": [{"Location": "custom-lab"}]}
    ).fleet_id
    emu.computes.register(
        {"FleetId": fleet_id, "ComputeName": "box", "Location": "custom-lab", "IpAddress": "10.0.0.1"}
    )
    return fleet_id


def test_auth_tokens_are_bound_to_fleet_compute_and_time(emu: Emulator, tmp_path: Path) -> None:
    fleet_id = anywhere_fleet_with_compute(emu)
    emu.computes.register(
        {"FleetId": fleet_id, "ComputeName": "other", "Location": "custom-lab", "IpAddress": "10.0.0.2"}
    )
    token = emu.computes.auth_token(fleet_id, "box")["AuthToken"]
    assert emu.computes.check_auth_token(token, fleet_id, "box")
    assert emu.computes.check_auth_token(token, emu.fleets.get(fleet_id).fleet_arn, "box")
    assert not emu.computes.check_auth_token(token, fleet_id, "other")
    assert not emu.computes.check_auth_token(token, "fleet-other", "box")
    assert not emu.computes.check_auth_token("made-up", fleet_id, "box")
    emu.scheduler.advance(15 * 60 - 1)
    assert emu.computes.check_auth_token(token, fleet_id, "box")
    emu.scheduler.advance(2)
    assert not emu.computes.check_auth_token(token, fleet_id, "box")


def test_deregistering_a_compute_ends_its_processes_and_tokens(emu: Emulator, tmp_path: Path) -> None:
    fleet_id = anywhere_fleet_with_compute(emu)
    token = emu.computes.auth_token(fleet_id, "box")["AuthToken"]
    # What the SDK endpoint adds when a process on the compute calls ProcessReady.
    emu.fleets.processes.add(
        ServerProcess(
            "process-1",
            fleet_id,
            "custom-lab",
            "box",
            "10.0.0.1",
            7777,
            status=ProcessStatus.ACTIVE,
            game_session_id="gsess-9",
        )
    )
    emu.computes.deregister(fleet_id, "box")
    assert processes(emu, fleet_id) == []
    assert emu.game_sessions.ended == [("gsess-9", "INTERRUPTED")]
    assert not emu.computes.check_auth_token(token, fleet_id, "box")
