"""The autoscaler in-process: metrics read from the live fleet, the evaluation timer, persistence.

A real ``Emulator`` (fleets, game and player sessions) on a manual clock and an
SQLite file, started as the server starts it.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from infra.emulator.config import EmulatorConfig
from infra.emulator.emulator import Emulator
from infra.emulator.errors import InvalidRequestException, NotFoundException
from infra.emulator.fleets.model import FleetStatus
from infra.emulator.fleets.scaling import LocationMetrics, PolicyStatus

STAGE = 0.2
INTERVAL = 10.0  # a short "minute", as GAMELIFT_LOCAL_SCALING_INTERVAL_SECONDS would set it
GROW = {
    "PolicyType": "RuleBased",
    "MetricName": "IdleInstances",
    "ComparisonOperator": "GreaterThanOrEqualToThreshold",
    "Threshold": 1,
    "EvaluationPeriods": 1,
    "ScalingAdjustmentType": "ChangeInCapacity",
    "ScalingAdjustment": 1,
}


def make_emulator(tmp_path: Path, now: float | None = None) -> Emulator:
    config = EmulatorConfig(
        database=str(tmp_path / "state.db"),
        clock="manual",
        data_dir=str(tmp_path / "data"),
        fleet_stage_seconds=STAGE,
        scaling_interval_seconds=INTERVAL,
    )
    emu = Emulator(config)
    emu.clock.set(time.time() + 3600 if now is None else now)  # type: ignore[union-attr]
    for service in emu.services.values():
        service.resume()
    return emu


@pytest.fixture
def emu(tmp_path: Path) -> Emulator:
    return make_emulator(tmp_path)


def active_fleet(emu: Emulator, tmp_path: Path, processes: int = 2, **runtime: Any) -> str:
    files = tmp_path / "build"
    files.mkdir(exist_ok=True)
    (files / "server").write_text("x")
    storage = {"Bucket": "gamelift-local", "Key": str(files), "RoleArn": "arn:aws:iam::123456789012:role/r"}
    build_id = emu.builds.create({"Name": "b", "StorageLocation": storage}).build_id
    fleet_id = emu.fleets.create(
        {
            "Name": "f",
            "BuildId": build_id,
            "EC2InstanceType": "c5.large",
            "EC2InboundPermissions": [{"FromPort": 4000, "ToPort": 4009, "IpRange": "0.0.0.0/0", "Protocol": "TCP"}],
            "RuntimeConfiguration": {
                "ServerProcesses": [{"LaunchPath": "/local/game/server", "ConcurrentExecutions": processes}],
                **runtime,
            },
        }
    ).fleet_id
    emu.scheduler.advance(10 * STAGE)
    assert emu.fleets.get(fleet_id).status == FleetStatus.ACTIVE
    return fleet_id


def metrics(emu: Emulator, fleet_id: str) -> LocationMetrics:
    fleet = emu.fleets.get(fleet_id)
    return emu.scaling.metrics(fleet, fleet.home_location)


def desired(emu: Emulator, fleet_id: str) -> int:
    return emu.fleets.get(fleet_id).home.desired


def test_metrics_read_instances_processes_and_sessions(emu: Emulator, tmp_path: Path) -> None:
    fleet_id = active_fleet(emu, tmp_path, processes=3, MaxConcurrentGameSessionActivations=2)
    emu.fleets.update_capacity({"FleetId": fleet_id, "DesiredInstances": 2, "MaxSize": 2})
    emu.scheduler.advance(STAGE)
    empty = metrics(emu, fleet_id)
    assert (empty.active_instances, empty.idle_instances, empty.available_game_sessions) == (2, 2, 6)
    assert (empty.slots_per_instance, empty.server_processes, empty.sessions_in_use) == (3, 6, 0)
    assert empty.percent_available_game_sessions == 100.0 and empty.percent_idle_instances == 100.0
    assert empty.concurrent_activatable_game_sessions == 4  # two activations at a time on each instance

    first = emu.game_sessions.create({"FleetId": fleet_id, "MaximumPlayerSessionCount": 5})
    emu.scheduler.advance(0)
    emu.player_sessions.create(first.game_session_id, [("alice", None), ("bob", None)])
    second = emu.game_sessions.create({"FleetId": fleet_id, "MaximumPlayerSessionCount": 5})  # not activated yet
    sample = metrics(emu, fleet_id)
    assert (sample.activating_game_sessions, sample.active_game_sessions, sample.sessions_in_use) == (1, 1, 2)
    assert (sample.current_player_sessions, sample.available_player_sessions) == (2, 3)
    assert (sample.available_game_sessions, sample.idle_instances) == (4, 1)
    assert sample.percent_available_game_sessions == pytest.approx(100 * 4 / 6)
    # The busy instance has one idle process and one activation left; the idle one two of each.
    assert sample.concurrent_activatable_game_sessions == 3
    assert second.compute_name == first.compute_name


def test_slots_are_bounded_by_the_open_ports(emu: Emulator, tmp_path: Path) -> None:
    fleet_id = active_fleet(emu, tmp_path, processes=12)
    assert metrics(emu, fleet_id).slots_per_instance == 10


def test_evaluation_runs_every_interval_only_while_policies_exist(emu: Emulator, tmp_path: Path) -> None:
    fleet_id = active_fleet(emu, tmp_path)
    emu.fleets.update_capacity({"FleetId": fleet_id, "MaxSize": 5})
    timers = emu.scheduler.pending()
    emu.scaling.put({"FleetId": fleet_id, "Name": "grow", **GROW})
    assert emu.scheduler.pending() == timers + 2  # the activation and the evaluation
    emu.scheduler.advance(STAGE)
    assert emu.scaling.of_fleet(fleet_id)[0].status == PolicyStatus.ACTIVE
    emu.scheduler.advance(INTERVAL - STAGE)
    assert desired(emu, fleet_id) == 2
    # One long advance runs one evaluation per interval it passes (here: all in the ten-interval wait).
    emu.scheduler.advance(10 * INTERVAL)
    assert desired(emu, fleet_id) == 3
    emu.scaling.delete(fleet_id, "grow")
    emu.scheduler.advance(INTERVAL)
    assert emu.scaling._tick is None


def test_failed_put_changes_nothing(emu: Emulator, tmp_path: Path) -> None:
    fleet_id = active_fleet(emu, tmp_path)
    emu.scaling.put({"FleetId": fleet_id, "Name": "grow", **GROW})
    before = emu.scaling.of_fleet(fleet_id)[0]
    with pytest.raises(InvalidRequestException):
        emu.scaling.put({"FleetId": fleet_id, "Name": "grow", **{**GROW, "Threshold": None}})
    assert emu.scaling.of_fleet(fleet_id) == [before] and before.metric_name == "IdleInstances"
    with pytest.raises(NotFoundException):
        emu.scaling.delete(fleet_id, "nope")


def test_reset_forgets_policies_and_timers(emu: Emulator, tmp_path: Path) -> None:
    fleet_id = active_fleet(emu, tmp_path)
    emu.scaling.put({"FleetId": fleet_id, "Name": "grow", **GROW})
    emu.reset()
    assert emu.scaling.count() == 0 and emu.scheduler.pending() == 0
    fleet_id = active_fleet(emu, tmp_path)
    emu.fleets.update_capacity({"FleetId": fleet_id, "MaxSize": 3})
    emu.scaling.put({"FleetId": fleet_id, "Name": "grow", **GROW})  # ticking again after a reset
    emu.scheduler.advance(INTERVAL)
    assert desired(emu, fleet_id) == 2


def test_streaks_and_cooldowns_survive_a_restart(emu: Emulator, tmp_path: Path) -> None:
    fleet_id = active_fleet(emu, tmp_path)
    emu.fleets.update_capacity({"FleetId": fleet_id, "MaxSize": 5})
    emu.scaling.put({"FleetId": fleet_id, "Name": "grow", **{**GROW, "EvaluationPeriods": 2}})
    emu.scheduler.advance(INTERVAL)
    assert emu.scaling.of_fleet(fleet_id)[0].streaks == {"us-west-2": 1}
    emu.store.commit()
    now = emu.clock.now()
    emu.store.close()
    again = make_emulator(tmp_path, now)
    [policy] = again.scaling.of_fleet(fleet_id)
    assert (policy.status, policy.streaks) == (PolicyStatus.ACTIVE, {"us-west-2": 1})
    again.scheduler.advance(INTERVAL)
    assert desired(again, fleet_id) == 2
    assert again.scaling.of_fleet(fleet_id)[0].cooldown_until == {"us-west-2": pytest.approx(now + 11 * INTERVAL)}
