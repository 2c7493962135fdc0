"""Managed fleets running the example game server as real OS processes, driven through boto3 and TCP players.

One emulator for the module, on the system clock with short time-outs (InitSDK 3 s, ProcessReady 1.5 s, terminate
window 2 s, reservations 2 s, heartbeats every second with a 2.5 s window), so real processes and real timers meet.
Every wait polls with a deadline.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import socket
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.emulator.launcher import EmulatorProcess
from tests.fixtures.example_server import LAUNCH_PATH, stage_build, zip_build
from tests.fixtures.example_server.harness import (
    ROLE_ARN,
    HandshakeRefused,
    RawSdk,
    events,
    game_session,
    player_status,
    wait_for,
)
from tests.support.clients import gamelift_client

PORTS = {"FromPort": 33430, "ToPort": 33479, "IpRange": "0.0.0.0/0", "Protocol": "TCP"}
ENV = {
    "GAMELIFT_LOCAL_SDK_INIT_TIMEOUT_SECONDS": "3",
    "GAMELIFT_LOCAL_PROCESS_READY_TIMEOUT_SECONDS": "1.5",
    "GAMELIFT_LOCAL_PROCESS_TERMINATION_SECONDS": "2",
    "GAMELIFT_LOCAL_PROCESS_EXIT_TIMEOUT_SECONDS": "3",
    "GAMELIFT_LOCAL_SDK_READY_DELAY_SECONDS": "0.5",
    "GAMELIFT_LOCAL_HEALTH_CHECK_WINDOW_SECONDS": "2.5",
    "GAMELIFT_LOCAL_PLAYER_SESSION_RESERVATION_SECONDS": "2",
    "GAMELIFT_LOCAL_FLEET_ACTIVATION_TIMEOUT_SECONDS": "6",
    # Read by the server SDK in the launched processes (Go's test knobs): a heartbeat every second.
    "HEALTHCHECK_INTERVAL": "1s",
    "HEALTHCHECK_MAX_JITTER": "100ms",
}


def start_emulator(directory: Path, env: dict[str, str]) -> EmulatorProcess:
    """An emulator for fleets of real example servers: system clock, short fleet stages, strict shapes."""
    args = ["--clock", "system", "--fleet-stage-seconds", "0.05", "--strict", "--log-level", "INFO"]
    return EmulatorProcess(str(directory / "state.db"), args=args, env=env).start()


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    proc = start_emulator(tmp_path_factory.mktemp("managed"), ENV)
    yield proc
    proc.stop()


@pytest.fixture
def emu(emulator: EmulatorProcess) -> EmulatorProcess:
    emulator.reset()
    return emulator


@pytest.fixture
def gl(emu: EmulatorProcess):
    return gamelift_client(emu.url, "json")


@pytest.fixture(scope="module")
def build_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return stage_build(tmp_path_factory.mktemp("example-build") / "files")


def create_build(gl: Any, files: Path) -> str:
    storage = {"Bucket": "gamelift-local", "Key": str(files), "RoleArn": ROLE_ARN}
    return gl.create_build(Name="example", StorageLocation=storage)["Build"]["BuildId"]


def managed_fleet(gl: Any, emu: EmulatorProcess, build_id: str, entries: list[tuple[int, str | None]] | None = None,
                  *, ready: int | None = None, **overrides: Any) -> str:
    """A fleet running ``entries`` ((count, Parameters) per runtime-configuration entry), ACTIVE with ``ready``
    processes reporting ready (all of them by default)."""
    entries = entries or [(2, None)]
    processes = []
    for count, parameters in entries:
        entry: dict[str, Any] = {"LaunchPath": LAUNCH_PATH, "ConcurrentExecutions": count}
        if parameters:
            entry["Parameters"] = parameters
        processes.append(entry)
    params: dict[str, Any] = {
        "Name": "example",
        "BuildId": build_id,
        "EC2InstanceType": "c5.large",
        "EC2InboundPermissions": [PORTS],
        "RuntimeConfiguration": {"ServerProcesses": processes, "GameSessionActivationTimeoutSeconds": 5},
        **overrides,
    }
    fleet_id = gl.create_fleet(**params)["FleetAttributes"]["FleetId"]
    want = sum(count for count, _ in entries) if ready is None else ready
    wait_for(lambda: status(gl, fleet_id) == "ACTIVE" and active_processes(gl, fleet_id) >= want, 20,
             what=f"fleet {fleet_id} ACTIVE with {want} ready processes")
    return fleet_id


def status(gl: Any, fleet_id: str) -> str:
    return gl.describe_fleet_attributes(FleetIds=[fleet_id])["FleetAttributes"][0]["Status"]


def active_processes(gl: Any, fleet_id: str) -> int:
    return gl.describe_fleet_utilization(FleetIds=[fleet_id])["FleetUtilization"][0]["ActiveServerProcessCount"]


def processes(emu: EmulatorProcess, fleet_id: str) -> list[dict[str, Any]]:
    return emu.control(f"processes?fleetId={fleet_id}")["processes"]


def hosting(emu: EmulatorProcess, fleet_id: str, game_session_id: str) -> dict[str, Any]:
    return next(p for p in processes(emu, fleet_id) if p["gameSessionId"] == game_session_id)


def active_session(gl: Any, fleet_id: str, **params: Any) -> dict[str, Any]:
    params.setdefault("MaximumPlayerSessionCount", 4)
    created = gl.create_game_session(FleetId=fleet_id, **params)["GameSession"]
    return wait_for(lambda: (s := game_session(gl, created["GameSessionId"]))["Status"] == "ACTIVE" and s, 10,
                    what="the game session to be ACTIVE")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead too (reaped by its parent's watcher shortly).
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


class Player:
    """A game client: one TCP connection to the server process, one line per command."""

    def __init__(self, host: str, port: int) -> None:
        self.sock = socket.create_connection((host, port), timeout=15)
        self.file = self.sock.makefile("rw", newline="\n")

    def say(self, line: str) -> str:
        self.file.write(line + "\n")
        self.file.flush()
        return self.file.readline().strip()

    def close(self) -> None:
        self.file.close()
        self.sock.close()


def player(session: dict[str, Any]) -> Player:
    return Player(session["IpAddress"], session["Port"])


# -- the happy path ----------------------------------------------------------------------------------------------


def test_game_session_and_players_on_a_real_process(emu, gl, build_files) -> None:
    fleet_id = managed_fleet(gl, emu, create_build(gl, build_files))
    running = processes(emu, fleet_id)
    assert {p["status"] for p in running} == {"ACTIVE"} and all(p["osPid"] and not p["simulated"] for p in running)
    assert len({p["port"] for p in running}) == 2

    session = active_session(gl, fleet_id, Name="arena", GameProperties=[{"Key": "mode", "Value": "ffa"}])
    gsid = session["GameSessionId"]
    assert session["IpAddress"] == "127.0.0.1" and session["Port"] == hosting(emu, fleet_id, gsid)["port"]
    ana, bo, cy = (p["PlayerSessionId"] for p in gl.create_player_sessions(
        GameSessionId=gsid, PlayerIds=["ana", "bo", "cy"])["PlayerSessions"])

    first = player(session)
    assert first.say(f"JOIN {ana}") == "OK"
    assert player_status(gl, ana) == "ACTIVE"
    assert player(session).say("JOIN psess-00000000-0000-0000-0000-000000000000").startswith("ERROR NotFound")
    second = player(session)
    assert second.say(f"JOIN {bo}") == "OK"
    assert json.loads(first.say("DESCRIBE")) == [[ana, "ACTIVE"], [bo, "ACTIVE"], [cy, "RESERVED"]]
    # cy never connects: the reservation times out.
    wait_for(lambda: player_status(gl, cy) == "TIMEDOUT", 10, what="the reservation to time out")
    assert first.say("LEAVE") == "BYE"
    assert player_status(gl, ana) == "COMPLETED"
    second.close()  # gone without a word: the server removes the player session
    wait_for(lambda: player_status(gl, bo) == "COMPLETED", 10, what="the dropped player to be removed")

    assert player(session).say("POLICY DENY_ALL") == "OK"
    with pytest.raises(gl.exceptions.GameSessionFullException):
        gl.create_player_session(GameSessionId=gsid, PlayerId="dee")

    old = {p["processId"] for p in processes(emu, fleet_id)}
    assert player(session).say("END") == "OK"  # ProcessEnding, exit 0
    ended = wait_for(lambda: (s := game_session(gl, gsid))["Status"] == "TERMINATED" and s, 10)
    assert "StatusReason" not in ended
    wait_for(lambda: len(processes(emu, fleet_id)) == 2 and active_processes(gl, fleet_id) == 2
             and {p["processId"] for p in processes(emu, fleet_id)} != old, 15, what="the process to be replaced")
    assert "SERVER_PROCESS_CRASHED" not in events(gl, fleet_id)

    url = gl.get_game_session_log_url(GameSessionId=gsid)["PreSignedUrl"]
    with urllib.request.urlopen(url, timeout=20) as response:
        assert response.headers["Content-Type"] == "application/zip"
        archive = zipfile.ZipFile(io.BytesIO(response.read()))
    names = archive.namelist()
    assert {"stdout.log", "stderr.log"} <= set(names)
    game_log = next(n for n in names if n.startswith("files/logs/"))
    assert f"player session {ana} accepted" in archive.read(game_log).decode()
    assert "ProcessEnding done" in archive.read("stdout.log").decode()


def test_a_zip_build_and_ports_unique_across_fleets(emu, gl, tmp_path) -> None:
    archive = zip_build(tmp_path / "example.zip")
    build_id = gl.create_build(Name="zipped", StorageLocation={"Bucket": "gamelift-local", "Key": str(archive),
                                                               "RoleArn": ROLE_ARN})["Build"]["BuildId"]
    one = managed_fleet(gl, emu, build_id, [(3, None)])
    two = managed_fleet(gl, emu, build_id, [(3, '--log-dir "my logs"')],
                        CertificateConfiguration={"CertificateType": "GENERATED"}, InstanceRoleArn=ROLE_ARN)
    ports = [p["port"] for fleet in (one, two) for p in processes(emu, fleet)]
    assert len(set(ports)) == 6 and all(PORTS["FromPort"] <= p <= PORTS["ToPort"] for p in ports)
    for port in ports:  # every one of them is a listening game server
        socket.create_connection(("127.0.0.1", port), timeout=5).close()

    session = active_session(gl, two)
    client = player(session)
    identity = json.loads(client.say("IDENTITY"))
    env = identity["env"]
    instance_id = gl.describe_instances(FleetId=two)["Instances"][0]["InstanceId"]
    assert (env["GAMELIFT_SDK_FLEET_ID"], env["GAMELIFT_SDK_HOST_ID"]) == (two, instance_id)
    assert env["GAMELIFT_SDK_WEBSOCKET_URL"] == emu.url.replace("http://", "ws://")
    assert env["GAMELIFT_SDK_PROCESS_ID"] == hosting(emu, two, session["GameSessionId"])["processId"]
    assert int(env["GAMELIFT_LOCAL_SERVER_PORT"]) == session["Port"]
    assert identity["cwd"].endswith(f"{instance_id}/game")
    assert identity["argv"] == ["--log-dir", "my logs"]  # Parameters split as a shell would
    certificate = json.loads(client.say("CERT"))
    assert certificate["compute"] == instance_id and Path(certificate["path"], "certificate.pem").is_file()
    credentials = json.loads(client.say("CREDS " + ROLE_ARN))
    assert credentials["access_key_id"].startswith("ASIA") and ":assumed-role/" in credentials["role_user"]
    # A fleet without a generated certificate has none to give.
    plain = active_session(gl, one)
    assert player(plain).say("CERT").startswith("ERROR BadRequest")


# -- crashes and time-outs ---------------------------------------------------------------------------------------


def test_kill_9_ends_the_session_records_the_crash_and_replaces_the_process(emu, gl, build_files) -> None:
    fleet_id = managed_fleet(gl, emu, create_build(gl, build_files))
    session = active_session(gl, fleet_id)
    gsid = session["GameSessionId"]
    victim = hosting(emu, fleet_id, gsid)
    bystander = next(p for p in processes(emu, fleet_id) if p["processId"] != victim["processId"])
    os.kill(victim["osPid"], signal.SIGKILL)

    ended = wait_for(lambda: (s := game_session(gl, gsid))["Status"] == "TERMINATED" and s, 10)
    assert ended["StatusReason"] == "INTERRUPTED"
    crash = next(e for e in gl.describe_fleet_events(FleetId=fleet_id)["Events"]
                 if e["EventCode"] == "SERVER_PROCESS_CRASHED")
    assert victim["processId"] in crash["Message"] and "signal 9" in crash["Message"]
    replaced = wait_for(lambda: active_processes(gl, fleet_id) == 2
                        and victim["processId"] not in {p["processId"] for p in processes(emu, fleet_id)}, 10,
                        what="a replacement process")
    assert replaced
    still = next(p for p in processes(emu, fleet_id) if p["processId"] == bystander["processId"])
    assert (still["osPid"], still["status"]) == (bystander["osPid"], "ACTIVE")
    assert active_session(gl, fleet_id)["Status"] == "ACTIVE"  # the fleet hosts sessions again


def test_processes_that_never_init_or_never_get_ready_are_killed_and_reported(emu, gl, build_files) -> None:
    fleet_id = managed_fleet(gl, emu, create_build(gl, build_files),
                             [(1, None), (1, "--mode no-ready"), (1, "--mode no-init"), (1, "--mode crash")], ready=1)
    stuck = wait_for(lambda: next((p for p in processes(emu, fleet_id)
                                   if p["parameters"] == "--mode no-ready" and p["osPid"]), None), 10)
    codes = wait_for(lambda: (c := events(gl, fleet_id)) and {"SERVER_PROCESS_PROCESS_READY_TIMEOUT",
                                                              "SERVER_PROCESS_SDK_INITIALIZATION_TIMEOUT",
                                                              "SERVER_PROCESS_CRASHED"} <= set(c) and c, 15,
                     what="the time-out and crash events")
    assert codes.count("SERVER_PROCESS_CRASHED") >= 1
    wait_for(lambda: not alive(stuck["osPid"]), 10, what="the stuck process to be killed")
    messages = {e["EventCode"]: e["Message"] for e in gl.describe_fleet_events(FleetId=fleet_id)["Events"]}
    assert "ProcessReady()" in messages["SERVER_PROCESS_PROCESS_READY_TIMEOUT"]
    assert "InitSDK()" in messages["SERVER_PROCESS_SDK_INITIALIZATION_TIMEOUT"]
    assert "exited with code 3" in messages["SERVER_PROCESS_CRASHED"]
    # The healthy process keeps hosting throughout.
    assert active_session(gl, fleet_id)["Status"] == "ACTIVE"


def test_fleet_whose_processes_never_get_ready_fails_activation(emu, gl, build_files) -> None:
    params = {
        "Name": "broken",
        "BuildId": create_build(gl, build_files),
        "EC2InstanceType": "c5.large",
        "EC2InboundPermissions": [PORTS],
        "RuntimeConfiguration": {"ServerProcesses": [{"LaunchPath": LAUNCH_PATH, "ConcurrentExecutions": 1,
                                                      "Parameters": "--mode no-init"}]},
    }
    fleet_id = gl.create_fleet(**params)["FleetAttributes"]["FleetId"]
    wait_for(lambda: status(gl, fleet_id) == "ACTIVATING", 10)
    wait_for(lambda: status(gl, fleet_id) == "ERROR", 15, what="the fleet to fail activation")
    codes = events(gl, fleet_id)
    assert codes[-2:] == ["FLEET_ACTIVATION_FAILED", "FLEET_STATE_ERROR"]
    assert "SERVER_PROCESS_SDK_INITIALIZATION_TIMEOUT" in codes
    wait_for(lambda: processes(emu, fleet_id) == [], 5)


# -- ending game sessions ----------------------------------------------------------------------------------------


def test_terminate_game_session_both_modes(emu, gl, build_files) -> None:
    fleet_id = managed_fleet(gl, emu, create_build(gl, build_files))
    graceful = active_session(gl, fleet_id)["GameSessionId"]
    forced = active_session(gl, fleet_id)["GameSessionId"]
    forced_pid = hosting(emu, fleet_id, forced)["osPid"]

    gl.terminate_game_session(GameSessionId=graceful, TerminationMode="TRIGGER_ON_PROCESS_TERMINATE")
    ended = wait_for(lambda: (s := game_session(gl, graceful))["Status"] == "TERMINATED" and s, 10)
    assert ended["StatusReason"] == "TRIGGERED_ON_PROCESS_TERMINATE"

    out = gl.terminate_game_session(GameSessionId=forced, TerminationMode="FORCE_TERMINATE")["GameSession"]
    assert (out["Status"], out["StatusReason"]) == ("TERMINATED", "FORCE_TERMINATED")
    wait_for(lambda: not alive(forced_pid), 5, what="the forced process to be killed")
    wait_for(lambda: active_processes(gl, fleet_id) == 2, 15, what="both processes replaced")
    assert "SERVER_PROCESS_CRASHED" not in events(gl, fleet_id)


def test_process_that_ignores_terminate_is_force_terminated(emu, gl, build_files) -> None:
    fleet_id = managed_fleet(gl, emu, create_build(gl, build_files), [(1, "--mode ignore-terminate")])
    gsid = active_session(gl, fleet_id)["GameSessionId"]
    os_pid = hosting(emu, fleet_id, gsid)["osPid"]
    gl.terminate_game_session(GameSessionId=gsid, TerminationMode="TRIGGER_ON_PROCESS_TERMINATE")
    assert game_session(gl, gsid)["Status"] == "TERMINATING"
    ended = wait_for(lambda: (s := game_session(gl, gsid))["Status"] == "TERMINATED" and s, 10)
    assert ended["StatusReason"] == "TRIGGERED_ON_PROCESS_TERMINATE"
    assert "SERVER_PROCESS_FORCE_TERMINATED" in events(gl, fleet_id)
    assert not alive(os_pid)


def test_unhealthy_process_is_terminated(emu, gl, build_files) -> None:
    fleet_id = managed_fleet(gl, emu, create_build(gl, build_files), [(1, None)])
    session = active_session(gl, fleet_id)
    assert player(session).say("UNHEALTHY") == "OK"
    wait_for(lambda: "SERVER_PROCESS_TERMINATED_UNHEALTHY" in events(gl, fleet_id), 15, what="unhealthy")
    ended = wait_for(lambda: (s := game_session(gl, session["GameSessionId"]))["Status"] == "TERMINATED" and s, 10)
    assert ended["Status"] == "TERMINATED"
    wait_for(lambda: active_processes(gl, fleet_id) == 1, 15, what="a replacement")


def test_runtime_configuration_changes_as_processes_turn_over(emu, gl, build_files) -> None:
    fleet_id = managed_fleet(gl, emu, create_build(gl, build_files), [(2, None)])
    session = active_session(gl, fleet_id)
    busy = hosting(emu, fleet_id, session["GameSessionId"])
    idle = next(p for p in processes(emu, fleet_id) if p["processId"] != busy["processId"])
    gl.update_runtime_configuration(FleetId=fleet_id, RuntimeConfiguration={"ServerProcesses": [
        {"LaunchPath": LAUNCH_PATH, "Parameters": "--log-dir logs-v2", "ConcurrentExecutions": 2}]})
    # The idle process goes now; the busy one finishes its game session first.
    wait_for(lambda: not alive(idle["osPid"]), 10, what="the idle process to be retired")
    wait_for(lambda: sum(p["parameters"] == "--log-dir logs-v2" and p["status"] == "ACTIVE"
                         for p in processes(emu, fleet_id)) == 2, 15, what="two processes of the new configuration")
    assert busy["processId"] in {p["processId"] for p in processes(emu, fleet_id)}
    assert player(session).say("END") == "OK"
    wait_for(lambda: [p["parameters"] for p in processes(emu, fleet_id)] == ["--log-dir logs-v2"] * 2, 15,
             what="only the new configuration left")


# -- bad input on the socket -------------------------------------------------------------------------------------


def test_impostors_with_stolen_ids_or_tokens_are_refused(emu, gl, build_files) -> None:
    fleet_id = managed_fleet(gl, emu, create_build(gl, build_files))
    session = active_session(gl, fleet_id)
    env = json.loads(player(session).say("IDENTITY"))["env"]
    pid, token, host = env["GAMELIFT_SDK_PROCESS_ID"], env["GAMELIFT_SDK_AUTH_TOKEN"], env["GAMELIFT_SDK_HOST_ID"]
    other = next(p["processId"] for p in processes(emu, fleet_id) if p["processId"] != pid)

    async def attempts() -> list[int]:
        statuses = []
        for query in (
            f"pID={pid}&ComputeId={host}&FleetId={fleet_id}&Authorization={token}",  # the same id, still connected
            f"pID=impostor-1&ComputeId={host}&FleetId={fleet_id}&Authorization={token}",  # a replayed token
            f"pID={other}&ComputeId={host}&FleetId={fleet_id}&Authorization={token}",  # another process's id
            f"pID={pid}&ComputeId=i-00000000000000000&FleetId={fleet_id}&Authorization={token}",
        ):
            try:
                sdk = await RawSdk.connect(emu.url, query)
            except HandshakeRefused as exc:
                statuses.append(exc.status)
            else:
                await sdk.close()
                statuses.append(101)
        return statuses

    assert asyncio.run(attempts()) == [403, 403, 403, 403]
    # The real processes are undisturbed.
    client = player(session)
    ticket = gl.create_player_session(GameSessionId=session["GameSessionId"], PlayerId="ana")["PlayerSession"]
    assert client.say(f"JOIN {ticket['PlayerSessionId']}") == "OK"
    assert active_processes(gl, fleet_id) == 2


def test_game_session_never_activated_times_out(emu, gl, build_files) -> None:
    no_activate = {"LaunchPath": LAUNCH_PATH, "Parameters": "--mode no-activate", "ConcurrentExecutions": 1}
    fleet_id = managed_fleet(gl, emu, create_build(gl, build_files), [(1, "--mode no-activate")],
                             RuntimeConfiguration={"ServerProcesses": [no_activate],
                                                   "GameSessionActivationTimeoutSeconds": 1})
    created = gl.create_game_session(FleetId=fleet_id, MaximumPlayerSessionCount=2)["GameSession"]
    assert created["Status"] == "ACTIVATING"
    stale = hosting(emu, fleet_id, created["GameSessionId"])
    wait_for(lambda: game_session(gl, created["GameSessionId"])["Status"] == "TERMINATED", 10,
             what="the activation to time out")
    assert "GAME_SESSION_ACTIVATION_TIMEOUT" in events(gl, fleet_id)
    wait_for(lambda: not alive(stale["osPid"]), 10, what="the process that failed to activate to be recycled")
    wait_for(lambda: active_processes(gl, fleet_id) == 1
             and stale["processId"] not in {p["processId"] for p in processes(emu, fleet_id)}, 15,
             what="a replacement")


def test_processes_die_with_the_emulator_and_their_sessions_end_after_a_restart(tmp_path, build_files) -> None:
    db = str(tmp_path / "state.db")
    args = ["--clock", "system", "--fleet-stage-seconds", "0.05", "--strict"]
    first = EmulatorProcess(db, args=args, env=ENV).start()
    try:
        gl = gamelift_client(first.url, "json")
        fleet_id = managed_fleet(gl, first, create_build(gl, build_files))
        gsid = active_session(gl, fleet_id)["GameSessionId"]
        pids = [p["osPid"] for p in processes(first, fleet_id)]
    finally:
        first.kill()  # SIGKILL: no clean-up code runs in the emulator
    wait_for(lambda: not any(alive(pid) for pid in pids), 10, what="the server processes to die with the emulator")
    second = EmulatorProcess(db, args=args, env=ENV).start()
    try:
        gl = gamelift_client(second.url, "json")
        ended = game_session(gl, gsid)
        assert (ended["Status"], ended["StatusReason"]) == ("TERMINATED", "INTERRUPTED")
        wait_for(lambda: active_processes(gl, fleet_id) == 2, 20, what="the fleet's processes relaunched")
    finally:
        second.stop()


def test_launch_paths_missing_from_the_build_fail_validation_in_real_mode(tmp_path) -> None:
    """With ``processes = "real"`` a local build must contain its launch paths, as on GameLift."""
    from infra.emulator.config import EmulatorConfig
    from infra.emulator.emulator import Emulator

    config = EmulatorConfig(database=":memory:", data_dir=str(tmp_path / "data"), clock="manual", processes="real")
    emulator = Emulator(config)
    files = stage_build(tmp_path / "files")
    storage = {"Bucket": "gamelift-local", "Key": str(files), "RoleArn": ROLE_ARN}
    build_id = emulator.builds.create({"Name": "b", "StorageLocation": storage}).build_id
    fleet = emulator.fleets.create({
        "Name": "typo", "BuildId": build_id, "EC2InstanceType": "c5.large",
        "RuntimeConfiguration": {"ServerProcesses": [{"LaunchPath": "/local/game/rum.sh", "ConcurrentExecutions": 1}]},
    })
    emulator.scheduler.advance(5)
    assert emulator.fleets.get(fleet.fleet_id).status == "ERROR"
    assert emulator.events.codes(fleet.fleet_id)[-2:] == ["FLEET_VALIDATION_LAUNCH_PATH_NOT_FOUND", "FLEET_STATE_ERROR"]
