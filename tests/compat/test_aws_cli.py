"""The real AWS CLI (awscli from PyPI) against the emulator: a developer's session, unmodified."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra.emulator.launcher import EmulatorProcess
from tests.support.clients import model_dir


class Aws:
    """Runs `aws gamelift ...` as a subprocess, the way a developer types it."""

    def __init__(self, url: str, *, use_env_endpoint: bool, data_path: str | None, home: Path) -> None:
        self.url = url
        self.use_env_endpoint = use_env_endpoint
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(home),
            "AWS_ACCESS_KEY_ID": "AKIAEXAMPLECLI000001",
            "AWS_SECRET_ACCESS_KEY": "cli-secret",
            "AWS_DEFAULT_REGION": "us-west-2",
            "AWS_PAGER": "",
            "AWS_MAX_ATTEMPTS": "1",
        }
        if use_env_endpoint:
            self.env["AWS_ENDPOINT_URL_GAMELIFT"] = url
        if data_path:
            self.env["AWS_DATA_PATH"] = data_path

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "awscli", "gamelift", *args, "--output", "json"]
        if not self.use_env_endpoint:
            cmd += ["--endpoint-url", self.url]
        result = subprocess.run(cmd, capture_output=True, text=True, env=self.env, timeout=60)
        if check and result.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed ({result.returncode}): {result.stderr}")
        return result

    def json(self, *args: str) -> dict:
        out = self.run(*args).stdout
        return json.loads(out) if out.strip() else {}


@pytest.mark.parametrize(
    ("use_env_endpoint", "protocol"), [(False, "json"), (True, "json"), (False, "cbor")], ids=["flag", "env", "cbor"]
)
def test_cli_session(fresh: EmulatorProcess, tmp_path: Path, use_env_endpoint: bool, protocol: str) -> None:
    aws = Aws(
        fresh.url,
        use_env_endpoint=use_env_endpoint,
        data_path=model_dir("cbor") if protocol == "cbor" else None,
        home=tmp_path,
    )
    files = tmp_path / "build"
    files.mkdir()
    (files / "server.sh").write_text("#!/bin/sh\n")

    build = aws.json(
        "create-build",
        "--name",
        "cli-build",
        "--operating-system",
        "AMAZON_LINUX_2023",
        "--storage-location",
        f"Bucket=gamelift-local,Key={files},RoleArn=arn:aws:iam::123456789012:role/cli",
    )["Build"]
    assert build["Status"] == "READY"
    assert [b["BuildId"] for b in aws.json("list-builds")["Builds"]] == [build["BuildId"]]

    fleet = aws.json(
        "create-fleet",
        "--name",
        "cli-fleet",
        "--build-id",
        build["BuildId"],
        "--ec2-instance-type",
        "c5.large",
        "--ec2-inbound-permissions",
        "FromPort=33430,ToPort=33530,IpRange=0.0.0.0/0,Protocol=TCP",
        "--runtime-configuration",
        "ServerProcesses=[{LaunchPath=/local/game/server.sh,ConcurrentExecutions=2}]",
    )["FleetAttributes"]
    fleet_id = fleet["FleetId"]
    assert fleet["Status"] == "NEW"
    fresh.advance(600)
    assert aws.json("describe-fleet-attributes", "--fleet-ids", fleet_id)["FleetAttributes"][0]["Status"] == "ACTIVE"

    alias_id = aws.json("create-alias", "--name", "cli-alias", "--routing-strategy", f"Type=SIMPLE,FleetId={fleet_id}")[
        "Alias"
    ]["AliasId"]
    assert aws.json("resolve-alias", "--alias-id", alias_id)["FleetId"] == fleet_id

    session = aws.json(
        "create-game-session",
        "--alias-id",
        alias_id,
        "--maximum-player-session-count",
        "4",
        "--game-properties",
        "Key=mode,Value=ffa",
    )["GameSession"]
    fresh.advance(1)
    described = aws.json("describe-game-sessions", "--game-session-id", session["GameSessionId"])["GameSessions"]
    assert described[0]["Status"] == "ACTIVE"

    found = aws.json(
        "search-game-sessions", "--fleet-id", fleet_id, "--filter-expression", "gameSessionProperties.mode = 'ffa'"
    )["GameSessions"]
    assert [s["GameSessionId"] for s in found] == [session["GameSessionId"]]

    player = aws.json(
        "create-player-session",
        "--game-session-id",
        session["GameSessionId"],
        "--player-id",
        "alice",
        "--player-data",
        "tier=premium",
    )["PlayerSession"]
    assert player["Status"] == "RESERVED"
    listed = aws.json("describe-player-sessions", "--game-session-id", session["GameSessionId"])["PlayerSessions"]
    assert [p["PlayerId"] for p in listed] == ["alice"]

    aws.run("tag-resource", "--resource-arn", fleet["FleetArn"], "--tags", "Key=team,Value=arena")
    tags = aws.json("list-tags-for-resource", "--resource-arn", fleet["FleetArn"])["Tags"]
    assert {"Key": "team", "Value": "arena"} in tags

    events = aws.json("describe-fleet-events", "--fleet-id", fleet_id)["Events"]
    assert "FLEET_STATE_ACTIVE" in {e["EventCode"] for e in events}

    failed = aws.run("describe-build", "--build-id", "build-00000000-0000-0000-0000-000000000000", check=False)
    assert failed.returncode != 0
    assert "(NotFoundException)" in failed.stderr

    # Pattern constraints are checked by the service, not the CLI: the emulator must refuse.
    invalid = aws.run("describe-fleet-attributes", "--fleet-ids", "not a fleet id", check=False)
    assert invalid.returncode != 0
    assert "(InvalidRequestException)" in invalid.stderr
