"""Realtime scripts through boto3: CreateScript, DescribeScript, ListScripts, UpdateScript, DeleteScript."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from infra.emulator.launcher import EmulatorProcess
from tests.support.clients import gamelift_client

ROLE = "arn:aws:iam::123456789012:role/gamelift-s3"


def zip_bytes(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def error_code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return exc.value.response["Error"]["Code"]


SCRIPT = {"index.js": "exports.ssExports = {};\n", "lib/loop.js": "module.exports = 1;\n"}
SCRIPT_SIZE = sum(len(text) for text in SCRIPT.values())


def test_create_script_from_zip_file_stores_the_upload(gl) -> None:
    script = gl.create_script(Name="relay", Version="1.0", ZipFile=zip_bytes(SCRIPT))["Script"]
    assert re.fullmatch(r"script-[0-9a-f-]{36}", script["ScriptId"])
    assert script["ScriptArn"] == f"arn:aws:gamelift:us-west-2:123456789012:script/{script['ScriptId']}"
    assert (script["Name"], script["Version"], script["NodeJsVersion"]) == ("relay", "1.0", "10.x")
    assert script["SizeOnDisk"] == SCRIPT_SIZE
    storage = script["StorageLocation"]
    assert storage["Bucket"] == "gamelift-local"
    stored = Path(storage["Key"])
    assert stored.name == f"{script['ScriptId']}.zip"
    with zipfile.ZipFile(stored) as archive:
        assert archive.read("index.js").decode() == SCRIPT["index.js"]
    assert script["CreationTime"].tzinfo is not None


def test_describe_script_by_id_and_arn(gl) -> None:
    created = gl.create_script(Name="relay", ZipFile=zip_bytes(SCRIPT))["Script"]
    assert gl.describe_script(ScriptId=created["ScriptId"])["Script"] == created
    assert gl.describe_script(ScriptId=created["ScriptArn"])["Script"] == created


def test_create_script_from_a_local_directory(gl, tmp_path: Path) -> None:
    (tmp_path / "index.js").write_text("exports.ssExports = {};")
    storage = {"Bucket": "gamelift-local", "Key": str(tmp_path), "RoleArn": ROLE}
    script = gl.create_script(Name="dir", StorageLocation=storage, NodeJsVersion="24.x")["Script"]
    assert script["StorageLocation"] == storage
    assert script["SizeOnDisk"] == len("exports.ssExports = {};")
    assert script["NodeJsVersion"] == "24.x"


def test_script_in_another_bucket_has_no_local_files(gl) -> None:
    storage = {"Bucket": "my-scripts", "Key": "relay.zip", "RoleArn": ROLE, "ObjectVersion": "3"}
    script = gl.create_script(Name="s3", StorageLocation=storage)["Script"]
    # As in AWS, a script fetched from S3 reports SizeOnDisk 0.
    assert script["SizeOnDisk"] == 0
    assert script["StorageLocation"] == storage


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"Name": "bad", "ZipFile": b"this is not a zip"}, id="zip-file-not-a-zip"),
        pytest.param({"Name": "none"}, id="no-files"),
        pytest.param(
            {"Name": "both", "ZipFile": zip_bytes(SCRIPT), "StorageLocation": {"Bucket": "b", "Key": "k"}}, id="both"
        ),
        pytest.param({"Name": "node", "ZipFile": zip_bytes(SCRIPT), "NodeJsVersion": "18.x"}, id="node-18"),
        pytest.param(
            {"Name": "missing", "StorageLocation": {"Bucket": "gamelift-local", "Key": "/nonexistent/dir"}},
            id="missing-local-path",
        ),
    ],
)
def test_invalid_create_script_changes_nothing(gl, params: dict) -> None:
    with pytest.raises(ClientError) as exc:
        gl.create_script(**params)
    assert error_code(exc) == "InvalidRequestException"
    assert gl.list_scripts()["Scripts"] == []


def test_unknown_script_is_not_found(gl) -> None:
    missing = "script-00000000-0000-0000-0000-000000000000"
    for call in (
        lambda: gl.describe_script(ScriptId=missing),
        lambda: gl.update_script(ScriptId=missing, Name="x"),
        lambda: gl.delete_script(ScriptId=missing),
        lambda: gl.describe_script(ScriptId=f"arn:aws:gamelift:us-west-2:123456789012:script/{missing}"),
    ):
        with pytest.raises(gl.exceptions.NotFoundException):
            call()


def test_list_scripts_pages_in_creation_order(gl) -> None:
    created = [gl.create_script(Name=f"s{i}", ZipFile=zip_bytes(SCRIPT))["Script"]["ScriptId"] for i in range(5)]
    seen, sizes, token = [], [], None
    while True:
        page = gl.list_scripts(Limit=2, **({"NextToken": token} if token else {}))
        sizes.append(len(page["Scripts"]))
        seen += [s["ScriptId"] for s in page["Scripts"]]
        token = page.get("NextToken")
        if not token:
            break
    assert sizes == [2, 2, 1]
    assert seen == created
    with pytest.raises(gl.exceptions.InvalidRequestException):
        gl.list_scripts(NextToken="not-a-token")


def test_update_script_metadata_and_content(gl, tmp_path: Path) -> None:
    script = gl.create_script(Name="relay", Version="1", ZipFile=zip_bytes(SCRIPT))["Script"]
    script_id = script["ScriptId"]
    renamed = gl.update_script(ScriptId=script_id, Name="relay-v2", Version="2")["Script"]
    assert (renamed["Name"], renamed["Version"]) == ("relay-v2", "2")
    assert renamed["StorageLocation"] == script["StorageLocation"]

    new_files = {"index.js": "exports.ssExports = { configuration: {} };\n"}
    updated = gl.update_script(ScriptId=script["ScriptArn"], ZipFile=zip_bytes(new_files))["Script"]
    assert updated["SizeOnDisk"] == len(new_files["index.js"])
    with zipfile.ZipFile(updated["StorageLocation"]["Key"]) as archive:
        assert archive.namelist() == ["index.js"]
    # NodeJsVersion and CreationTime do not change with an update.
    assert (updated["NodeJsVersion"], updated["CreationTime"]) == (script["NodeJsVersion"], script["CreationTime"])

    # Moving to a directory drops the uploaded zip.
    (tmp_path / "main.js").write_text("x" * 7)
    storage = {"Bucket": "gamelift-local", "Key": str(tmp_path)}
    moved = gl.update_script(ScriptId=script_id, StorageLocation=storage)["Script"]
    assert moved["StorageLocation"] == storage
    assert moved["SizeOnDisk"] == 7
    assert not Path(updated["StorageLocation"]["Key"]).exists()
    assert gl.describe_script(ScriptId=script_id)["Script"] == moved


def test_update_script_with_a_bad_zip_keeps_the_old_content(gl) -> None:
    script = gl.create_script(Name="relay", ZipFile=zip_bytes(SCRIPT))["Script"]
    with pytest.raises(gl.exceptions.InvalidRequestException):
        gl.update_script(ScriptId=script["ScriptId"], Name="renamed", ZipFile=b"PK\x03\x04 truncated")
    assert gl.describe_script(ScriptId=script["ScriptId"])["Script"] == script


def test_delete_script_removes_record_and_upload(gl) -> None:
    script = gl.create_script(Name="relay", ZipFile=zip_bytes(SCRIPT))["Script"]
    stored = Path(script["StorageLocation"]["Key"])
    assert stored.exists()
    gl.delete_script(ScriptId=script["ScriptArn"])
    assert not stored.exists()
    assert gl.list_scripts()["Scripts"] == []
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.describe_script(ScriptId=script["ScriptId"])


def test_delete_script_leaves_a_local_directory_alone(gl, tmp_path: Path) -> None:
    (tmp_path / "index.js").write_text("x")
    script = gl.create_script(Name="dir", StorageLocation={"Bucket": "gamelift-local", "Key": str(tmp_path)})
    gl.delete_script(ScriptId=script["Script"]["ScriptId"])
    assert (tmp_path / "index.js").exists()


def test_script_tags(gl) -> None:
    script = gl.create_script(Name="relay", ZipFile=zip_bytes(SCRIPT), Tags=[{"Key": "team", "Value": "net"}])
    arn = script["Script"]["ScriptArn"]
    assert gl.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "team", "Value": "net"}]
    gl.tag_resource(ResourceARN=arn, Tags=[{"Key": "stage", "Value": "dev"}])
    gl.untag_resource(ResourceARN=arn, TagKeys=["team"])
    assert gl.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "stage", "Value": "dev"}]
    gl.delete_script(ScriptId=arn)
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.list_tags_for_resource(ResourceARN=arn)


def test_scripts_survive_a_crash(tmp_path: Path) -> None:
    db = str(tmp_path / "state.db")
    first = EmulatorProcess(db, args=["--clock", "manual", "--strict"]).start()
    try:
        gl = gamelift_client(first.url, "json")
        created = gl.create_script(Name="relay", ZipFile=zip_bytes(SCRIPT), Tags=[{"Key": "k", "Value": "v"}])
        script = created["Script"]
    finally:
        first.kill()
    second = EmulatorProcess(db, args=["--clock", "manual", "--strict"]).start()
    try:
        gl = gamelift_client(second.url, "cbor")
        assert gl.describe_script(ScriptId=script["ScriptId"])["Script"] == script
        assert gl.list_tags_for_resource(ResourceARN=script["ScriptArn"])["Tags"] == [{"Key": "k", "Value": "v"}]
        assert second.control("state")["resources"]["scripts"] == 1
    finally:
        second.stop()
