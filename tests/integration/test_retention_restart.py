"""Retention across restarts, and of a real server process's logs.

SIGKILL the emulator and start it again on the same database and data directory: what fell due while it was down
is deleted as it starts (here: because it restarts with a shorter retention, the manual clock having stood still
while it was down); what is not due yet goes at its time; deleted records stay deleted. The retention periods come
from the environment (second run) and from the CLI flags (third run).
"""

from __future__ import annotations

import io
import sqlite3
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

import pytest

from infra.emulator.launcher import EmulatorProcess
from tests.fixtures.example_server import LAUNCH_PATH, stage_build
from tests.fixtures.example_server.harness import ROLE_ARN, game_session, wait_for
from tests.support.clients import gamelift_client
from tests.support.fleets import active_fleet
from tests.support.raw_http import http_status

DAY = 24 * 3600.0
SHORT = 15 * DAY


def described(gl: Any, game_session_id: str) -> list[str]:
    try:
        return [s["Status"] for s in gl.describe_game_sessions(GameSessionId=game_session_id)["GameSessions"]]
    except gl.exceptions.NotFoundException:
        return []


def age(emulator: EmulatorProcess, gl: Any, game_session_id: str) -> float:
    """Seconds since the session ended, on the emulator's clock (to the millisecond the API reports)."""
    ended = gl.describe_game_sessions(GameSessionId=game_session_id)["GameSessions"][0]["TerminationTime"]
    return emulator.control("clock")["now"] - ended.timestamp()


def plant_log(data_dir: Path, game_session_id: str) -> Path:
    """A zip where the launcher leaves a real process's logs (these fleets run simulated processes)."""
    key = game_session_id.split(":gamesession/", 1)[1]
    target = data_dir / "logs" / "game-sessions" / f"{key}.zip"
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("stdout.log", "hello\n")
    return target


def stored(db: str) -> dict[str, set[str]]:
    """The records on disk, by kind (read once the emulator holding the file is gone)."""
    connection = sqlite3.connect(db)
    try:
        rows = connection.execute("SELECT kind, id FROM record WHERE kind IN ('game_session', 'player_session')")
        found: dict[str, set[str]] = {"game_session": set(), "player_session": set()}
        for kind, record_id in rows:
            found[kind].add(record_id)
    finally:
        connection.close()
    return found


def start(db: str, data_dir: Path, args: tuple[str, ...] = (), env: dict[str, str] | None = None) -> EmulatorProcess:
    return EmulatorProcess(
        db, args=["--clock", "manual", "--strict", "--log-level", "INFO", "--data-dir", str(data_dir), *args], env=env
    ).start()


def test_retention_survives_a_restart(tmp_path: Path) -> None:
    db = str(tmp_path / "state.db")
    data_dir = tmp_path / "data"

    first = start(db, data_dir)
    try:
        gl = gamelift_client(first.url, "json")
        # The build's launch path is not executable, so its processes are simulated.
        fleet_id = active_fleet(gl, first, RuntimeConfiguration={
            "ServerProcesses": [{"LaunchPath": "/local/game/server", "ConcurrentExecutions": 3}]})

        def session(**params: Any) -> str:
            gsid = gl.create_game_session(FleetId=fleet_id, MaximumPlayerSessionCount=4, **params)["GameSession"][
                "GameSessionId"
            ]
            first.advance(1)
            return gsid

        old = session(IdempotencyToken="old-match")
        old_players = {
            p["PlayerSessionId"]
            for p in gl.create_player_sessions(GameSessionId=old, PlayerIds=["p1", "p2"])["PlayerSessions"]
        }
        gl.terminate_game_session(GameSessionId=old, TerminationMode="FORCE_TERMINATE")
        old_log = plant_log(data_dir, old)
        first.advance(10 * DAY)
        recent = session()
        gl.terminate_game_session(GameSessionId=recent, TerminationMode="FORCE_TERMINATE")
        recent_log = plant_log(data_dir, recent)
        first.advance(10 * DAY)  # old ended 20 days ago, recent 10
        live = session()
        assert described(gl, live) == ["ACTIVE"]
    finally:
        first.kill()

    # Restarted with a 15-day retention: the old session is already due and goes as the emulator starts.
    second = start(db, data_dir, env={"GAMELIFT_LOCAL_GAME_SESSION_RETENTION_SECONDS": str(SHORT)})
    try:
        gl = gamelift_client(second.url, "cbor")
        assert described(gl, old) == []
        with pytest.raises(gl.exceptions.NotFoundException):
            gl.describe_player_sessions(GameSessionId=old)
        assert gl.describe_player_sessions(PlayerId="p1")["PlayerSessions"] == []
        assert not old_log.exists()
        assert described(gl, recent) == ["TERMINATED"] and described(gl, live) == ["ACTIVE"]
        recent_url = gl.get_game_session_log_url(GameSessionId=recent)["PreSignedUrl"]
        assert http_status(recent_url) == 200
        # The timers were armed for what was not due yet: the recent session's logs at 14 days ...
        second.advance(14 * DAY - 0.5 - age(second, gl, recent))
        assert http_status(recent_url) == 200
        second.advance(1)
        assert http_status(recent_url) == 404 and not recent_log.exists()
        second.advance(SHORT - 0.5 - age(second, gl, recent))  # a half second short of 15 days
        assert described(gl, recent) == ["TERMINATED"]
    finally:
        second.kill()

    on_disk = stored(db)
    assert old not in on_disk["game_session"] and not old_players & on_disk["player_session"]
    assert {recent, live} <= on_disk["game_session"]

    # ... and the session itself at 15 days, with the period from the CLI flag this time.
    third = start(db, data_dir, args=("--game-session-retention-seconds", str(SHORT)))
    try:
        gl = gamelift_client(third.url, "json")
        assert described(gl, recent) == ["TERMINATED"]
        third.advance(1)
        assert described(gl, recent) == [] and described(gl, live) == ["ACTIVE"]
        # The old session's idempotency token is free again.
        third.advance(1)
        reused = gl.create_game_session(FleetId=fleet_id, MaximumPlayerSessionCount=2, IdempotencyToken="old-match")
        assert reused["GameSession"]["GameSessionId"] == old
        assert reused["GameSession"]["MaximumPlayerSessionCount"] == 2
    finally:
        third.stop()


# -- a real server process's logs ---------------------------------------------------------------------------------


def test_a_real_process_log_zip_is_deleted_after_14_days(tmp_path: Path) -> None:
    """The example game server runs for real (on the manual clock, its InitSDK and ProcessReady come in real time);
    its session's log zip is served until 14 days after the session ended, then deleted."""
    data_dir = tmp_path / "data"
    files = stage_build(tmp_path / "files")
    emulator = start(str(tmp_path / "state.db"), data_dir, args=("--fleet-stage-seconds", "0.05"))
    try:
        gl = gamelift_client(emulator.url, "json")
        build_id = gl.create_build(
            Name="example", StorageLocation={"Bucket": "gamelift-local", "Key": str(files), "RoleArn": ROLE_ARN}
        )["Build"]["BuildId"]
        fleet_id = gl.create_fleet(
            Name="example",
            BuildId=build_id,
            EC2InstanceType="c5.large",
            EC2InboundPermissions=[{"FromPort": 33480, "ToPort": 33489, "IpRange": "0.0.0.0/0", "Protocol": "TCP"}],
            RuntimeConfiguration={"ServerProcesses": [{"LaunchPath": LAUNCH_PATH, "ConcurrentExecutions": 1}]},
        )["FleetAttributes"]["FleetId"]

        def ready() -> bool:
            emulator.advance(0.1)  # the fleet's stages move on the manual clock; the process starts in real time
            attributes = gl.describe_fleet_attributes(FleetIds=[fleet_id])["FleetAttributes"][0]
            utilization = gl.describe_fleet_utilization(FleetIds=[fleet_id])["FleetUtilization"][0]
            return attributes["Status"] == "ACTIVE" and utilization["ActiveServerProcessCount"] == 1

        wait_for(ready, 30, what="the fleet ACTIVE with its process ready")
        gsid = gl.create_game_session(FleetId=fleet_id, MaximumPlayerSessionCount=2)["GameSession"]["GameSessionId"]
        wait_for(lambda: game_session(gl, gsid)["Status"] == "ACTIVE", 15, what="the server to activate the session")
        gl.terminate_game_session(GameSessionId=gsid, TerminationMode="FORCE_TERMINATE")
        url = gl.get_game_session_log_url(GameSessionId=gsid)["PreSignedUrl"]
        with urllib.request.urlopen(url, timeout=20) as response:  # waits for the zip of the killed process
            assert "stdout.log" in zipfile.ZipFile(io.BytesIO(response.read())).namelist()
        zipped = next((data_dir / "logs" / "game-sessions").rglob("*.zip"))

        emulator.advance(14 * DAY - 1)
        assert http_status(url) == 200
        emulator.advance(1)
        assert http_status(url) == 404 and not zipped.exists()
        with pytest.raises(gl.exceptions.NotFoundException):
            gl.get_game_session_log_url(GameSessionId=gsid)
    finally:
        emulator.stop()
