"""Computes through boto3: Anywhere fleets, registration, auth tokens, and instances seen as computes."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from infra.emulator.launcher import EmulatorProcess
from tests.support.fleets import active_fleet

LOCATION = "custom-test"


def error_code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return exc.value.response["Error"]["Code"]


def anywhere_fleet(gl, location: str = LOCATION) -> str:
    if not hasattr(gl, "create_location"):
        pytest.skip("CreateLocation is not available")
    try:
        gl.create_location(LocationName=location)
    except ClientError as exc:
        if error_code(exc) == "UnknownOperationException":
            pytest.skip("CreateLocation is not implemented by the emulator yet")
        raise
    fleet = gl.create_fleet(
        Name="anywhere",
        ComputeType="ANYWHERE",
        Locations=[{"Location": location}],
        AnywhereConfiguration={"Cost": "0.5"},
    )
    return fleet["FleetAttributes"]["FleetId"]


def register(gl, fleet_id: str, name: str = "box-1", **extra) -> dict:
    params = {"FleetId": fleet_id, "ComputeName": name, "Location": LOCATION, "IpAddress": "192.0.2.10"}
    params.update(extra)
    return gl.register_compute(**params)["Compute"]


def test_anywhere_fleet_is_active_at_once(gl) -> None:
    fleet_id = anywhere_fleet(gl)
    fleet = gl.describe_fleet_attributes(FleetIds=[fleet_id])["FleetAttributes"][0]
    assert fleet["Status"] == "ACTIVE"
    assert fleet["ComputeType"] == "ANYWHERE"
    assert fleet["AnywhereConfiguration"] == {"Cost": "0.5"}
    codes = [e["EventCode"] for e in gl.describe_fleet_events(FleetId=fleet_id)["Events"]]
    assert codes == ["FLEET_STATE_ACTIVE", "FLEET_CREATED"]
    located = gl.describe_fleet_location_attributes(FleetId=fleet_id, Locations=[LOCATION])["LocationAttributes"]
    assert located[0]["LocationState"] == {"Location": LOCATION, "Status": "ACTIVE"}
    with pytest.raises(ClientError) as exc:
        gl.describe_instances(FleetId=fleet_id)
    assert error_code(exc) == "InvalidRequestException"


def test_anywhere_fleet_needs_existing_custom_location(gl) -> None:
    anywhere_fleet(gl)  # creates custom-test (and skips if locations are not there)
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.create_fleet(Name="a", ComputeType="ANYWHERE", Locations=[{"Location": "custom-nowhere"}])
    with pytest.raises(ClientError) as exc:
        gl.create_fleet(Name="a", ComputeType="ANYWHERE", Locations=[{"Location": "us-east-1"}])
    assert error_code(exc) == "InvalidRequestException"
    with pytest.raises(ClientError) as exc:
        gl.create_fleet(Name="a", ComputeType="ANYWHERE")
    assert error_code(exc) == "InvalidRequestException"


def test_custom_location_in_use_cannot_be_deleted(gl) -> None:
    anywhere_fleet(gl)
    with pytest.raises(ClientError) as exc:
        gl.delete_location(LocationName=LOCATION)
    assert error_code(exc) == "InvalidRequestException"


def test_register_describe_list_deregister(gl, fresh: EmulatorProcess) -> None:
    fleet_id = anywhere_fleet(gl)
    compute = register(gl, fleet_id, DnsName="box-1.example.com")
    assert compute["FleetId"] == fleet_id
    assert compute["ComputeName"] == "box-1"
    assert compute["ComputeArn"].endswith(":compute/box-1")
    assert compute["ComputeStatus"] == "ACTIVE"
    assert compute["Location"] == LOCATION
    assert compute["IpAddress"] == "192.0.2.10" and compute["DnsName"] == "box-1.example.com"
    assert compute["GameLiftServiceSdkEndpoint"] == fresh.url.replace("http://", "ws://")
    assert compute["GameLiftAgentEndpoint"]
    assert gl.describe_compute(FleetId=fleet_id, ComputeName="box-1")["Compute"] == compute
    assert gl.describe_compute(FleetId=fleet_id, ComputeName=compute["ComputeArn"])["Compute"] == compute
    register(gl, fleet_id, "box-2", IpAddress="192.0.2.11")
    listed = gl.list_compute(FleetId=fleet_id)["ComputeList"]
    assert [c["ComputeName"] for c in listed] == ["box-1", "box-2"]
    assert [c["ComputeName"] for c in gl.list_compute(FleetId=fleet_id, Location=LOCATION, Limit=1)["ComputeList"]] == [
        "box-1"
    ]
    assert gl.list_compute(FleetId=fleet_id, ComputeStatus="IMPAIRED")["ComputeList"] == []
    gl.deregister_compute(FleetId=fleet_id, ComputeName="box-1")
    assert [c["ComputeName"] for c in gl.list_compute(FleetId=fleet_id)["ComputeList"]] == ["box-2"]
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.describe_compute(FleetId=fleet_id, ComputeName="box-1")
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.deregister_compute(FleetId=fleet_id, ComputeName="box-1")


def test_register_compute_errors(gl, fresh: EmulatorProcess) -> None:
    fleet_id = anywhere_fleet(gl)
    register(gl, fleet_id)
    with pytest.raises(gl.exceptions.ConflictException):
        register(gl, fleet_id, IpAddress="192.0.2.99")  # same name, another host
    assert register(gl, fleet_id)["ComputeName"] == "box-1"  # the same registration again is harmless
    with pytest.raises(ClientError) as exc:
        gl.register_compute(FleetId=fleet_id, ComputeName="box-3", Location=LOCATION)  # no address
    assert error_code(exc) == "InvalidRequestException"
    with pytest.raises(ClientError) as exc:
        register(gl, fleet_id, "box-4", Location="us-west-2")
    assert error_code(exc) == "InvalidRequestException"
    managed = active_fleet(gl, fresh)
    with pytest.raises(ClientError) as exc:
        register(gl, managed, "box-5")
    assert error_code(exc) == "InvalidRequestException"


def test_auth_token(gl, fresh: EmulatorProcess) -> None:
    fleet_id = anywhere_fleet(gl)
    compute = register(gl, fleet_id)
    now = fresh.control("clock")["now"]  # the emulator's (manual) clock, not this machine's
    out = gl.get_compute_auth_token(FleetId=fleet_id, ComputeName="box-1")
    assert out["FleetId"] == fleet_id and out["ComputeName"] == "box-1"
    assert out["ComputeArn"] == compute["ComputeArn"]
    assert out["AuthToken"]
    assert out["ExpirationTimestamp"].timestamp() - now == pytest.approx(15 * 60, abs=1)
    again = gl.get_compute_auth_token(FleetId=fleet_id, ComputeName="box-1")["AuthToken"]
    assert again != out["AuthToken"]
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.get_compute_auth_token(FleetId=fleet_id, ComputeName="nobody")


def test_managed_fleet_instances_are_computes(gl, fresh: EmulatorProcess) -> None:
    fleet_id = active_fleet(gl, fresh)
    instance = gl.describe_instances(FleetId=fleet_id)["Instances"][0]
    computes = gl.list_compute(FleetId=fleet_id)["ComputeList"]
    assert len(computes) == 1
    compute = computes[0]
    assert compute["ComputeName"] == instance["InstanceId"] == compute["InstanceId"]
    assert compute["ComputeStatus"] == "ACTIVE"
    assert compute["Type"] == "c5.large" and compute["OperatingSystem"] == "AMAZON_LINUX_2023"
    described = gl.describe_compute(FleetId=fleet_id, ComputeName=instance["InstanceId"])["Compute"]
    assert described == compute
    token = gl.get_compute_auth_token(FleetId=fleet_id, ComputeName=instance["InstanceId"])
    assert token["AuthToken"]
    with pytest.raises(ClientError) as exc:
        gl.deregister_compute(FleetId=fleet_id, ComputeName=instance["InstanceId"])
    assert error_code(exc) == "InvalidRequestException"


def test_get_compute_access(gl, fresh: EmulatorProcess) -> None:
    fleet_id = active_fleet(gl, fresh)
    instance_id = gl.describe_instances(FleetId=fleet_id)["Instances"][0]["InstanceId"]
    access = gl.get_compute_access(FleetId=fleet_id, ComputeName=instance_id)
    assert access["Target"] == instance_id
    assert access["ComputeName"] == instance_id
    credentials = access["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA")
    assert credentials["SecretAccessKey"] and credentials["SessionToken"]
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.get_compute_access(FleetId=fleet_id, ComputeName="i-00000000000000000")
    anywhere = anywhere_fleet(gl)
    register(gl, anywhere)
    with pytest.raises(ClientError) as exc:
        gl.get_compute_access(FleetId=anywhere, ComputeName="box-1")
    assert error_code(exc) == "InvalidRequestException"


def test_deleting_anywhere_fleet_forgets_computes(gl, fresh: EmulatorProcess) -> None:
    fleet_id = anywhere_fleet(gl)
    register(gl, fleet_id)
    gl.delete_fleet(FleetId=fleet_id)
    with pytest.raises(ClientError) as exc:
        register(gl, fleet_id, "box-2")
    assert error_code(exc) == "InvalidRequestException"
    fresh.advance(1)
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.list_compute(FleetId=fleet_id)
    gl.delete_location(LocationName=LOCATION)  # no fleet uses it any more
