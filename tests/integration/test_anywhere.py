"""An Anywhere compute hosting game sessions: the example server started by hand, as a developer would.

RegisterCompute gives the SDK endpoint, GetComputeAuthToken the token; the server is started with them in the
GAMELIFT_SDK_* variables and connects like any SDK 5 server. The emulator runs on a manual clock (``fresh``), so
heartbeat windows pass only when the test advances it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.emulator.launcher import EmulatorProcess
from tests.fixtures.example_server import stage_build
from tests.fixtures.example_server.harness import anywhere_fleet, events, game_session, player_status, wait_for
from tests.support.clients import gamelift_client

LOCATION = "custom-home"


@pytest.fixture
def gl(fresh: EmulatorProcess):
    return gamelift_client(fresh.url, "json")


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for server in started:
        if server.poll() is None:
            server.kill()
        server.wait(10)


def start_server(gl: Any, fleet_id: str, files: Path, servers: list[subprocess.Popen[bytes]],
                 compute: str = "laptop", args: tuple[str, ...] = ()) -> tuple[str, subprocess.Popen[bytes]]:
    """What a developer does: register (done by ``anywhere_fleet``), get a token, start the server with them."""
    endpoint = gl.describe_compute(FleetId=fleet_id, ComputeName=compute)["Compute"]["GameLiftServiceSdkEndpoint"]
    token = gl.get_compute_auth_token(FleetId=fleet_id, ComputeName=compute)["AuthToken"]
    process_id = f"dev-{uuid.uuid4()}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GAMELIFT_")}
    env.update(GAMELIFT_SDK_WEBSOCKET_URL=endpoint, GAMELIFT_SDK_AUTH_TOKEN=token, GAMELIFT_SDK_FLEET_ID=fleet_id,
               GAMELIFT_SDK_HOST_ID=compute, GAMELIFT_SDK_PROCESS_ID=process_id)
    server = subprocess.Popen([str(files / "run.sh"), *args], cwd=files, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    servers.append(server)
    return process_id, server


def processes(fresh: EmulatorProcess) -> dict[str, dict[str, Any]]:
    return {p["processId"]: p for p in fresh.control("processes")["processes"]}


def placed(gl: Any, fleet_id: str) -> dict[str, Any]:
    """CreateGameSession once the server has reported ready."""
    def attempt() -> dict[str, Any] | None:
        try:
            return gl.create_game_session(FleetId=fleet_id, Location=LOCATION, MaximumPlayerSessionCount=2)[
                "GameSession"]
        except gl.exceptions.FleetCapacityExceededException:
            return None
    created = wait_for(attempt, 20, what="an idle process on the compute")
    return wait_for(lambda: (s := game_session(gl, created["GameSessionId"]))["Status"] == "ACTIVE" and s, 10)


def fleet_status(gl: Any, fleet_id: str) -> str | None:
    found = gl.describe_fleet_attributes(FleetIds=[fleet_id])["FleetAttributes"]
    return found[0]["Status"] if found else None


def connected(fresh: EmulatorProcess) -> set[str]:
    """Processes with an open SDK socket."""
    return {c["processId"] for c in fresh.control("processes")["connections"] if c["sockets"]}


def say(session: dict[str, Any], line: str) -> str:
    with socket.create_connection((session["IpAddress"], session["Port"]), timeout=10) as conn:
        conn.sendall((line + "\n").encode())
        return conn.makefile().readline().strip()


def test_a_server_started_by_hand_hosts_a_session(fresh, gl, tmp_path, servers) -> None:
    fleet_id = anywhere_fleet(gl)
    compute = gl.describe_compute(FleetId=fleet_id, ComputeName="laptop")["Compute"]
    assert compute["GameLiftServiceSdkEndpoint"] == fresh.url.replace("http://", "ws://")
    files = stage_build(tmp_path / "server")
    process_id, server = start_server(gl, fleet_id, files, servers)

    session = placed(gl, fleet_id)
    assert (session["IpAddress"], session["ComputeName"], session["Location"]) == ("127.0.0.1", "laptop", LOCATION)
    assert processes(fresh)[process_id]["port"] == session["Port"]
    ticket = gl.create_player_session(GameSessionId=session["GameSessionId"], PlayerId="ana")["PlayerSession"]
    assert (ticket["IpAddress"], ticket["Port"]) == (session["IpAddress"], session["Port"])
    with socket.create_connection((session["IpAddress"], session["Port"]), timeout=10) as conn:
        reader = conn.makefile()
        conn.sendall(f"JOIN {ticket['PlayerSessionId']}\n".encode())
        assert reader.readline().strip() == "OK"
        assert player_status(gl, ticket["PlayerSessionId"]) == "ACTIVE"
        conn.sendall(b"LEAVE\n")
        assert reader.readline().strip() == "BYE"
    assert player_status(gl, ticket["PlayerSessionId"]) == "COMPLETED"
    identity = json.loads(say(session, "IDENTITY"))
    assert identity["env"]["GAMELIFT_SDK_HOST_ID"] == "laptop"

    assert say(session, "END") == "OK"
    assert server.wait(15) == 0
    assert game_session(gl, session["GameSessionId"])["Status"] == "TERMINATED"
    assert processes(fresh) == {}  # nothing replaces it: Anywhere processes are the owner's to start
    assert "SERVER_PROCESS_CRASHED" not in events(gl, fleet_id)
    with pytest.raises(gl.exceptions.NotFoundException):  # Anywhere logs are not collected
        gl.get_game_session_log_url(GameSessionId=session["GameSessionId"])


def test_a_vanished_anywhere_server_is_declared_unhealthy(fresh, gl, tmp_path, servers) -> None:
    fleet_id = anywhere_fleet(gl)
    files = stage_build(tmp_path / "server")
    process_id, server = start_server(gl, fleet_id, files, servers)
    session = placed(gl, fleet_id)
    os.kill(server.pid, signal.SIGKILL)
    server.wait(10)
    # The dropped socket may come back (an SDK reconnect): nothing ends until the heartbeats are missed.
    assert game_session(gl, session["GameSessionId"])["Status"] == "ACTIVE"
    for _ in range(3):
        fresh.advance(70)
    ended = game_session(gl, session["GameSessionId"])
    assert (ended["Status"], ended["StatusReason"]) == ("TERMINATED", "INTERRUPTED")
    assert "SERVER_PROCESS_TERMINATED_UNHEALTHY" in events(gl, fleet_id)
    assert process_id not in processes(fresh)


# The fleet stage and the termination window (process_termination_seconds) the emulator runs with in tests.
STAGE = 0.2
TERMINATION_SECONDS = 300


def test_delete_fleet_lets_a_busy_anywhere_server_end_its_session(fresh, gl, tmp_path, servers) -> None:
    fleet_id = anywhere_fleet(gl)
    files = stage_build(tmp_path / "server")
    process_id, server = start_server(gl, fleet_id, files, servers)
    session = placed(gl, fleet_id)

    gl.delete_fleet(FleetId=fleet_id)
    assert fleet_status(gl, fleet_id) == "DELETING"
    # OnProcessTerminate: the server ends its game session itself (ProcessEnding) and exits.
    assert server.wait(15) == 0
    ended = game_session(gl, session["GameSessionId"])
    assert ended["Status"] == "TERMINATED" and "StatusReason" not in ended
    log = (files / "logs" / f"{process_id}.log").read_text()
    assert "OnProcessTerminate" in log and "ProcessEnding done" in log
    assert process_id not in connected(fresh)

    fresh.advance(STAGE)
    assert fleet_status(gl, fleet_id) == "TERMINATED"
    codes = events(gl, fleet_id)
    assert "FLEET_DELETED" in codes
    assert "SERVER_PROCESS_FORCE_TERMINATED" not in codes and "SERVER_PROCESS_CRASHED" not in codes
    fresh.advance(STAGE)
    assert fleet_status(gl, fleet_id) is None
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.describe_compute(FleetId=fleet_id, ComputeName="laptop")


def test_delete_fleet_lets_go_of_an_anywhere_server_that_ignores_terminate_at_the_window(
    fresh, gl, tmp_path, servers
) -> None:
    fleet_id = anywhere_fleet(gl)
    files = stage_build(tmp_path / "server")
    process_id, server = start_server(gl, fleet_id, files, servers, args=("--mode", "ignore-terminate"))
    session = placed(gl, fleet_id)

    gl.delete_fleet(FleetId=fleet_id)
    log = files / "logs" / f"{process_id}.log"
    wait_for(lambda: "OnProcessTerminate" in log.read_text(), 10, what="TerminateProcess to reach the server")
    # Far more than one fleet stage later the fleet still waits for the process (until the termination window).
    fresh.advance(TERMINATION_SECONDS - 10)
    assert fleet_status(gl, fleet_id) == "DELETING"
    assert game_session(gl, session["GameSessionId"])["Status"] == "ACTIVE"
    assert process_id in connected(fresh) and processes(fresh)[process_id]["status"] == "TERMINATING"

    fresh.advance(10)
    ended = game_session(gl, session["GameSessionId"])
    assert (ended["Status"], ended["StatusReason"]) == ("TERMINATED", "INTERRUPTED")
    wait_for(lambda: process_id not in connected(fresh), 10, what="the server's socket to be closed")
    assert server.poll() is None  # an Anywhere process is its owner's: the emulator does not kill it
    assert events(gl, fleet_id).count("SERVER_PROCESS_FORCE_TERMINATED") == 1
    fresh.advance(STAGE)
    assert fleet_status(gl, fleet_id) == "TERMINATED"
    fresh.advance(STAGE)
    assert fleet_status(gl, fleet_id) is None
