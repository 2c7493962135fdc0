"""The Python server SDK (``sdk.gamelift_server``) against the emulator's endpoint, every call, on an Anywhere compute.

The test is the game server: it runs a ``GameLiftServerSdk`` in its own event loop with the values RegisterCompute
and GetComputeAuthToken gave, as a developer's server started by hand would. Control-plane calls go through boto3
off the loop. The emulator runs on a manual clock (``fresh``).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from infra.emulator.launcher import EmulatorProcess
from tests.fixtures.example_server.harness import anywhere_fleet, auth_token, events, game_session, player_status
from tests.support.clients import gamelift_client

gls = pytest.importorskip("sdk.gamelift_server")

LOCATION = "custom-home"
CONFIG_ARN = "arn:aws:gamelift:us-west-2:123456789012:matchmakingconfiguration/arena"


@pytest.fixture
def gl(fresh: EmulatorProcess):
    return gamelift_client(fresh.url, "json")


def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Awaitable[Any]:
    return asyncio.to_thread(fn, *args, **kwargs)


def new_sdk() -> Any:
    # No retries: a refused handshake fails at once instead of backing off for minutes.
    return gls.GameLiftServerSdk(timings=gls.Timings(connect_retries=0, request_timeout=10), environ={})


def parameters(fresh: EmulatorProcess, fleet_id: str, token: str, process_id: str) -> Any:
    return gls.ServerParameters(web_socket_url=fresh.url.replace("http://", "ws://"), process_id=process_id,
                                host_id="laptop", fleet_id=fleet_id, auth_token=token)


def test_every_sdk_call_against_the_endpoint(fresh, gl) -> None:
    fleet_id = anywhere_fleet(gl)
    token = auth_token(gl, fleet_id)
    process_id = f"py-{uuid.uuid4()}"

    async def scenario() -> None:
        sdk = new_sdk()
        started: asyncio.Queue[Any] = asyncio.Queue()
        terminating = asyncio.Event()

        async def on_start(session: Any) -> None:
            await started.put(session)

        async def on_terminate() -> None:
            terminating.set()

        assert sdk.get_sdk_version() == gls.SDK_VERSION
        await sdk.init_sdk(parameters(fresh, fleet_id, token, process_id))
        with pytest.raises(gls.AlreadyInitialized):
            await sdk.init_sdk(parameters(fresh, fleet_id, token, process_id))
        await sdk.process_ready(gls.ProcessParameters(
            port=7777, log_parameters=gls.LogParameters(["/local/game/logs"]), on_start_game_session=on_start,
            on_process_terminate=on_terminate, on_health_check=lambda: True))

        # Ready at its first heartbeat: CreateGameSession reaches on_start_game_session.
        created = await _create_when_placeable(gl, fleet_id)
        session = await asyncio.wait_for(started.get(), 10)
        gsid = created["GameSessionId"]
        assert (session.game_session_id, session.name, session.maximum_player_session_count) == (gsid, "py", 3)
        assert session.game_properties == {"k": "v"} and session.port == 7777
        assert sdk.get_game_session_id() == gsid
        await sdk.activate_game_session()
        assert game_session(gl, gsid)["Status"] == "ACTIVE"

        players = (await call(gl.create_player_sessions, GameSessionId=gsid, PlayerIds=["a", "b"]))["PlayerSessions"]
        a, b = (p["PlayerSessionId"] for p in players)
        await sdk.accept_player_session(a)
        assert player_status(gl, a) == "ACTIVE"
        with pytest.raises(gls.BadRequestException):
            await sdk.accept_player_session(a)  # already ACTIVE
        with pytest.raises(gls.NotFoundException):
            await sdk.accept_player_session("psess-00000000-0000-0000-0000-000000000000")
        described = await sdk.describe_player_sessions(gls.DescribePlayerSessionsRequest(game_session_id=gsid))
        assert {p.player_session_id: str(p.status) for p in described.player_sessions} == {a: "ACTIVE",
                                                                                          b: "RESERVED"}
        assert all(p.creation_time_ms and p.creation_time_ms > 10**12 for p in described.player_sessions)
        by_player = await sdk.describe_player_sessions(gls.DescribePlayerSessionsRequest(player_id="b", limit=5))
        assert [p.player_session_id for p in by_player.player_sessions] == [b]
        await sdk.remove_player_session(a)
        assert player_status(gl, a) == "COMPLETED"
        await sdk.update_player_session_creation_policy("DENY_ALL")
        assert game_session(gl, gsid)["PlayerSessionCreationPolicy"] == "DENY_ALL"
        with pytest.raises(gl.exceptions.GameSessionFullException):
            await call(gl.create_player_session, GameSessionId=gsid, PlayerId="c")
        await sdk.update_player_session_creation_policy(gls.PlayerSessionCreationPolicy.ACCEPT_ALL)

        certificate = await sdk.get_compute_certificate()
        assert (certificate.certificate_path, certificate.compute_name) == ("/opt/certs/laptop", "laptop")
        # Anywhere: the empty credentials tell the SDK it is not on managed EC2.
        with pytest.raises(gls.BadRequestException):
            await sdk.get_fleet_role_credentials(gls.GetFleetRoleCredentialsRequest("arn:aws:iam::123456789012:role/r"))
        with pytest.raises(gls.BadRequestException) as backfill:
            await sdk.start_match_backfill(gls.StartMatchBackfillRequest(gsid, CONFIG_ARN, [gls.Player("a")]))
        assert "not supported" in backfill.value.message
        with pytest.raises(gls.BadRequestException):
            await sdk.stop_match_backfill(gls.StopMatchBackfillRequest(gsid, CONFIG_ARN, "ticket-1"))

        # TerminateGameSession: OnProcessTerminate with a termination time, then ProcessEnding.
        await call(gl.terminate_game_session, GameSessionId=gsid, TerminationMode="TRIGGER_ON_PROCESS_TERMINATE")
        await asyncio.wait_for(terminating.wait(), 10)
        now = (await call(fresh.control, "clock"))["now"]
        assert sdk.get_termination_time() == pytest.approx(now + 300, abs=2)
        await sdk.process_ending()
        ended = game_session(gl, gsid)
        assert (ended["Status"], ended["StatusReason"]) == ("TERMINATED", "TRIGGERED_ON_PROCESS_TERMINATE")
        await sdk.destroy()

        # The process id is spent: a new process must not reuse it.
        again = new_sdk()
        with pytest.raises(gls.WebsocketConnectFailureForbidden):
            await again.init_sdk(parameters(fresh, fleet_id, token, process_id))

    asyncio.run(asyncio.wait_for(scenario(), 90))
    assert "SERVER_PROCESS_CRASHED" not in events(gl, fleet_id)


async def _create_when_placeable(gl: Any, fleet_id: str) -> dict[str, Any]:
    """CreateGameSession once the process has reported ready (its first heartbeat is on its way)."""
    for _ in range(200):
        try:
            return (await call(gl.create_game_session, FleetId=fleet_id, MaximumPlayerSessionCount=3, Name="py",
                               Location=LOCATION, GameProperties=[{"Key": "k", "Value": "v"}]))["GameSession"]
        except gl.exceptions.FleetCapacityExceededException:
            await asyncio.sleep(0.02)
    raise AssertionError("the process never became placeable")


def test_sdk_default_terminate_handling_ends_the_process(fresh, gl) -> None:
    """Without on_process_terminate the SDK calls ProcessEnding and Destroy itself, then exits."""
    fleet_id = anywhere_fleet(gl)
    token = auth_token(gl, fleet_id)
    exits: list[int] = []

    async def scenario() -> None:
        sdk = gls.GameLiftServerSdk(timings=gls.Timings(connect_retries=0), environ={}, exit_process=exits.append)
        await sdk.init_sdk(parameters(fresh, fleet_id, token, f"py-{uuid.uuid4()}"))
        await sdk.process_ready(gls.ProcessParameters(port=7001))
        created = await _create_when_placeable(gl, fleet_id)
        await call(gl.terminate_game_session, GameSessionId=created["GameSessionId"],
                   TerminationMode="TRIGGER_ON_PROCESS_TERMINATE")
        for _ in range(500):
            if exits:
                break
            await asyncio.sleep(0.01)
        ended = game_session(gl, created["GameSessionId"])
        assert ended["Status"] == "TERMINATED"

    asyncio.run(asyncio.wait_for(scenario(), 60))
    assert exits == [0]
