"""Fleet rules as pure functions: capacity, runtime configuration, ports, the creation workflow."""

from __future__ import annotations

import pytest

from infra.emulator.errors import InvalidRequestException, LimitExceededException
from infra.emulator.fleets import capacity, lifecycle, ports, runtime
from infra.emulator.fleets.model import FleetLocation, FleetStatus, Instance, InstanceStatus


def location(desired: int = 1, minimum: int = 0, maximum: int = 1) -> FleetLocation:
    return FleetLocation("us-west-2", FleetStatus.ACTIVE, desired=desired, minimum=minimum, maximum=maximum)


def instance(name: str, status: InstanceStatus = InstanceStatus.ACTIVE, created: float = 0.0) -> Instance:
    return Instance(
        name, "fleet-1", "us-west-2", "c5.large", "AMAZON_LINUX_2023", "127.0.0.1", "localhost", created, status=status
    )


# -- capacity ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("current", "change", "expected"),
    [
        ((1, 0, 1), (None, None, 5), (1, 0, 5)),
        ((1, 0, 1), (3, None, 5), (3, 0, 5)),
        ((3, 0, 5), (None, None, 2), (2, 0, 2)),  # lowering the max pulls desired down
        ((0, 0, 5), (None, 2, None), (2, 2, 5)),  # raising the min pulls desired up
        ((1, 0, 1), (0, None, None), (0, 0, 1)),
    ],
)
def test_capacity_resolve(current: tuple, change: tuple, expected: tuple) -> None:
    assert capacity.resolve(location(*current), *change) == expected


@pytest.mark.parametrize("change", [(2, None, None), (0, 1, 3), (None, 3, 2)])
def test_capacity_resolve_rejects(change: tuple) -> None:
    with pytest.raises(InvalidRequestException):
        capacity.resolve(location(), *change)


def test_instance_limit() -> None:
    capacity.check_limit("c5.large", "us-west-2", capacity.INSTANCE_LIMIT - 1, 1)
    with pytest.raises(LimitExceededException):
        capacity.check_limit("c5.large", "us-west-2", capacity.INSTANCE_LIMIT, 1)


def test_instance_counts() -> None:
    instances = [
        instance("i-a"),
        instance("i-b"),
        instance("i-c", InstanceStatus.PENDING),
        instance("i-d", InstanceStatus.TERMINATING),
    ]
    counts = capacity.instance_counts(location(3, 0, 4), instances, busy={"i-a"})
    assert counts == {"DESIRED": 3, "MINIMUM": 0, "MAXIMUM": 4, "PENDING": 1, "ACTIVE": 2, "IDLE": 1, "TERMINATING": 1}


def test_scale_in_prefers_pending_then_idle_and_never_protected() -> None:
    busy, idle, pending, guarded = (
        instance("i-busy"),
        instance("i-idle"),
        instance("i-pend", InstanceStatus.PENDING),
        instance("i-guard"),
    )
    everyone = [busy, idle, pending, guarded]
    sessions = {"i-busy": 1, "i-guard": 2}
    assert capacity.scale_in_victims(everyone, 2, sessions, {"i-guard"}) == [pending, idle]
    assert capacity.scale_in_victims(everyone, 4, sessions, {"i-guard"}) == [pending, idle, busy]
    assert capacity.scale_in_victims(everyone, 0, sessions, set()) == []


# -- runtime configuration ------------------------------------------------------------------------------
def test_runtime_defaults_and_shape() -> None:
    config = runtime.normalise(
        {"ServerProcesses": [{"LaunchPath": "/local/game/s", "ConcurrentExecutions": 2}]}, "AMAZON_LINUX_2023"
    )
    assert config == {
        "ServerProcesses": [{"LaunchPath": "/local/game/s", "ConcurrentExecutions": 2}],
        "MaxConcurrentGameSessionActivations": runtime.DEFAULT_MAX_CONCURRENT_ACTIVATIONS,
        "GameSessionActivationTimeoutSeconds": runtime.DEFAULT_ACTIVATION_TIMEOUT_SECONDS,
    }


@pytest.mark.parametrize(
    ("path", "operating_system", "ok"),
    [
        ("/local/game/server", "AMAZON_LINUX_2023", True),
        ("/local/game/", "AMAZON_LINUX_2023", False),
        ("/local/gamer/server", "AMAZON_LINUX_2", False),
        ("C:\\game\\server.exe", "WINDOWS_2022", True),
        ("c:\\Game\\bin\\server.exe", "WINDOWS_2016", True),
        ("D:\\game\\server.exe", "WINDOWS_2022", False),
        ("/local/game/server", "WINDOWS_2022", False),
    ],
)
def test_launch_path_roots(path: str, operating_system: str, ok: bool) -> None:
    if ok:
        runtime.check_launch_path(path, operating_system)
    else:
        with pytest.raises(InvalidRequestException):
            runtime.check_launch_path(path, operating_system)


def test_at_most_fifty_processes_per_instance() -> None:
    fifty = {
        "ServerProcesses": [
            {"LaunchPath": "/local/game/a", "ConcurrentExecutions": 25},
            {"LaunchPath": "/local/game/b", "ConcurrentExecutions": 25},
        ]
    }
    assert runtime.per_instance(runtime.normalise(fifty, None)) == 50
    fifty["ServerProcesses"][1]["ConcurrentExecutions"] = 26
    with pytest.raises(InvalidRequestException):
        runtime.normalise(fifty, None)


def test_anywhere_runtime_configuration_is_not_bound_to_install_roots() -> None:
    config = runtime.normalise(
        {"ServerProcesses": [{"LaunchPath": "/opt/server", "ConcurrentExecutions": 1}]}, None, managed=False
    )
    assert config["ServerProcesses"][0]["LaunchPath"] == "/opt/server"


def test_wanted_counts_by_path_and_parameters() -> None:
    config = {
        "ServerProcesses": [
            {"LaunchPath": "/local/game/s", "Parameters": "-a", "ConcurrentExecutions": 2},
            {"LaunchPath": "/local/game/s", "ConcurrentExecutions": 1},
        ]
    }
    assert runtime.wanted(config) == {("/local/game/s", "-a"): 2, ("/local/game/s", None): 1}


# -- ports --------------------------------------------------------------------------------------------------
def test_port_ranges_merge_and_default() -> None:
    perms = [
        {"FromPort": 10, "ToPort": 20, "IpRange": "0.0.0.0/0", "Protocol": "TCP"},
        {"FromPort": 15, "ToPort": 25, "IpRange": "0.0.0.0/0", "Protocol": "UDP"},
        {"FromPort": 40, "ToPort": 40, "IpRange": "0.0.0.0/0", "Protocol": "TCP"},
    ]
    assert ports.port_ranges(perms) == [(10, 25), (40, 40)]
    assert ports.port_ranges([]) == [ports.DEFAULT_PORT_RANGE]


def test_port_allocator_never_hands_out_a_held_port() -> None:
    allocator = ports.PortAllocator()
    ranges = [(5000, 5002)]
    got = [allocator.allocate("i-a", ranges) for _ in range(3)]
    assert got == [5000, 5001, 5002]
    assert allocator.allocate("i-a", ranges) is None
    assert allocator.allocate("i-b", ranges) == 5000  # another instance has its own ports
    allocator.release("i-a", 5001)
    assert allocator.allocate("i-a", ranges) == 5001


def test_port_updates() -> None:
    tcp = {"FromPort": 1, "ToPort": 2, "IpRange": "0.0.0.0/0", "Protocol": "TCP"}
    udp = {"FromPort": 3, "ToPort": 4, "IpRange": "10.0.0.0/8", "Protocol": "UDP"}
    assert ports.apply_update([tcp], [udp], [tcp]) == [udp]
    assert ports.apply_update([tcp], [tcp], None) == [tcp]
    with pytest.raises(InvalidRequestException):
        ports.apply_update([tcp], None, [udp])
    with pytest.raises(InvalidRequestException):
        ports.check_permissions([{**tcp, "IpRange": "nowhere"}])


# -- workflow -----------------------------------------------------------------------------------------------
def test_next_stage() -> None:
    assert lifecycle.next_stage(FleetStatus.NEW) == FleetStatus.DOWNLOADING
    assert lifecycle.next_stage(FleetStatus.ACTIVATING) == FleetStatus.ACTIVE
    assert lifecycle.next_stage(FleetStatus.ACTIVE) is None
    assert lifecycle.next_stage(FleetStatus.NEW, lifecycle.LOCATION_STAGES) == FleetStatus.ACTIVATING
    assert lifecycle.state_message("fleet-1", FleetStatus.ACTIVE) == "Fleet fleet-1 changed state to ACTIVE"
