"""The SDK endpoint against raw WebSocket frames in the shapes each official SDK sends (Go, C++, C#).

A real emulator process on 127.0.0.1 with a manual clock (``fresh``): timers (ready delay, health windows,
termination windows, token expiry) move only when a test advances the clock. The processes are Anywhere processes
played by hand: a test is the game server, frame by frame.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from infra.emulator.launcher import EmulatorProcess
from tests.fixtures.example_server.harness import (
    STYLES,
    HandshakeRefused,
    RawSdk,
    anywhere_fleet,
    auth_token,
    events,
    game_session,
    identity,
    player_status,
)
from tests.support.clients import gamelift_client

LOCATION = "custom-home"


@pytest.fixture
def gl(fresh: EmulatorProcess):
    return gamelift_client(fresh.url, "json")


def run(scenario: Callable[[], Awaitable[Any]]) -> Any:
    return asyncio.run(asyncio.wait_for(scenario(), 60))


def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Awaitable[Any]:
    """A blocking boto3 call off the event loop, so sockets keep being read meanwhile."""
    return asyncio.to_thread(fn, *args, **kwargs)


async def connect(fresh: EmulatorProcess, fleet_id: str, token: str, style: str = "Go", process_id: str | None = None,
                  compute: str = "laptop", path: str = "/") -> RawSdk:
    query = STYLES[style](identity(process_id or str(uuid.uuid4()), compute, fleet_id, token, style))
    return await RawSdk.connect(fresh.url, query, style, path)


async def refused(fresh: EmulatorProcess, query: str) -> int:
    with pytest.raises(HandshakeRefused) as exc:
        await RawSdk.connect(fresh.url, query)
    return exc.value.status


def processes(fresh: EmulatorProcess) -> dict[str, dict[str, Any]]:
    return {p["processId"]: p for p in fresh.control("processes")["processes"]}


# -- each SDK's handshake and frame spellings --------------------------------------------------------------------

# ActivateServerProcess as each SDK serialises it (server-sdk.md §2.3): Go omits empty fields, C++ omits empty
# strings and non-positive ints, C# writes explicit nulls.
ACTIVATE = {
    "Go": {"SdkVersion": "5.6.0", "SdkLanguage": "Go", "Port": 7777, "LogPaths": None},
    "Cpp": {"SdkVersion": "5.4.0", "SdkLanguage": "Cpp", "Port": 7777, "LogPaths": ["/local/game/logs"]},
    "CSharp": {"SdkVersion": "5.4.0", "SdkLanguage": "CSharp", "SdkToolName": None, "SdkToolVersion": None,
               "Port": 7777, "LogPaths": None},
}


@pytest.mark.parametrize("path", ["/", "", "/any/path/"])
@pytest.mark.parametrize("style", ["Go", "Cpp", "CSharp"])
def test_each_official_sdk_connects_and_gets_echoed_integer_replies(fresh, gl, style: str, path: str) -> None:
    fleet_id = anywhere_fleet(gl)

    async def scenario() -> None:
        sdk = await connect(fresh, fleet_id, auth_token(gl, fleet_id), style, path=path)
        rid = "r-" + uuid.uuid4().hex
        reply = await sdk.send({"Action": "ActivateServerProcess", "RequestId": rid, **ACTIVATE[style]}, rid)
        assert reply == {"Action": "ActivateServerProcess", "RequestId": rid, "StatusCode": 200}
        beat = await sdk.request("HeartbeatServerProcess", HealthStatus=True)
        assert beat["Action"] == "HeartbeatServerProcess" and beat["StatusCode"] == 200
        assert type(beat["StatusCode"]) is int and "ErrorMessage" not in beat
        (process,) = processes(fresh).values()
        assert (process["status"], process["port"], process["simulated"]) == ("ACTIVE", 7777, False)
        await sdk.close()

    run(scenario)


def test_unencoded_and_encoded_values_and_plus_signs(fresh, gl) -> None:
    fleet_id = anywhere_fleet(gl)
    token = auth_token(gl, fleet_id)

    async def scenario() -> None:
        raw = await RawSdk.connect(fresh.url, f"pID=game+1&ComputeId=laptop&FleetId={fleet_id}&Authorization={token}")
        encoded = await RawSdk.connect(
            fresh.url, f"Authorization={token}&FleetId={fleet_id}&ComputeId=lap%74op&pID=game%2B2%20x&sdkLanguage="
        )
        for sdk in (raw, encoded):
            assert (await sdk.request("ActivateServerProcess", Port=1))["StatusCode"] == 200
        assert set(processes(fresh)) == {"game+1", "game+2 x"}
        for sdk in (raw, encoded):
            await sdk.close()

    run(scenario)


# -- refusals at the handshake -----------------------------------------------------------------------------------


def test_handshakes_without_identity_or_valid_credentials_are_refused(fresh, gl) -> None:
    fleet_id = anywhere_fleet(gl, computes=("laptop", "desktop"))
    token = auth_token(gl, fleet_id)
    other = anywhere_fleet(gl, location="custom-away")
    other_token = auth_token(gl, other)

    def q(**values: str) -> str:
        base = {"pID": str(uuid.uuid4()), "ComputeId": "laptop", "FleetId": fleet_id, "Authorization": token}
        base.update(values)
        return "&".join(f"{k}={v}" for k, v in base.items() if v != "-")

    async def scenario() -> None:
        assert await refused(fresh, "") == 400
        assert await refused(fresh, q(pID="-")) == 400
        assert await refused(fresh, q(Authorization="-")) == 403
        assert await refused(fresh, q(Authorization="not-a-token")) == 403
        assert await refused(fresh, q(ComputeId="desktop")) == 403  # a token is for one compute
        assert await refused(fresh, q(ComputeId="nobody")) == 403
        assert await refused(fresh, q(Authorization=other_token)) == 403  # ... of one fleet
        assert await refused(fresh, q(FleetId="fleet-00000000-0000-0000-0000-000000000000")) == 403
        sdk = await RawSdk.connect(fresh.url, q())
        await sdk.close()

    run(scenario)


def test_expired_auth_token_is_refused(fresh, gl) -> None:
    fleet_id = anywhere_fleet(gl)
    token = gl.get_compute_auth_token(FleetId=fleet_id, ComputeName="laptop")
    lifetime = token["ExpirationTimestamp"].timestamp() - fresh.control("clock")["now"]
    fresh.advance(lifetime + 1)

    async def scenario() -> None:
        query = f"pID=p1&ComputeId=laptop&FleetId={fleet_id}&Authorization={token['AuthToken']}"
        assert await refused(fresh, query) == 403

    run(scenario)


def test_process_ids_are_single_use_but_a_dropped_socket_may_come_back(fresh, gl) -> None:
    fleet_id = anywhere_fleet(gl)
    token = auth_token(gl, fleet_id)

    async def scenario() -> None:
        first = await connect(fresh, fleet_id, token, process_id="p-1")
        await first.ready()
        # A second process with the same id is refused; the first is undisturbed.
        assert await refused(fresh, f"pID=p-1&ComputeId=laptop&FleetId={fleet_id}&Authorization={token}") == 403
        assert (await first.request("HeartbeatServerProcess", HealthStatus=True))["StatusCode"] == 200
        # The same process reconnecting after an abnormal close (the SDKs' reconnect) is accepted ...
        await first.drop()
        again = await connect(fresh, fleet_id, token, process_id="p-1")
        assert (await again.request("HeartbeatServerProcess", HealthStatus=True))["StatusCode"] == 200
        assert processes(fresh)["p-1"]["status"] == "ACTIVE"
        # ... but once the process has ended, its id is burnt.
        assert (await again.request("TerminateServerProcess"))["StatusCode"] == 200
        await asyncio.wait_for(again.closed.wait(), 5)
        assert again.close_code == 1000
        await again.close()
        assert await refused(fresh, f"pID=p-1&ComputeId=laptop&FleetId={fleet_id}&Authorization={token}") == 403

    run(scenario)


def test_retry_of_the_same_connect_is_not_a_second_process(fresh, gl) -> None:
    fleet_id = anywhere_fleet(gl)
    query = f"pID=p-2&ComputeId=laptop&FleetId={fleet_id}&IdempotencyToken=attempt-1&Authorization="
    query += auth_token(gl, fleet_id)

    async def scenario() -> None:
        first = await RawSdk.connect(fresh.url, query)
        retry = await RawSdk.connect(fresh.url, query)
        assert (await retry.request("ActivateServerProcess", Port=9))["StatusCode"] == 200
        await first.close()
        await retry.close()

    run(scenario)


# -- bad input on an open socket ---------------------------------------------------------------------------------


def test_bad_frames_get_error_replies_and_nothing_else_is_disturbed(fresh, gl) -> None:
    fleet_id = anywhere_fleet(gl)
    token = auth_token(gl, fleet_id)

    async def scenario() -> None:
        bystander = await connect(fresh, fleet_id, token)
        await bystander.ready()
        sdk = await connect(fresh, fleet_id, token)
        malformed = await sdk.send("{not json")
        assert malformed["StatusCode"] == 400 and "JSON" in malformed["ErrorMessage"] and "RequestId" not in malformed
        assert (await sdk.send("[1,2,3]"))["StatusCode"] == 400
        assert (await sdk.send({"RequestId": "r0"}, "r0"))["StatusCode"] == 400
        unknown = await sdk.send({"Action": "LaunchRockets", "RequestId": "r1"}, "r1")
        assert (unknown["Action"], unknown["StatusCode"]) == ("LaunchRockets", 400) and unknown["ErrorMessage"]
        push = await sdk.send({"Action": "TerminateProcess", "RequestId": "r2"}, "r2")
        assert push["StatusCode"] == 400
        typed = await sdk.request("ActivateServerProcess", Port="seven")
        assert typed["StatusCode"] == 400 and "Port" in typed["ErrorMessage"]
        assert (await sdk.request("ActivateServerProcess", Port=70000))["StatusCode"] == 400
        missing = await sdk.request("ActivateGameSession")
        assert missing["StatusCode"] == 400 and "GameSessionId" in missing["ErrorMessage"]
        wrong = await sdk.request("ActivateGameSession", GameSessionId="arn:aws:gamelift:us-west-2::gamesession/x/y")
        assert wrong["StatusCode"] == 404
        unknown_player = await sdk.request("AcceptPlayerSession", GameSessionId="gs", PlayerSessionId="psess-1")
        assert unknown_player["StatusCode"] == 404
        await sdk.ws.send_bytes(b"\x00\x01binary")
        assert (await sdk.other.get())["StatusCode"] == 400
        # The socket still works, and so does the other process.
        await sdk.ready()
        assert (await bystander.request("HeartbeatServerProcess", HealthStatus=True))["StatusCode"] == 200
        assert {p["status"] for p in processes(fresh).values()} == {"ACTIVE"}
        await sdk.close()
        await bystander.close()

    run(scenario)


# -- game and player sessions ------------------------------------------------------------------------------------


@pytest.mark.parametrize("style", ["Go", "Cpp", "CSharp"])
def test_game_session_lifecycle_over_the_socket(fresh, gl, style: str) -> None:
    fleet_id = anywhere_fleet(gl)
    token = auth_token(gl, fleet_id)

    async def scenario() -> None:
        sdk = await connect(fresh, fleet_id, token, style)
        neighbour = await connect(fresh, fleet_id, token)
        await sdk.request("ActivateServerProcess", **ACTIVATE[style])
        # Not ready until its first heartbeat (or the ready delay): no game session can be placed yet.
        with pytest.raises(gl.exceptions.FleetCapacityExceededException):
            await call(gl.create_game_session, FleetId=fleet_id, MaximumPlayerSessionCount=2, Location=LOCATION)
        assert (await sdk.request("HeartbeatServerProcess", HealthStatus=True))["StatusCode"] == 200
        created = (await call(gl.create_game_session, FleetId=fleet_id, MaximumPlayerSessionCount=4, Name="arena",
                              Location=LOCATION, GameProperties=[{"Key": "mode", "Value": "ffa"}],
                              GameSessionData="map=dunes"))["GameSession"]
        gsid = created["GameSessionId"]
        push = await sdk.push("CreateGameSession")
        assert push["StatusCode"] == 200 and "RequestId" not in push
        assert (push["GameSessionId"], push["GameSessionName"], push["GameSessionData"]) == (gsid, "arena",
                                                                                            "map=dunes")
        assert push["GameProperties"] == {"mode": "ffa"} and push["Port"] == 7777
        assert push["IpAddress"] == "127.0.0.1" and push["MaximumPlayerSessionCount"] == 4
        assert created["Status"] == "ACTIVATING"
        # A process can act only on its own game session.
        await neighbour.ready(port=7778)
        stranger = await neighbour.request("ActivateGameSession", GameSessionId=gsid)
        assert stranger["StatusCode"] == 400
        assert (await sdk.request("ActivateGameSession", GameSessionId=gsid))["StatusCode"] == 200
        assert game_session(gl, gsid)["Status"] == "ACTIVE"

        psess = (await call(gl.create_player_sessions, GameSessionId=gsid, PlayerIds=["ana", "bo"]))["PlayerSessions"]
        ana, bo = (p["PlayerSessionId"] for p in psess)
        assert (await sdk.request("AcceptPlayerSession", GameSessionId=gsid, PlayerSessionId=ana))["StatusCode"] == 200
        again = await sdk.request("AcceptPlayerSession", GameSessionId=gsid, PlayerSessionId=ana)
        assert again["StatusCode"] == 400
        assert player_status(gl, ana) == "ACTIVE"
        described = await sdk.request("DescribePlayerSessions", GameSessionId=gsid, PlayerId=None, PlayerSessionId=None,
                                      PlayerSessionStatusFilter=None, NextToken=None, Limit=0)
        assert described["StatusCode"] == 200
        rows = {p["PlayerSessionId"]: p for p in described["PlayerSessions"]}
        assert {k: v["Status"] for k, v in rows.items()} == {ana: "ACTIVE", bo: "RESERVED"}
        assert rows[ana]["CreationTime"] > 10**12 and rows[ana]["GameSessionId"] == gsid  # epoch milliseconds
        paged = await sdk.request("DescribePlayerSessions", GameSessionId=gsid, Limit=1)
        assert len(paged["PlayerSessions"]) == 1 and paged["NextToken"]
        one = await sdk.request("DescribePlayerSessions", PlayerSessionId=bo)
        assert [p["PlayerId"] for p in one["PlayerSessions"]] == ["bo"]
        both = await sdk.request("DescribePlayerSessions", GameSessionId=gsid, PlayerId="ana")
        assert both["StatusCode"] == 400
        assert (await sdk.request("RemovePlayerSession", GameSessionId=gsid, PlayerSessionId=ana))["StatusCode"] == 200
        assert player_status(gl, ana) == "COMPLETED"

        policy = await sdk.request("UpdatePlayerSessionCreationPolicy", GameSessionId=gsid,
                                   PlayerSessionPolicy="DENY_ALL")
        assert policy["StatusCode"] == 200
        assert game_session(gl, gsid)["PlayerSessionCreationPolicy"] == "DENY_ALL"
        bad_policy = await sdk.request("UpdatePlayerSessionCreationPolicy", GameSessionId=gsid,
                                       PlayerSessionPolicy="SOME")
        assert bad_policy["StatusCode"] == 400

        assert (await sdk.request("TerminateServerProcess"))["StatusCode"] == 200
        ended = game_session(gl, gsid)
        assert ended["Status"] == "TERMINATED" and "StatusReason" not in ended
        await asyncio.wait_for(sdk.closed.wait(), 5)
        assert sdk.close_code == 1000  # the service closes: the SDK does not come back
        await sdk.close()
        assert (await neighbour.request("TerminateServerProcess"))["StatusCode"] == 200
        await neighbour.close()

    run(scenario)
    assert "SERVER_PROCESS_CRASHED" not in events(gl, fleet_id)


def test_ready_delay_makes_a_process_ready_without_a_heartbeat(fresh, gl) -> None:
    fleet_id = anywhere_fleet(gl)

    async def scenario() -> None:
        sdk = await connect(fresh, fleet_id, auth_token(gl, fleet_id))
        await sdk.request("ActivateServerProcess", Port=7777)
        assert next(iter(processes(fresh).values()))["status"] == "INITIALIZED"
        await call(fresh.advance, 1.0)
        assert next(iter(processes(fresh).values()))["status"] == "ACTIVE"
        await sdk.close()

    run(scenario)


# -- health and termination --------------------------------------------------------------------------------------


@pytest.mark.parametrize("failure", ["false-reports", "missed-heartbeats"])
def test_unhealthy_process_is_told_to_terminate_then_force_terminated(fresh, gl, failure: str) -> None:
    fleet_id = anywhere_fleet(gl)

    async def scenario() -> None:
        sdk = await connect(fresh, fleet_id, auth_token(gl, fleet_id))
        await sdk.ready()
        gsid = (await call(gl.create_game_session, FleetId=fleet_id, MaximumPlayerSessionCount=2,
                           Location=LOCATION))["GameSession"]["GameSessionId"]
        await sdk.push("CreateGameSession")
        await sdk.request("ActivateGameSession", GameSessionId=gsid)
        if failure == "false-reports":
            for _ in range(3):
                assert (await sdk.request("HeartbeatServerProcess", HealthStatus=False))["StatusCode"] == 200
        else:
            for _ in range(3):
                await call(fresh.advance, 70)
        terminate = await sdk.push("TerminateProcess")
        now = (await call(fresh.control, "clock"))["now"]
        assert terminate["TerminationTime"] == pytest.approx((now + 300) * 1000, abs=1)
        assert "SERVER_PROCESS_TERMINATED_UNHEALTHY" in events(gl, fleet_id)
        assert game_session(gl, gsid)["Status"] == "ACTIVE"  # until the process ends
        await call(fresh.advance, 300)
        await asyncio.wait_for(sdk.closed.wait(), 5)
        ended = game_session(gl, gsid)
        assert (ended["Status"], ended.get("StatusReason")) == ("TERMINATED", "INTERRUPTED")
        assert events(gl, fleet_id)[-1] == "SERVER_PROCESS_FORCE_TERMINATED"
        assert processes(fresh) == {}
        await sdk.close()

    run(scenario)


def test_terminate_game_session_trigger_on_process_terminate(fresh, gl) -> None:
    fleet_id = anywhere_fleet(gl)

    async def scenario() -> None:
        sdk = await connect(fresh, fleet_id, auth_token(gl, fleet_id), "CSharp")
        await sdk.ready()
        gsid = (await call(gl.create_game_session, FleetId=fleet_id, MaximumPlayerSessionCount=2,
                           Location=LOCATION))["GameSession"]["GameSessionId"]
        await sdk.push("CreateGameSession")
        await sdk.request("ActivateGameSession", GameSessionId=gsid)
        session = (await call(gl.terminate_game_session, GameSessionId=gsid,
                              TerminationMode="TRIGGER_ON_PROCESS_TERMINATE"))["GameSession"]
        assert session["Status"] == "TERMINATING"
        assert (await sdk.push("TerminateProcess"))["TerminationTime"] > 0
        assert (await sdk.request("TerminateServerProcess"))["StatusCode"] == 200
        ended = game_session(gl, gsid)
        assert (ended["Status"], ended["StatusReason"]) == ("TERMINATED", "TRIGGERED_ON_PROCESS_TERMINATE")
        await sdk.close()

    run(scenario)


def test_anywhere_process_that_closes_without_process_ending_is_gone(fresh, gl) -> None:
    fleet_id = anywhere_fleet(gl)

    async def scenario() -> None:
        sdk = await connect(fresh, fleet_id, auth_token(gl, fleet_id))
        await sdk.ready()
        await sdk.close(1000)

    run(scenario)
    assert processes(fresh) == {}
    assert events(gl, fleet_id)[-1] == "SERVER_PROCESS_CRASHED"


# -- RefreshConnection -------------------------------------------------------------------------------------------


def test_refresh_connection_moves_the_process_to_a_new_socket(fresh, gl) -> None:
    fleet_id = anywhere_fleet(gl)

    async def scenario() -> None:
        old = await connect(fresh, fleet_id, auth_token(gl, fleet_id), process_id="p-r")
        await old.ready()
        assert (await call(fresh.control, "sdk/refresh-connection", {"processId": "p-r"}))["pushed"] is True
        push = await old.push("RefreshConnection")
        assert push["RefreshConnectionEndpoint"].startswith("ws://127.0.0.1:") and push["AuthToken"]
        query = "&".join(f"{k}={v}" for k, v in identity("p-r", "laptop", fleet_id, push["AuthToken"]).items())
        new = await RawSdk.connect(push["RefreshConnectionEndpoint"].replace("ws://", "http://"), query)
        assert (await new.request("HeartbeatServerProcess", HealthStatus=True))["StatusCode"] == 200
        await old.close(1000)  # as C# does with the old socket
        gsid = (await call(gl.create_game_session, FleetId=fleet_id, MaximumPlayerSessionCount=2,
                           Location=LOCATION))["GameSession"]["GameSessionId"]
        assert (await new.push("CreateGameSession"))["GameSessionId"] == gsid
        assert processes(fresh)["p-r"]["status"] == "ACTIVE"
        await new.close()

    run(scenario)


# -- the rest of the API -----------------------------------------------------------------------------------------


def test_anywhere_certificate_role_credentials_and_backfill(fresh, gl) -> None:
    fleet_id = anywhere_fleet(gl)

    async def scenario() -> None:
        sdk = await connect(fresh, fleet_id, auth_token(gl, fleet_id), "Cpp")
        await sdk.ready()
        cert = await sdk.request("GetComputeCertificate")
        assert (cert["StatusCode"], cert["CertificatePath"], cert["ComputeName"]) == (200, "/opt/certs/laptop",
                                                                                     "laptop")
        creds = await sdk.request("GetFleetRoleCredentials", RoleArn="arn:aws:iam::123456789012:role/r",
                                  RoleSessionName="s")
        assert creds["StatusCode"] == 200 and creds["AccessKeyId"] == "" and creds["SessionToken"] == ""
        gsid = (await call(gl.create_game_session, FleetId=fleet_id, MaximumPlayerSessionCount=2,
                           Location=LOCATION))["GameSession"]["GameSessionId"]
        await sdk.push("CreateGameSession")
        backfill = await sdk.request(
            "StartMatchBackfill", GameSessionArn=gsid, TicketId="t-1",
            MatchmakingConfigurationArn="arn:aws:gamelift:us-west-2:123456789012:matchmakingconfiguration/c",
            Players=[{"PlayerId": "ana", "Team": "red", "PlayerAttributes": {}, "LatencyInMS": {"us-west-2": 20}}],
        )
        assert backfill["StatusCode"] == 400 and "not supported" in backfill["ErrorMessage"]
        stop = await sdk.request("StopMatchBackfill", GameSessionArn=gsid, TicketId="t-1",
                                 MatchmakingConfigurationArn="arn:aws:gamelift:us-west-2:123456789012:x/c")
        assert stop["StatusCode"] == 400
        await sdk.close()

    run(scenario)


def test_deregistering_the_compute_ends_its_processes(fresh, gl) -> None:
    fleet_id = anywhere_fleet(gl)

    async def scenario() -> None:
        sdk = await connect(fresh, fleet_id, auth_token(gl, fleet_id))
        await sdk.ready()
        await call(gl.deregister_compute, FleetId=fleet_id, ComputeName="laptop")
        await asyncio.wait_for(sdk.closed.wait(), 5)
        assert sdk.close_code == 1000
        await sdk.close()

    run(scenario)
    assert processes(fresh) == {}


def test_processes_view_lists_connections(fresh, gl) -> None:
    fleet_id = anywhere_fleet(gl)

    async def scenario() -> None:
        sdk = await connect(fresh, fleet_id, auth_token(gl, fleet_id), "CSharp", process_id="p-view")
        await sdk.ready()
        view = await call(fresh.control, "processes")
        (connection,) = view["connections"]
        assert (connection["processId"], connection["sdkLanguage"], connection["sockets"]) == ("p-view", "CSharp", 1)
        assert json.dumps(view)  # plain JSON
        await sdk.close()

    run(scenario)
