"""Builds through boto3, over both wire protocols."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

ROLE = "arn:aws:iam::123456789012:role/build-access"
MISSING = "build-00000000-0000-0000-0000-000000000000"


def local(path: Path) -> dict:
    return {"Bucket": "gamelift-local", "Key": str(path), "RoleArn": ROLE}


@pytest.fixture
def build_dir(tmp_path: Path) -> Path:
    files = tmp_path / "server"
    files.mkdir()
    (files / "server.sh").write_text("#!/bin/sh\necho hi\n")
    (files / "data.bin").write_bytes(b"\0" * 1000)
    return files


def code(err: pytest.ExceptionInfo[ClientError]) -> str:
    return err.value.response["Error"]["Code"]


def test_build_from_a_local_directory_is_ready_with_its_size(gl, build_dir: Path) -> None:
    out = gl.create_build(
        Name="arena", Version="1.0", StorageLocation=local(build_dir), OperatingSystem="AMAZON_LINUX_2023"
    )
    build = out["Build"]
    assert build["Status"] == "READY"
    assert build["SizeOnDisk"] == 1000 + len("#!/bin/sh\necho hi\n")
    assert build["BuildId"].startswith("build-")
    assert build["BuildArn"].endswith(f":build/{build['BuildId']}")
    assert out["StorageLocation"]["Key"] == str(build_dir)
    assert gl.describe_build(BuildId=build["BuildId"])["Build"] == build


def test_build_from_a_zip_counts_uncompressed_bytes(gl, tmp_path: Path) -> None:
    archive = tmp_path / "server.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("server.sh", "x" * 5000)
    build = gl.create_build(Name="zipped", StorageLocation=local(archive))["Build"]
    assert build["Status"] == "READY" and build["SizeOnDisk"] == 5000


def test_build_without_storage_waits_for_an_upload(gl) -> None:
    out = gl.create_build(Name="later")
    assert out["Build"]["Status"] == "INITIALIZED"
    assert out["UploadCredentials"]["AccessKeyId"]
    assert out["StorageLocation"]["Bucket"] == "gamelift-local"
    again = gl.request_upload_credentials(BuildId=out["Build"]["BuildId"])
    assert again["StorageLocation"] == out["StorageLocation"]
    assert again["UploadCredentials"]["SecretAccessKey"]


def test_build_in_a_remote_bucket_is_ready_without_files(gl) -> None:
    build = gl.create_build(Name="s3", StorageLocation={"Bucket": "my-builds", "Key": "server.zip", "RoleArn": ROLE})
    assert build["Build"]["Status"] == "READY"
    assert build["Build"]["SizeOnDisk"] == 0


def test_missing_or_unusable_local_files_are_refused(gl, tmp_path: Path) -> None:
    with pytest.raises(ClientError) as err:
        gl.create_build(Name="x", StorageLocation=local(tmp_path / "nope"))
    assert code(err) == "InvalidRequestException"
    text = tmp_path / "notes.txt"
    text.write_text("not a zip")
    with pytest.raises(ClientError) as err:
        gl.create_build(Name="x", StorageLocation=local(text))
    assert code(err) == "InvalidRequestException"
    assert gl.list_builds()["Builds"] == []


def test_list_filters_by_status_and_pages(gl, build_dir: Path) -> None:
    ready = [gl.create_build(Name=f"b{i}", StorageLocation=local(build_dir))["Build"]["BuildId"] for i in range(5)]
    waiting = gl.create_build(Name="waiting")["Build"]["BuildId"]
    assert [b["BuildId"] for b in gl.list_builds(Status="INITIALIZED")["Builds"]] == [waiting]
    seen, token = [], None
    while True:
        page = gl.list_builds(Status="READY", Limit=2, **({"NextToken": token} if token else {}))
        assert len(page["Builds"]) <= 2
        seen += [b["BuildId"] for b in page["Builds"]]
        token = page.get("NextToken")
        if not token:
            break
    assert seen == ready
    with pytest.raises(ClientError) as err:
        gl.list_builds(NextToken="bm90LWEtdG9rZW4")
    assert code(err) == "InvalidRequestException"


def test_update_and_delete(gl, build_dir: Path) -> None:
    build_id = gl.create_build(Name="old", Version="1", StorageLocation=local(build_dir))["Build"]["BuildId"]
    updated = gl.update_build(BuildId=build_id, Name="new", Version="2")["Build"]
    assert (updated["Name"], updated["Version"]) == ("new", "2")
    assert gl.describe_build(BuildId=build_id)["Build"]["Name"] == "new"
    gl.delete_build(BuildId=build_id)
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.describe_build(BuildId=build_id)


@pytest.mark.parametrize(
    "call",
    [
        lambda gl: gl.describe_build(BuildId=MISSING),
        lambda gl: gl.update_build(BuildId=MISSING, Name="x"),
        lambda gl: gl.delete_build(BuildId=MISSING),
        lambda gl: gl.request_upload_credentials(BuildId=MISSING),
    ],
    ids=["describe", "update", "delete", "upload-credentials"],
)
def test_unknown_build_is_not_found(gl, call) -> None:
    with pytest.raises(gl.exceptions.NotFoundException):
        call(gl)


def test_build_tags(gl, build_dir: Path) -> None:
    build = gl.create_build(Name="t", StorageLocation=local(build_dir), Tags=[{"Key": "team", "Value": "a"}])["Build"]
    arn = build["BuildArn"]
    gl.tag_resource(ResourceARN=arn, Tags=[{"Key": "stage", "Value": "dev"}])
    assert sorted(t["Key"] for t in gl.list_tags_for_resource(ResourceARN=arn)["Tags"]) == ["stage", "team"]
    gl.untag_resource(ResourceARN=arn, TagKeys=["team"])
    assert gl.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "stage", "Value": "dev"}]
    with pytest.raises(ClientError) as err:
        gl.tag_resource(ResourceARN=arn, Tags=[{"Key": "aws:reserved", "Value": "x"}])
    assert code(err) == "TaggingFailedException"
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.list_tags_for_resource(ResourceARN=arn.replace(build["BuildId"], MISSING))
