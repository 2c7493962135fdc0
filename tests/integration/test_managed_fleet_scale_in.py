"""Scale-in and fleet deletion with game sessions on real server processes (the example game server).

GameLift does not simply kill an instance whose processes host game sessions: it prefers idle instances, and
an instance that must go sends its processes OnProcessTerminate (TerminateProcess, with a termination time) and
waits for them to call ProcessEnding and exit, force-killing them only once the termination window has passed.
The emulator here runs on the system clock with a 2 s termination window; waits poll with a deadline.
"""

from __future__ import annotations

import io
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest

from infra.emulator.launcher import EmulatorProcess
from tests.fixtures.example_server import stage_build
from tests.fixtures.example_server.harness import events, game_session, wait_for
from tests.integration.test_managed_fleet import (
    ENV,
    active_processes,
    active_session,
    alive,
    create_build,
    hosting,
    managed_fleet,
    processes,
    start_emulator,
)
from tests.support.clients import gamelift_client

TERMINATION_SECONDS = 2.0


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    env = {**ENV, "GAMELIFT_LOCAL_PROCESS_TERMINATION_SECONDS": str(TERMINATION_SECONDS)}
    proc = start_emulator(tmp_path_factory.mktemp("scale-in"), env)
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
def build_files(tmp_path_factory: pytest.TempPathFactory):
    return stage_build(tmp_path_factory.mktemp("example-build") / "files")


def instances(gl: Any, fleet_id: str) -> dict[str, str]:
    return {i["InstanceId"]: i["Status"] for i in gl.describe_instances(FleetId=fleet_id)["Instances"]}


def counts(gl: Any, fleet_id: str) -> dict[str, int]:
    return gl.describe_fleet_capacity(FleetIds=[fleet_id])["FleetCapacity"][0]["InstanceCounts"]


def fleet_status(gl: Any, fleet_id: str) -> str | None:
    found = gl.describe_fleet_attributes(FleetIds=[fleet_id])["FleetAttributes"]
    return found[0]["Status"] if found else None


def session_log(gl: Any, game_session_id: str) -> str:
    url = gl.get_game_session_log_url(GameSessionId=game_session_id)["PreSignedUrl"]
    with urllib.request.urlopen(url, timeout=20) as response:
        return zipfile.ZipFile(io.BytesIO(response.read())).read("stdout.log").decode()


def test_scale_in_keeps_busy_instances_and_lets_their_processes_end_themselves(emu, gl, build_files) -> None:
    fleet_id = managed_fleet(gl, emu, create_build(gl, build_files), [(1, None)])
    gl.update_fleet_capacity(FleetId=fleet_id, DesiredInstances=2, MaxSize=2)
    wait_for(lambda: list(instances(gl, fleet_id).values()) == ["ACTIVE", "ACTIVE"] and active_processes(gl, fleet_id)
             == 2, 20, what="two ACTIVE instances with a ready process each")
    gsid = active_session(gl, fleet_id)["GameSessionId"]
    busy = hosting(emu, fleet_id, gsid)

    # Scale-in prefers the idle instance: the game session is untouched.
    gl.update_fleet_capacity(FleetId=fleet_id, DesiredInstances=1)
    wait_for(lambda: instances(gl, fleet_id) == {busy["computeName"]: "ACTIVE"}, 10, what="the idle instance removed")
    assert game_session(gl, gsid)["Status"] == "ACTIVE" and alive(busy["osPid"])

    # Now the busy instance must go: its process is told to end, and ends itself (ProcessEnding, exit 0).
    gl.update_fleet_capacity(FleetId=fleet_id, DesiredInstances=0, MinSize=0)
    assert instances(gl, fleet_id) == {busy["computeName"]: "TERMINATING"}
    assert counts(gl, fleet_id)["TERMINATING"] == 1
    ended = wait_for(lambda: (s := game_session(gl, gsid))["Status"] == "TERMINATED" and s, 10)
    assert "StatusReason" not in ended  # ended by its server, not INTERRUPTED by a kill
    wait_for(lambda: not alive(busy["osPid"]), 10, what="the process to exit")
    wait_for(lambda: instances(gl, fleet_id) == {}, 10, what="the instance to be removed")
    assert counts(gl, fleet_id)["TERMINATING"] == 0
    codes = events(gl, fleet_id)
    assert "SERVER_PROCESS_FORCE_TERMINATED" not in codes and "SERVER_PROCESS_CRASHED" not in codes
    log = wait_for(lambda: session_log(gl, gsid), 10, what="the game session's logs")
    assert "OnProcessTerminate" in log and "ProcessEnding done" in log


def test_scale_in_force_kills_a_process_that_ignores_terminate_at_the_deadline(emu, gl, build_files) -> None:
    fleet_id = managed_fleet(gl, emu, create_build(gl, build_files), [(1, "--mode ignore-terminate")])
    gsid = active_session(gl, fleet_id)["GameSessionId"]
    busy = hosting(emu, fleet_id, gsid)

    started = time.monotonic()
    gl.update_fleet_capacity(FleetId=fleet_id, DesiredInstances=0, MinSize=0)
    assert instances(gl, fleet_id) == {busy["computeName"]: "TERMINATING"}
    # Many fleet stages later the instance still waits for its process.
    wait_for(lambda: time.monotonic() - started > TERMINATION_SECONDS / 2, 5)
    assert instances(gl, fleet_id) == {busy["computeName"]: "TERMINATING"}
    assert counts(gl, fleet_id)["TERMINATING"] == 1
    assert game_session(gl, gsid)["Status"] == "ACTIVE" and alive(busy["osPid"])

    ended = wait_for(lambda: (s := game_session(gl, gsid))["Status"] == "TERMINATED" and s, 10)
    assert time.monotonic() - started >= TERMINATION_SECONDS - 0.2
    assert ended["StatusReason"] == "INTERRUPTED"
    wait_for(lambda: not alive(busy["osPid"]), 10, what="the process to be killed")
    wait_for(lambda: instances(gl, fleet_id) == {}, 10, what="the instance to be removed")
    assert events(gl, fleet_id).count("SERVER_PROCESS_FORCE_TERMINATED") == 1


def test_delete_fleet_waits_for_its_processes_to_end(emu, gl, build_files) -> None:
    build_id = create_build(gl, build_files)
    polite = managed_fleet(gl, emu, build_id, [(1, None)])
    stubborn = managed_fleet(gl, emu, build_id, [(1, "--mode ignore-terminate")])
    polite_session = active_session(gl, polite)["GameSessionId"]
    stubborn_session = active_session(gl, stubborn)["GameSessionId"]
    polite_pid = hosting(emu, polite, polite_session)["osPid"]
    stubborn_pid = hosting(emu, stubborn, stubborn_session)["osPid"]

    started = time.monotonic()
    gl.delete_fleet(FleetId=polite)
    gl.delete_fleet(FleetId=stubborn)
    assert fleet_status(gl, stubborn) == "DELETING"
    assert set(instances(gl, stubborn).values()) == {"TERMINATING"}

    ended = wait_for(lambda: (s := game_session(gl, polite_session))["Status"] == "TERMINATED" and s, 10)
    assert "StatusReason" not in ended
    wait_for(lambda: not alive(polite_pid), 10, what="the polite process to exit")
    wait_for(lambda: fleet_status(gl, polite) in ("TERMINATED", None), 10, what="the polite fleet to be deleted")

    wait_for(lambda: time.monotonic() - started > TERMINATION_SECONDS / 2, 5)
    assert fleet_status(gl, stubborn) == "DELETING" and alive(stubborn_pid)
    assert game_session(gl, stubborn_session)["Status"] == "ACTIVE"
    forced = wait_for(lambda: (s := game_session(gl, stubborn_session))["Status"] == "TERMINATED" and s, 10)
    assert time.monotonic() - started >= TERMINATION_SECONDS - 0.2
    assert forced["StatusReason"] == "INTERRUPTED"
    wait_for(lambda: not alive(stubborn_pid), 10, what="the stubborn process to be killed")
    wait_for(lambda: fleet_status(gl, stubborn) in ("TERMINATED", None), 10, what="the stubborn fleet to be deleted")
    assert processes(emu, stubborn) == []
