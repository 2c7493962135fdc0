"""The envelope of both wire protocols, byte for byte, with a raw HTTP client."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import cbor2
import pytest

from infra.emulator.launcher import EmulatorProcess
from tests.support.raw_http import RawClient, error_code


@pytest.fixture
def raw(fresh: EmulatorProcess):
    client = RawClient(fresh.url)
    yield client
    client.close()


def test_json_success_envelope(raw: RawClient) -> None:
    response = raw.json_call("ListBuilds", {})
    assert response.status == 200
    assert response.headers["content-type"] == "application/x-amz-json-1.1"
    assert response.headers["x-amzn-requestid"]
    assert response.json() == {"Builds": []}


def test_cbor_success_envelope(raw: RawClient) -> None:
    response = raw.cbor_call("ListBuilds", {})
    assert response.status == 200
    assert response.headers["content-type"] == "application/cbor"
    assert response.headers["smithy-protocol"] == "rpc-v2-cbor"
    assert response.cbor() == {"Builds": []}


def test_cbor_empty_body_means_no_input(raw: RawClient) -> None:
    assert raw.cbor_call("ListBuilds", raw=b"").status == 200


def test_timestamps_are_epoch_seconds_in_json_and_tag_1_in_cbor(raw: RawClient, tmp_path) -> None:
    (tmp_path / "server").write_text("x")
    storage = {"Bucket": "gamelift-local", "Key": str(tmp_path), "RoleArn": "arn:aws:iam::123456789012:role/r"}
    created = raw.json_call("CreateBuild", {"Name": "b", "StorageLocation": storage}).json()["Build"]
    assert isinstance(created["CreationTime"], int | float)
    build_id = created["BuildId"]
    described = raw.cbor_call("DescribeBuild", {"BuildId": build_id})
    # Tag 1 (epoch-based date/time) right after the key, as smithy-rpc-v2-cbor requires.
    assert cbor2.dumps("CreationTime") + b"\xc1" in described.body
    assert cbor2.loads(described.body)["Build"]["CreationTime"].tzinfo is not None
    as_json = dt.datetime.fromtimestamp(created["CreationTime"], dt.UTC)
    assert abs((cbor2.loads(described.body)["Build"]["CreationTime"] - as_json).total_seconds()) < 0.001


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "SerializationException"),
        (b"[1, 2, 3]", "SerializationException"),
        (b'"a string"', "SerializationException"),
        (json.dumps({"BuildId": 42}).encode(), "InvalidRequestException"),
        (json.dumps({}).encode(), "InvalidRequestException"),
    ],
)
def test_json_bad_bodies_get_typed_400s(raw: RawClient, body: bytes, code: str) -> None:
    response = raw.json_call("DescribeBuild", raw=body)
    assert response.status == 400
    assert response.headers["x-amzn-errortype"] == code
    assert response.json()["__type"] == code
    assert response.json()["message"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"\xff\xfe\xfd", "SerializationException"),
        (cbor2.dumps([1, 2]), "SerializationException"),
        (cbor2.dumps({"BuildId": 7}), "InvalidRequestException"),
        (cbor2.dumps({"BuildId": "build-nope"}), "NotFoundException"),
    ],
)
def test_cbor_bad_bodies_get_typed_400s(raw: RawClient, body: bytes, code: str) -> None:
    response = raw.cbor_call("DescribeBuild", raw=body)
    assert response.status == 400
    assert response.cbor()["__type"] == f"com.amazonaws.gamelift#{code}"
    assert error_code(response) == code


def test_validation_message_names_the_member(raw: RawClient) -> None:
    response = raw.json_call("DescribeBuild", {"BuildId": "not a build id!"})
    assert response.status == 400
    assert error_code(response) == "InvalidRequestException"
    assert "buildId" in response.json()["message"]


def test_unknown_operations(raw: RawClient) -> None:
    response = raw.json_call("LaunchRocket", {})
    assert response.status == 400 and error_code(response) == "UnknownOperationException"
    response = raw.post("/", b"{}", {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "Other.ListBuilds"})
    assert response.status == 400 and error_code(response) == "UnknownOperationException"
    response = raw.cbor_call("LaunchRocket", {})
    assert response.status == 404 and error_code(response) == "UnknownOperationException"


def test_huge_body_is_413_and_the_server_lives_on(raw: RawClient) -> None:
    response = raw.json_call("ListBuilds", raw=b"{" + b" " * (3 * 1024 * 1024) + b"}")
    assert response.status == 413
    assert raw.json_call("ListBuilds", {}).status == 200


def test_errors_leave_state_untouched(raw: RawClient) -> None:
    before = raw.json_call("ListBuilds", {}).json()
    assert raw.json_call("CreateBuild", {"Name": "x" * 2000}).status == 400
    assert raw.json_call("ListBuilds", {}).json() == before


def test_coverage_command_lists_the_model() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "infra.emulator", "coverage"], capture_output=True, text=True, check=True
    ).stdout
    assert "[x] CreateBuild" in out
    assert "operations of the GameLift model implemented" in out.splitlines()[-1]
