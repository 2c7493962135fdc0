"""SIGKILL the emulator and start it again on the same database: nothing acknowledged is lost."""

from __future__ import annotations

from pathlib import Path

from infra.emulator.launcher import EmulatorProcess
from tests.support.clients import gamelift_client


def strip(response: dict) -> dict:
    response.pop("ResponseMetadata", None)
    return response


def snapshot(gl, fleet_id: str, build_id: str, alias_id: str, game_session_id: str, fleet_arn: str) -> dict:
    return {
        "build": strip(gl.describe_build(BuildId=build_id)),
        "builds": strip(gl.list_builds()),
        "fleet": strip(gl.describe_fleet_attributes(FleetIds=[fleet_id])),
        "runtime": strip(gl.describe_runtime_configuration(FleetId=fleet_id)),
        "ports": strip(gl.describe_fleet_port_settings(FleetId=fleet_id)),
        "alias": strip(gl.describe_alias(AliasId=alias_id)),
        "game_sessions": strip(gl.describe_game_sessions(FleetId=fleet_id)),
        "players": strip(gl.describe_player_sessions(GameSessionId=game_session_id)),
        "tags": strip(gl.list_tags_for_resource(ResourceARN=fleet_arn)),
        "events": strip(gl.describe_fleet_events(FleetId=fleet_id)),
    }


def test_sigkill_loses_nothing(tmp_path: Path) -> None:
    db = str(tmp_path / "state.db")
    files = tmp_path / "build"
    files.mkdir()
    (files / "server.sh").write_text("#!/bin/sh\n")
    first = EmulatorProcess(db, args=["--clock", "manual", "--strict"]).start()
    try:
        gl = gamelift_client(first.url, "json")
        build_id = gl.create_build(
            Name="b",
            StorageLocation={"Bucket": "gamelift-local", "Key": str(files), "RoleArn": "arn:aws:iam::1:role/r"},
        )["Build"]["BuildId"]
        fleet = gl.create_fleet(
            Name="f",
            BuildId=build_id,
            EC2InstanceType="c5.large",
            RuntimeConfiguration={
                "ServerProcesses": [{"LaunchPath": "/local/game/server.sh", "ConcurrentExecutions": 3}]
            },
            EC2InboundPermissions=[{"FromPort": 33430, "ToPort": 33440, "IpRange": "0.0.0.0/0", "Protocol": "UDP"}],
            Tags=[{"Key": "stage", "Value": "test"}],
        )["FleetAttributes"]
        fleet_id = fleet["FleetId"]
        first.advance(600)
        alias_id = gl.create_alias(Name="a", RoutingStrategy={"Type": "SIMPLE", "FleetId": fleet_id})["Alias"][
            "AliasId"
        ]
        gs = gl.create_game_session(AliasId=alias_id, MaximumPlayerSessionCount=5, Name="kept")["GameSession"]
        first.advance(1)
        gl.create_player_sessions(GameSessionId=gs["GameSessionId"], PlayerIds=["p1", "p2"])
        # A second fleet still on its way to ACTIVE when the emulator dies.
        pending = gl.create_fleet(
            Name="pending",
            BuildId=build_id,
            EC2InstanceType="c5.large",
            RuntimeConfiguration={
                "ServerProcesses": [{"LaunchPath": "/local/game/server.sh", "ConcurrentExecutions": 1}]
            },
        )["FleetAttributes"]["FleetId"]
        before = snapshot(gl, fleet_id, build_id, alias_id, gs["GameSessionId"], fleet["FleetArn"])
    finally:
        first.kill()

    second = EmulatorProcess(db, args=["--clock", "manual", "--strict"]).start()
    try:
        gl = gamelift_client(second.url, "cbor")
        after = snapshot(gl, fleet_id, build_id, alias_id, gs["GameSessionId"], fleet["FleetArn"])
        assert after == before
        # The restored session still counts its players and takes more.
        gl.create_player_session(GameSessionId=gs["GameSessionId"], PlayerId="p3")
        restored = gl.describe_game_sessions(GameSessionId=gs["GameSessionId"])["GameSessions"][0]
        assert restored["CurrentPlayerSessionCount"] == 3
        # The interrupted activation carries on after the restart, and so do the
        # reservation time-outs of the players who never connected.
        second.advance(600)
        assert gl.describe_fleet_attributes(FleetIds=[pending])["FleetAttributes"][0]["Status"] == "ACTIVE"
        statuses = {
            p["PlayerId"]: p["Status"]
            for p in gl.describe_player_sessions(GameSessionId=gs["GameSessionId"])["PlayerSessions"]
        }
        assert statuses == {"p1": "TIMEDOUT", "p2": "TIMEDOUT", "p3": "TIMEDOUT"}
    finally:
        second.stop()


def test_a_second_emulator_on_the_same_database_is_refused(tmp_path: Path) -> None:
    import subprocess
    import sys

    db = str(tmp_path / "state.db")
    first = EmulatorProcess(db, args=["--clock", "manual"]).start()
    try:
        gl = gamelift_client(first.url, "json")
        gl.create_build(Name="owned")
        second = subprocess.run(
            [sys.executable, "-m", "infra.emulator", "serve", "--database", db, "--port", "0",
             "--data-dir", str(tmp_path / "data2")],
            capture_output=True, text=True, timeout=60,
        )
        assert second.returncode == 1
        assert "in use by another gamelift-local" in second.stderr
        # The first one is undisturbed.
        assert [b["Name"] for b in gl.list_builds()["Builds"]] == ["owned"]
    finally:
        first.stop()
