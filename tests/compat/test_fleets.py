"""Fleets through boto3, over both wire protocols: the creation workflow, capacity, events and settings."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from botocore.exceptions import ClientError

from infra.emulator.launcher import EmulatorProcess
from tests.support.clients import gamelift_client
from tests.support.fleets import SERVER_PORTS, active_fleet, fleet_params, ready_build, wait_active

STAGES = ["NEW", "DOWNLOADING", "VALIDATING", "BUILDING", "ACTIVATING", "ACTIVE"]
STAGE_SECONDS = 0.2  # the emulator's default fleet_stage_seconds, which the test emulator keeps


def error_code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return exc.value.response["Error"]["Code"]


def attributes(gl, fleet_id: str) -> dict:
    return gl.describe_fleet_attributes(FleetIds=[fleet_id])["FleetAttributes"][0]


def capacity(gl, fleet_id: str) -> dict:
    return gl.describe_fleet_capacity(FleetIds=[fleet_id])["FleetCapacity"][0]["InstanceCounts"]


def event_codes(gl, fleet_id: str) -> list[str]:
    """Codes oldest first (the service lists newest first)."""
    return [e["EventCode"] for e in reversed(gl.describe_fleet_events(FleetId=fleet_id)["Events"])]


# -- creation and the status progression ------------------------------------------------------------
def test_create_fleet_returns_new_fleet_with_its_settings(gl) -> None:
    build_id = ready_build(gl)
    out = gl.create_fleet(**fleet_params(build_id, Description="d", Tags=[{"Key": "team", "Value": "a"}]))
    fleet = out["FleetAttributes"]
    assert fleet["FleetId"].startswith("fleet-")
    assert fleet["FleetArn"].endswith(f":fleet/{fleet['FleetId']}")
    assert fleet["Status"] == "NEW"
    assert fleet["BuildId"] == build_id and fleet["BuildArn"].endswith(build_id)
    assert fleet["InstanceType"] == "c5.large"
    assert fleet["FleetType"] == "ON_DEMAND"
    assert fleet["ComputeType"] == "EC2"
    assert fleet["OperatingSystem"] == "AMAZON_LINUX_2023"
    assert fleet["NewGameSessionProtectionPolicy"] == "NoProtection"
    assert out["LocationStates"] == [{"Location": "us-west-2", "Status": "NEW"}]
    tags = gl.list_tags_for_resource(ResourceARN=fleet["FleetArn"])["Tags"]
    assert tags == [{"Key": "team", "Value": "a"}]


def test_fleet_walks_every_stage_one_per_stage_time(gl, fresh: EmulatorProcess) -> None:
    fleet_id = gl.create_fleet(**fleet_params(ready_build(gl)))["FleetAttributes"]["FleetId"]
    seen = [attributes(gl, fleet_id)["Status"]]
    for _ in range(len(STAGES) - 1):
        fresh.advance(STAGE_SECONDS)
        seen.append(attributes(gl, fleet_id)["Status"])
    assert seen == STAGES
    fresh.advance(60)
    assert attributes(gl, fleet_id)["Status"] == "ACTIVE"


def test_nothing_moves_until_the_clock_does(gl, fresh: EmulatorProcess) -> None:
    fleet_id = gl.create_fleet(**fleet_params(ready_build(gl)))["FleetAttributes"]["FleetId"]
    fresh.advance(STAGE_SECONDS / 2)
    assert attributes(gl, fleet_id)["Status"] == "NEW"


def test_events_record_each_transition_newest_first(gl, fresh: EmulatorProcess) -> None:
    fleet_id = gl.create_fleet(**fleet_params(ready_build(gl)))["FleetAttributes"]["FleetId"]
    fresh.advance(5)
    events = gl.describe_fleet_events(FleetId=fleet_id)["Events"]
    assert [e["EventCode"] for e in events] == [
        "FLEET_STATE_ACTIVE",
        "FLEET_STATE_ACTIVATING",
        "FLEET_STATE_BUILDING",
        "FLEET_STATE_VALIDATING",
        "FLEET_STATE_DOWNLOADING",
        "FLEET_CREATED",
    ]
    assert events[0]["Message"] == f"Fleet {fleet_id} changed state to ACTIVE"
    assert all(e["ResourceId"] == fleet_id and e["EventId"] for e in events)
    times = [e["EventTime"] for e in events]
    assert times == sorted(times, reverse=True)


def test_fleet_events_time_window_and_pages(gl, fresh: EmulatorProcess) -> None:
    fleet_id = gl.create_fleet(**fleet_params(ready_build(gl)))["FleetAttributes"]["FleetId"]
    fresh.advance(3)  # NEW..ACTIVE within the first second
    gl.update_fleet_attributes(FleetId=fleet_id, NewGameSessionProtectionPolicy="FullProtection")
    events = gl.describe_fleet_events(FleetId=fleet_id)["Events"]
    latest = events[0]
    assert latest["EventCode"] == "FLEET_NEW_GAME_SESSION_PROTECTION_POLICY_UPDATED"
    # Whole seconds on the wire: a window starting a second after activation holds only the update.
    since = latest["EventTime"] - dt.timedelta(seconds=1)
    windowed = gl.describe_fleet_events(FleetId=fleet_id, StartTime=since)["Events"]
    assert [e["EventCode"] for e in windowed] == ["FLEET_NEW_GAME_SESSION_PROTECTION_POLICY_UPDATED"]
    before = gl.describe_fleet_events(FleetId=fleet_id, EndTime=since)["Events"]
    assert len(before) == len(events) - 1
    first = gl.describe_fleet_events(FleetId=fleet_id, Limit=4)
    second = gl.describe_fleet_events(FleetId=fleet_id, Limit=4, NextToken=first["NextToken"])
    assert [e["EventId"] for e in first["Events"] + second["Events"]] == [e["EventId"] for e in events]
    assert "NextToken" not in second


def test_fleet_events_of_unknown_fleet(gl) -> None:
    with pytest.raises(ClientError) as exc:
        gl.describe_fleet_events(FleetId="fleet-00000000-0000-0000-0000-000000000000")
    assert error_code(exc) == "NotFoundException"


def test_create_fleet_from_unknown_build(gl) -> None:
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.create_fleet(**fleet_params("build-00000000-0000-0000-0000-000000000000"))


def test_create_fleet_from_build_not_ready(gl) -> None:
    build_id = gl.create_build(Name="empty")["Build"]["BuildId"]  # INITIALIZED: waiting for an upload
    with pytest.raises(ClientError) as exc:
        gl.create_fleet(**fleet_params(build_id))
    assert error_code(exc) == "InvalidRequestException"
    assert gl.list_fleets()["FleetIds"] == []


def test_create_fleet_needs_build_or_script_and_instance_type(gl) -> None:
    with pytest.raises(ClientError) as exc:
        gl.create_fleet(**fleet_params())
    assert error_code(exc) == "InvalidRequestException"
    params = fleet_params(ready_build(gl))
    del params["EC2InstanceType"]
    with pytest.raises(ClientError) as exc:
        gl.create_fleet(**params)
    assert error_code(exc) == "InvalidRequestException"


def test_describe_fleet_attributes_all_with_pages_and_unknown_ids_skipped(gl) -> None:
    build_id = ready_build(gl)
    ids = [gl.create_fleet(**fleet_params(build_id, Name=f"f{i}"))["FleetAttributes"]["FleetId"] for i in range(3)]
    first = gl.describe_fleet_attributes(Limit=2)
    second = gl.describe_fleet_attributes(Limit=2, NextToken=first["NextToken"])
    assert [f["FleetId"] for f in first["FleetAttributes"] + second["FleetAttributes"]] == ids
    named = gl.describe_fleet_attributes(FleetIds=[ids[1], "fleet-00000000-0000-0000-0000-000000000000"])
    assert [f["FleetId"] for f in named["FleetAttributes"]] == [ids[1]]
    arn = named["FleetAttributes"][0]["FleetArn"]
    assert gl.describe_fleet_attributes(FleetIds=[arn])["FleetAttributes"][0]["FleetId"] == ids[1]
    with pytest.raises(ClientError) as exc:
        gl.describe_fleet_attributes(NextToken="not-a-token")
    assert error_code(exc) == "InvalidRequestException"


def test_active_fleet_helper_gives_active_instance_and_processes(gl, fresh: EmulatorProcess) -> None:
    fleet_id = active_fleet(gl, fresh)
    assert attributes(gl, fleet_id)["Status"] == "ACTIVE"
    counts = capacity(gl, fleet_id)
    assert counts == {"DESIRED": 1, "MINIMUM": 0, "MAXIMUM": 1, "PENDING": 0, "ACTIVE": 1, "IDLE": 1, "TERMINATING": 0}
    utilization = gl.describe_fleet_utilization(FleetIds=[fleet_id])["FleetUtilization"][0]
    assert utilization["ActiveServerProcessCount"] == 2
    assert utilization["ActiveGameSessionCount"] == 0


def test_realtime_script_fleet(gl, fresh: EmulatorProcess) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("relay.js", "exports.ssExports = {};\n")
    script = gl.create_script(Name="relay", ZipFile=archive.getvalue())["Script"]
    params = fleet_params(ScriptId=script["ScriptId"])
    del params["EC2InboundPermissions"]
    params["RuntimeConfiguration"] = {
        "ServerProcesses": [{"LaunchPath": "/local/game/relay.js", "ConcurrentExecutions": 1}]
    }
    fleet = gl.create_fleet(**params)["FleetAttributes"]
    assert fleet["ScriptId"] == script["ScriptId"] and fleet["ScriptArn"] == script["ScriptArn"]
    assert "BuildId" not in fleet
    assert gl.list_fleets(ScriptId=script["ScriptId"])["FleetIds"] == [fleet["FleetId"]]
    # Realtime fleets get TCP and UDP ports opened for them.
    permissions = gl.describe_fleet_port_settings(FleetId=fleet["FleetId"])["InboundPermissions"]
    assert sorted(p["Protocol"] for p in permissions) == ["TCP", "UDP"]
    assert wait_active(gl, fresh, fleet["FleetId"])["Status"] == "ACTIVE"
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.create_fleet(**fleet_params(ScriptId="script-00000000-0000-0000-0000-000000000000"))


# -- runtime configuration -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "runtime",
    [
        {"ServerProcesses": [{"LaunchPath": "/opt/game/server", "ConcurrentExecutions": 1}]},
        {"ServerProcesses": [{"LaunchPath": "C:\\game\\server.exe", "ConcurrentExecutions": 1}]},
        {"ServerProcesses": [{"LaunchPath": "/local/game/server", "ConcurrentExecutions": 51}]},
        {
            "ServerProcesses": [
                {"LaunchPath": "/local/game/a", "ConcurrentExecutions": 30},
                {"LaunchPath": "/local/game/b", "ConcurrentExecutions": 21},
            ]
        },
    ],
    ids=["outside-install-root", "windows-path-on-linux", "over-50", "sum-over-50"],
)
def test_create_fleet_rejects_bad_runtime_configuration(gl, runtime: dict) -> None:
    with pytest.raises(ClientError) as exc:
        gl.create_fleet(**fleet_params(ready_build(gl), RuntimeConfiguration=runtime))
    assert error_code(exc) == "InvalidRequestException"
    assert gl.list_fleets()["FleetIds"] == []


def test_windows_build_uses_windows_install_root(gl) -> None:
    build_id = ready_build(gl, operating_system="WINDOWS_2022")
    runtime = {"ServerProcesses": [{"LaunchPath": "C:\\game\\server.exe", "ConcurrentExecutions": 1}]}
    fleet = gl.create_fleet(**fleet_params(build_id, RuntimeConfiguration=runtime))["FleetAttributes"]
    assert fleet["OperatingSystem"] == "WINDOWS_2022"
    with pytest.raises(ClientError) as exc:
        gl.create_fleet(**fleet_params(build_id))  # /local/game/ is the Linux root
    assert error_code(exc) == "InvalidRequestException"


def test_runtime_configuration_is_kept_and_updated(gl, fresh: EmulatorProcess) -> None:
    fleet_id = active_fleet(gl, fresh)
    runtime = gl.describe_runtime_configuration(FleetId=fleet_id)["RuntimeConfiguration"]
    assert runtime["ServerProcesses"] == [{"LaunchPath": "/local/game/server", "ConcurrentExecutions": 2}]
    new = {
        "ServerProcesses": [
            {"LaunchPath": "/local/game/server", "Parameters": "--mode a", "ConcurrentExecutions": 3},
            {"LaunchPath": "/local/game/server", "Parameters": "--mode b", "ConcurrentExecutions": 1},
        ],
        "MaxConcurrentGameSessionActivations": 2,
        "GameSessionActivationTimeoutSeconds": 120,
    }
    updated = gl.update_runtime_configuration(FleetId=fleet_id, RuntimeConfiguration=new)["RuntimeConfiguration"]
    assert updated == new
    assert gl.describe_runtime_configuration(FleetId=fleet_id)["RuntimeConfiguration"] == new
    # Idle processes turn over at once: the instance now runs 3 + 1.
    utilization = gl.describe_fleet_utilization(FleetIds=[fleet_id])["FleetUtilization"][0]
    assert utilization["ActiveServerProcessCount"] == 4


def test_update_runtime_configuration_validates(gl, fresh: EmulatorProcess) -> None:
    fleet_id = active_fleet(gl, fresh)
    bad = {"ServerProcesses": [{"LaunchPath": "/local/game/server", "ConcurrentExecutions": 60}]}
    with pytest.raises(ClientError) as exc:
        gl.update_runtime_configuration(FleetId=fleet_id, RuntimeConfiguration=bad)
    assert error_code(exc) == "InvalidRequestException"
    runtime = gl.describe_runtime_configuration(FleetId=fleet_id)["RuntimeConfiguration"]
    assert runtime["ServerProcesses"][0]["ConcurrentExecutions"] == 2
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.describe_runtime_configuration(FleetId="fleet-00000000-0000-0000-0000-000000000000")


def test_legacy_server_launch_path_becomes_runtime_configuration(gl) -> None:
    params = fleet_params(ready_build(gl), ServerLaunchPath="/local/game/server", ServerLaunchParameters="-x")
    del params["RuntimeConfiguration"]
    fleet_id = gl.create_fleet(**params)["FleetAttributes"]["FleetId"]
    runtime = gl.describe_runtime_configuration(FleetId=fleet_id)["RuntimeConfiguration"]
    assert runtime["ServerProcesses"] == [
        {"LaunchPath": "/local/game/server", "Parameters": "-x", "ConcurrentExecutions": 1}
    ]


def test_wait_active_helper_reports_status(gl, fresh: EmulatorProcess) -> None:
    fleet_id = gl.create_fleet(**fleet_params(ready_build(gl)))["FleetAttributes"]["FleetId"]
    assert wait_active(gl, fresh, fleet_id)["Status"] == "ACTIVE"


def test_ports_default_to_the_fleet_permissions(gl) -> None:
    fleet_id = gl.create_fleet(**fleet_params(ready_build(gl)))["FleetAttributes"]["FleetId"]
    settings = gl.describe_fleet_port_settings(FleetId=fleet_id)
    assert settings["InboundPermissions"] == [SERVER_PORTS]


# -- capacity and instances ------------------------------------------------------------------------------
def test_scale_out_and_in_shows_in_capacity_and_instances(gl, fresh: EmulatorProcess) -> None:
    fleet_id = active_fleet(gl, fresh)
    out = gl.update_fleet_capacity(FleetId=fleet_id, DesiredInstances=3, MinSize=1, MaxSize=5)
    assert out["FleetId"] == fleet_id and out["Location"] == "us-west-2"
    counts = capacity(gl, fleet_id)
    assert (counts["DESIRED"], counts["MINIMUM"], counts["MAXIMUM"]) == (3, 1, 5)
    assert (counts["ACTIVE"], counts["PENDING"]) == (1, 2)
    instances = gl.describe_instances(FleetId=fleet_id)["Instances"]
    assert sorted(i["Status"] for i in instances) == ["ACTIVE", "PENDING", "PENDING"]
    fresh.advance(STAGE_SECONDS)
    counts = capacity(gl, fleet_id)
    assert (counts["ACTIVE"], counts["IDLE"], counts["PENDING"]) == (3, 3, 0)
    instances = gl.describe_instances(FleetId=fleet_id)["Instances"]
    assert len({i["InstanceId"] for i in instances}) == 3
    for instance in instances:
        assert instance["InstanceId"].startswith("i-") and len(instance["InstanceId"]) == 19
        assert instance["IpAddress"] == "127.0.0.1" and instance["DnsName"] == "localhost"
        assert instance["Type"] == "c5.large" and instance["OperatingSystem"] == "AMAZON_LINUX_2023"
        assert instance["Location"] == "us-west-2"
    utilization = gl.describe_fleet_utilization(FleetIds=[fleet_id])["FleetUtilization"][0]
    assert utilization["ActiveServerProcessCount"] == 6

    gl.update_fleet_capacity(FleetId=fleet_id, DesiredInstances=1)
    counts = capacity(gl, fleet_id)
    assert (counts["DESIRED"], counts["ACTIVE"], counts["TERMINATING"]) == (1, 1, 2)
    fresh.advance(STAGE_SECONDS)
    counts = capacity(gl, fleet_id)
    assert (counts["ACTIVE"], counts["TERMINATING"]) == (1, 0)
    assert len(gl.describe_instances(FleetId=fleet_id)["Instances"]) == 1
    assert gl.describe_fleet_utilization(FleetIds=[fleet_id])["FleetUtilization"][0]["ActiveServerProcessCount"] == 2
    assert "FLEET_SCALING_EVENT" in event_codes(gl, fleet_id)


def test_scale_to_zero(gl, fresh: EmulatorProcess) -> None:
    fleet_id = active_fleet(gl, fresh)
    gl.update_fleet_capacity(FleetId=fleet_id, DesiredInstances=0)
    fresh.advance(STAGE_SECONDS)
    counts = capacity(gl, fleet_id)
    assert (counts["DESIRED"], counts["ACTIVE"], counts["IDLE"]) == (0, 0, 0)
    assert gl.describe_fleet_utilization(FleetIds=[fleet_id])["FleetUtilization"][0]["ActiveServerProcessCount"] == 0


@pytest.mark.parametrize(
    "change",
    [
        {"DesiredInstances": 2},  # above the current maximum of 1
        {"DesiredInstances": 1, "MinSize": 2, "MaxSize": 3},
        {"MinSize": 4, "MaxSize": 3},
    ],
    ids=["desired-above-max", "desired-below-min", "min-above-max"],
)
def test_update_fleet_capacity_rejects_desired_outside_limits(gl, fresh: EmulatorProcess, change: dict) -> None:
    fleet_id = active_fleet(gl, fresh)
    with pytest.raises(ClientError) as exc:
        gl.update_fleet_capacity(FleetId=fleet_id, **change)
    assert error_code(exc) == "InvalidRequestException"
    counts = capacity(gl, fleet_id)
    assert (counts["DESIRED"], counts["MINIMUM"], counts["MAXIMUM"]) == (1, 0, 1)


def test_lowering_max_pulls_desired_down(gl, fresh: EmulatorProcess) -> None:
    fleet_id = active_fleet(gl, fresh)
    gl.update_fleet_capacity(FleetId=fleet_id, DesiredInstances=3, MaxSize=3)
    gl.update_fleet_capacity(FleetId=fleet_id, MaxSize=2)
    counts = capacity(gl, fleet_id)
    assert (counts["DESIRED"], counts["MAXIMUM"]) == (2, 2)


def test_update_fleet_capacity_needs_active_fleet(gl) -> None:
    fleet_id = gl.create_fleet(**fleet_params(ready_build(gl)))["FleetAttributes"]["FleetId"]
    with pytest.raises(gl.exceptions.InvalidFleetStatusException):
        gl.update_fleet_capacity(FleetId=fleet_id, DesiredInstances=1)


def test_update_fleet_capacity_instance_limit(gl, fresh: EmulatorProcess) -> None:
    fleet_id = active_fleet(gl, fresh)
    limit = gl.describe_ec2_instance_limits(EC2InstanceType="c5.large")["EC2InstanceLimits"][0]["InstanceLimit"]
    with pytest.raises(gl.exceptions.LimitExceededException):
        gl.update_fleet_capacity(FleetId=fleet_id, DesiredInstances=limit + 1, MaxSize=limit + 1)


def test_describe_ec2_instance_limits_counts_instances(gl, fresh: EmulatorProcess) -> None:
    fleet_id = active_fleet(gl, fresh)
    gl.update_fleet_capacity(FleetId=fleet_id, DesiredInstances=2, MaxSize=2)
    limits = gl.describe_ec2_instance_limits(EC2InstanceType="c5.large")["EC2InstanceLimits"]
    assert limits == [
        {
            "EC2InstanceType": "c5.large",
            "CurrentInstances": 2,
            "InstanceLimit": limits[0]["InstanceLimit"],
            "Location": "us-west-2",
        }
    ]
    every = gl.describe_ec2_instance_limits()["EC2InstanceLimits"]
    assert len(every) > 100 and {"c5.large", "t2.micro"} <= {entry["EC2InstanceType"] for entry in every}
    remote = gl.describe_ec2_instance_limits(EC2InstanceType="c5.large", Location="us-east-1")["EC2InstanceLimits"]
    assert remote[0]["CurrentInstances"] == 0 and remote[0]["Location"] == "us-east-1"


def test_describe_instances_filters_and_errors(gl, fresh: EmulatorProcess) -> None:
    fleet_id = active_fleet(gl, fresh)
    gl.update_fleet_capacity(FleetId=fleet_id, DesiredInstances=3, MaxSize=3)
    everything = gl.describe_instances(FleetId=fleet_id)["Instances"]
    one = gl.describe_instances(FleetId=fleet_id, InstanceId=everything[1]["InstanceId"])["Instances"]
    assert one == [everything[1]]
    first = gl.describe_instances(FleetId=fleet_id, Limit=2)
    second = gl.describe_instances(FleetId=fleet_id, Limit=2, NextToken=first["NextToken"])
    assert first["Instances"] + second["Instances"] == everything
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.describe_instances(FleetId="fleet-00000000-0000-0000-0000-000000000000")


def test_capacity_and_utilization_skip_unknown_fleets(gl, fresh: EmulatorProcess) -> None:
    fleet_id = active_fleet(gl, fresh)
    unknown = "fleet-00000000-0000-0000-0000-000000000000"
    assert [c["FleetId"] for c in gl.describe_fleet_capacity(FleetIds=[unknown, fleet_id])["FleetCapacity"]] == [
        fleet_id
    ]
    assert gl.describe_fleet_utilization(FleetIds=[unknown])["FleetUtilization"] == []
    assert [c["FleetId"] for c in gl.describe_fleet_capacity()["FleetCapacity"]] == [fleet_id]


# -- attributes, actions, listing -----------------------------------------------------------------------
def test_update_fleet_attributes(gl, fresh: EmulatorProcess) -> None:
    fleet_id = active_fleet(gl, fresh)
    out = gl.update_fleet_attributes(
        FleetId=fleet_id,
        Name="renamed",
        Description="about",
        NewGameSessionProtectionPolicy="FullProtection",
        ResourceCreationLimitPolicy={"NewGameSessionsPerCreator": 3, "PolicyPeriodInMinutes": 15},
        MetricGroups=["mine"],
    )
    assert out["FleetId"] == fleet_id
    fleet = attributes(gl, fleet_id)
    assert (fleet["Name"], fleet["Description"]) == ("renamed", "about")
    assert fleet["NewGameSessionProtectionPolicy"] == "FullProtection"
    assert fleet["ResourceCreationLimitPolicy"] == {"NewGameSessionsPerCreator": 3, "PolicyPeriodInMinutes": 15}
    assert fleet["MetricGroups"] == ["mine"]
    assert event_codes(gl, fleet_id)[-1] == "FLEET_NEW_GAME_SESSION_PROTECTION_POLICY_UPDATED"
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.update_fleet_attributes(FleetId="fleet-00000000-0000-0000-0000-000000000000", Name="x")


def test_stop_and_start_fleet_actions(gl, fresh: EmulatorProcess) -> None:
    fleet_id = active_fleet(gl, fresh)
    assert "StoppedActions" not in attributes(gl, fleet_id)
    assert gl.stop_fleet_actions(FleetId=fleet_id, Actions=["AUTO_SCALING"])["FleetId"] == fleet_id
    assert attributes(gl, fleet_id)["StoppedActions"] == ["AUTO_SCALING"]
    located = gl.describe_fleet_location_attributes(FleetId=fleet_id)["LocationAttributes"][0]
    assert located["StoppedActions"] == ["AUTO_SCALING"]
    gl.start_fleet_actions(FleetId=fleet_id, Actions=["AUTO_SCALING"])
    assert "StoppedActions" not in attributes(gl, fleet_id)
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.stop_fleet_actions(FleetId=fleet_id, Actions=["AUTO_SCALING"], Location="eu-west-1")


def test_list_fleets_filters_by_build_and_pages(gl) -> None:
    build_a, build_b = ready_build(gl, "a"), ready_build(gl, "b")
    a1 = gl.create_fleet(**fleet_params(build_a, Name="a1"))["FleetAttributes"]["FleetId"]
    b1 = gl.create_fleet(**fleet_params(build_b, Name="b1"))["FleetAttributes"]["FleetId"]
    a2 = gl.create_fleet(**fleet_params(build_a, Name="a2"))["FleetAttributes"]["FleetId"]
    assert gl.list_fleets()["FleetIds"] == [a1, b1, a2]
    assert gl.list_fleets(BuildId=build_a)["FleetIds"] == [a1, a2]
    assert gl.list_fleets(BuildId=build_b)["FleetIds"] == [b1]
    page = gl.list_fleets(Limit=2)
    assert page["FleetIds"] == [a1, b1]
    assert gl.list_fleets(Limit=2, NextToken=page["NextToken"])["FleetIds"] == [a2]
    with pytest.raises(ClientError) as exc:
        gl.list_fleets(NextToken="bogus")
    assert error_code(exc) == "InvalidRequestException"


# -- ports -------------------------------------------------------------------------------------------------
def test_update_fleet_port_settings(gl, fresh: EmulatorProcess) -> None:
    fleet_id = active_fleet(gl, fresh)
    udp = {"FromPort": 7000, "ToPort": 7010, "IpRange": "10.0.0.0/8", "Protocol": "UDP"}
    gl.update_fleet_port_settings(
        FleetId=fleet_id, InboundPermissionAuthorizations=[udp], InboundPermissionRevocations=[SERVER_PORTS]
    )
    settings = gl.describe_fleet_port_settings(FleetId=fleet_id)
    assert settings["InboundPermissions"] == [udp]
    assert settings["FleetArn"].endswith(fleet_id)
    located = gl.describe_fleet_port_settings(FleetId=fleet_id, Location="us-west-2")
    assert located["Location"] == "us-west-2"
    with pytest.raises(ClientError) as exc:  # revoking what is not there
        gl.update_fleet_port_settings(FleetId=fleet_id, InboundPermissionRevocations=[SERVER_PORTS])
    assert error_code(exc) == "InvalidRequestException"
    with pytest.raises(ClientError) as exc:
        gl.update_fleet_port_settings(
            FleetId=fleet_id,
            InboundPermissionAuthorizations=[
                {"FromPort": 9000, "ToPort": 8000, "IpRange": "0.0.0.0/0", "Protocol": "TCP"}
            ],
        )
    assert error_code(exc) == "InvalidRequestException"
    assert gl.describe_fleet_port_settings(FleetId=fleet_id)["InboundPermissions"] == [udp]


def test_create_fleet_rejects_bad_port_range(gl) -> None:
    bad = {"FromPort": 2000, "ToPort": 1000, "IpRange": "0.0.0.0/0", "Protocol": "TCP"}
    with pytest.raises(ClientError) as exc:
        gl.create_fleet(**fleet_params(ready_build(gl), EC2InboundPermissions=[bad]))
    assert error_code(exc) == "InvalidRequestException"
    bad_range = {"FromPort": 1000, "ToPort": 2000, "IpRange": "not-a-cidr", "Protocol": "TCP"}
    with pytest.raises(ClientError) as exc:
        gl.create_fleet(**fleet_params(ready_build(gl), EC2InboundPermissions=[bad_range]))
    assert error_code(exc) == "InvalidRequestException"


# -- locations ---------------------------------------------------------------------------------------------
def test_multi_location_fleet(gl, fresh: EmulatorProcess) -> None:
    fleet_id = active_fleet(gl, fresh, Locations=[{"Location": "us-west-2"}, {"Location": "eu-west-1"}])
    located = gl.describe_fleet_location_attributes(FleetId=fleet_id)["LocationAttributes"]
    assert [(a["LocationState"]["Location"], a["LocationState"]["Status"]) for a in located] == [
        ("us-west-2", "ACTIVE"),
        ("eu-west-1", "ACTIVE"),
    ]
    remote = gl.describe_fleet_location_capacity(FleetId=fleet_id, Location="eu-west-1")["FleetCapacity"]
    assert remote["Location"] == "eu-west-1" and remote["InstanceCounts"]["ACTIVE"] == 1
    instances = gl.describe_instances(FleetId=fleet_id, Location="eu-west-1")["Instances"]
    assert [i["Location"] for i in instances] == ["eu-west-1"]
    utilization = gl.describe_fleet_location_utilization(FleetId=fleet_id, Location="eu-west-1")["FleetUtilization"]
    assert utilization["ActiveServerProcessCount"] == 2 and utilization["Location"] == "eu-west-1"
    gl.update_fleet_capacity(FleetId=fleet_id, Location="eu-west-1", DesiredInstances=2, MaxSize=2)
    assert capacity(gl, fleet_id)["DESIRED"] == 1  # the home Region is untouched
    remote = gl.describe_fleet_location_capacity(FleetId=fleet_id, Location="eu-west-1")["FleetCapacity"]
    assert remote["InstanceCounts"]["DESIRED"] == 2
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.describe_fleet_location_capacity(FleetId=fleet_id, Location="ap-south-1")


def test_create_and_delete_fleet_locations(gl, fresh: EmulatorProcess) -> None:
    fleet_id = active_fleet(gl, fresh)
    out = gl.create_fleet_locations(FleetId=fleet_id, Locations=[{"Location": "us-east-1"}])
    assert out["LocationStates"] == [{"Location": "us-east-1", "Status": "NEW"}]
    fresh.advance(STAGE_SECONDS)
    state = gl.describe_fleet_location_attributes(FleetId=fleet_id, Locations=["us-east-1"])["LocationAttributes"]
    assert state[0]["LocationState"]["Status"] == "ACTIVATING"
    fresh.advance(STAGE_SECONDS)
    state = gl.describe_fleet_location_attributes(FleetId=fleet_id, Locations=["us-east-1"])["LocationAttributes"]
    assert state[0]["LocationState"]["Status"] == "ACTIVE"
    remote = gl.describe_fleet_location_capacity(FleetId=fleet_id, Location="us-east-1")["FleetCapacity"]
    assert remote["InstanceCounts"]["ACTIVE"] == 1
    codes = event_codes(gl, fleet_id)
    assert codes[-3:] == ["LOCATION_STATE_PENDING", "LOCATION_STATE_ACTIVATING", "LOCATION_STATE_ACTIVE"]

    with pytest.raises(ClientError) as exc:
        gl.create_fleet_locations(FleetId=fleet_id, Locations=[{"Location": "us-east-1"}])
    assert error_code(exc) == "InvalidRequestException"
    with pytest.raises(ClientError) as exc:
        gl.delete_fleet_locations(FleetId=fleet_id, Locations=["us-west-2"])  # the home Region
    assert error_code(exc) == "InvalidRequestException"

    out = gl.delete_fleet_locations(FleetId=fleet_id, Locations=["us-east-1"])
    assert out["LocationStates"] == [{"Location": "us-east-1", "Status": "DELETING"}]
    fresh.advance(STAGE_SECONDS)
    state = gl.describe_fleet_location_attributes(FleetId=fleet_id, Locations=["us-east-1"])["LocationAttributes"]
    assert state[0]["LocationState"]["Status"] == "TERMINATED"
    assert gl.describe_instances(FleetId=fleet_id, Location="us-east-1")["Instances"] == []
    fresh.advance(STAGE_SECONDS)
    located = gl.describe_fleet_location_attributes(FleetId=fleet_id)["LocationAttributes"]
    assert [a["LocationState"]["Location"] for a in located] == ["us-west-2"]
    assert event_codes(gl, fleet_id)[-2:] == ["LOCATION_STATE_DELETING", "LOCATION_STATE_DELETED"]


def test_fleet_locations_must_be_real_and_fleet_active(gl, fresh: EmulatorProcess) -> None:
    with pytest.raises(ClientError) as exc:
        gl.create_fleet(**fleet_params(ready_build(gl), Locations=[{"Location": "mars-north-1x"}]))
    assert error_code(exc) == "InvalidRequestException"
    fleet_id = gl.create_fleet(**fleet_params(ready_build(gl)))["FleetAttributes"]["FleetId"]
    with pytest.raises(gl.exceptions.InvalidFleetStatusException):
        gl.create_fleet_locations(FleetId=fleet_id, Locations=[{"Location": "us-east-1"}])


# -- deletion ----------------------------------------------------------------------------------------------
def test_delete_fleet_goes_deleting_terminated_then_gone(gl, fresh: EmulatorProcess) -> None:
    fleet_id = active_fleet(gl, fresh)
    gl.delete_fleet(FleetId=fleet_id)
    assert attributes(gl, fleet_id)["Status"] == "DELETING"
    assert capacity(gl, fleet_id)["TERMINATING"] == 1
    fresh.advance(STAGE_SECONDS)
    fleet = attributes(gl, fleet_id)
    assert fleet["Status"] == "TERMINATED" and "TerminationTime" in fleet
    assert event_codes(gl, fleet_id)[-2:] == ["FLEET_DELETED", "GENERIC_EVENT"]
    assert gl.describe_fleet_utilization(FleetIds=[fleet_id])["FleetUtilization"][0]["ActiveServerProcessCount"] == 0
    with pytest.raises(gl.exceptions.InvalidFleetStatusException):
        gl.delete_fleet(FleetId=fleet_id)
    fresh.advance(STAGE_SECONDS)
    assert gl.describe_fleet_attributes(FleetIds=[fleet_id])["FleetAttributes"] == []
    assert gl.list_fleets()["FleetIds"] == []
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.delete_fleet(FleetId=fleet_id)


def test_delete_fleet_refused_while_it_is_being_built(gl, fresh: EmulatorProcess) -> None:
    fleet_id = gl.create_fleet(**fleet_params(ready_build(gl)))["FleetAttributes"]["FleetId"]
    fresh.advance(STAGE_SECONDS)  # DOWNLOADING
    with pytest.raises(ClientError) as exc:
        gl.delete_fleet(FleetId=fleet_id)
    assert error_code(exc) == "InvalidRequestException"
    assert "in status of DOWNLOADING" in exc.value.response["Error"]["Message"]
    assert attributes(gl, fleet_id)["Status"] == "DOWNLOADING"


def test_new_fleet_can_be_deleted_before_it_starts(gl, fresh: EmulatorProcess) -> None:
    fleet_id = gl.create_fleet(**fleet_params(ready_build(gl)))["FleetAttributes"]["FleetId"]
    gl.delete_fleet(FleetId=fleet_id)
    fresh.advance(5)
    assert gl.describe_fleet_attributes(FleetIds=[fleet_id])["FleetAttributes"] == []


# -- restarts ------------------------------------------------------------------------------------------------
def test_fleets_survive_a_killed_emulator(tmp_path) -> None:
    database = str(tmp_path / "state.db")
    args = ["--clock", "manual", "--strict"]
    first = EmulatorProcess(database, args=args).start()
    try:
        gl = gamelift_client(first.url, "json")
        ready = active_fleet(gl, first)
        gl.update_fleet_capacity(FleetId=ready, DesiredInstances=2, MaxSize=2)
        first.advance(1)
        building = gl.create_fleet(**fleet_params(ready_build(gl)))["FleetAttributes"]["FleetId"]
        first.advance(STAGE_SECONDS)
        assert attributes(gl, building)["Status"] == "DOWNLOADING"
    finally:
        first.kill()  # no chance to flush: what was acknowledged must be on disk
    second = EmulatorProcess(database, args=args).start()
    try:
        gl = gamelift_client(second.url, "json")
        assert attributes(gl, ready)["Status"] == "ACTIVE"
        assert capacity(gl, ready)["ACTIVE"] == 2
        # Processes do not survive a restart; the fleet launches them again.
        assert gl.describe_fleet_utilization(FleetIds=[ready])["FleetUtilization"][0]["ActiveServerProcessCount"] == 4
        assert attributes(gl, building)["Status"] in STAGES[1:]
        second.advance(5)
        assert attributes(gl, building)["Status"] == "ACTIVE"
        assert event_codes(gl, building)[-1] == "FLEET_STATE_ACTIVE"
    finally:
        second.stop()
