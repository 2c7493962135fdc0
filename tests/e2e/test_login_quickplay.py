"""The whole path with real processes: sign up, log in, quick play, and what the game server is told.

gamelift-local, external_auth and the backend each run as their own process on 127.0.0.1. The
tier a player holds at external_auth reaches the game server as PlayerData on the player
session: seen here through boto3 (DescribePlayerSessions, as an operator would), and through
the real server SDK by a stand-in game server on an Anywhere fleet.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backend.contract import check_response
from infra.stack.local import LocalStack, backend_process, http_json

PASSWORD = "a long enough password"
LOCATION = "custom-e2e-home"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with LocalStack(processes=4, workdir=tmp_path_factory.mktemp("e2e")) as running:
        yield running


def checked(method: str, url: str, path: str, body: Any = None, token: str | None = None) -> Any:
    status, headers, answer = http_json(method, url + path, body, token)
    check_response(method, path, status, answer, headers)
    assert status in (200, 201), answer
    return answer


def player_data(stack: LocalStack, player_session_id: str) -> dict[str, Any]:
    ps = stack.gamelift().describe_player_sessions(PlayerSessionId=player_session_id)["PlayerSessions"][0]
    return {"status": ps["Status"], "player_id": ps["PlayerId"], **json.loads(ps["PlayerData"])}


def test_a_player_signs_up_logs_in_quick_plays_and_the_server_is_told_the_tier(stack: LocalStack) -> None:
    assert stack.auth is not None and stack.backend is not None
    auth, backend = stack.auth.url, stack.backend.url
    status, _, account = http_json("POST", f"{auth}/v1/accounts", {"username": "e2e-player", "password": PASSWORD})
    assert status == 201
    status, _, login = http_json("POST", f"{auth}/v1/login", {"username": "e2e-player", "password": PASSWORD})
    assert status == 200
    token = login["accessToken"]

    me = checked("GET", backend, "/v1/me", token=token)
    assert me["playerId"] == account["playerId"] and me["subscription"]["tier"] == "free"
    seat = checked("POST", backend, "/v1/quickplay", {}, token)
    assert seat["ip"] == "127.0.0.1" and isinstance(seat["port"], int) and seat["playerSessionId"].startswith("psess-")
    told = player_data(stack, seat["playerSessionId"])
    assert told["status"] == "RESERVED" and told["player_id"] == account["playerId"]
    assert told["tier"] == "free" and told["name"] == "e2e-player"

    # The player buys premium at the subscription service; the next seat carries it, without the client saying so.
    status, _, _ = http_json("POST", f"{auth}/v1/subscription", {"plan": "premium", "days": 7}, token=token)
    assert status == 200
    assert checked("GET", backend, "/v1/me", token=token)["subscription"]["tier"] == "premium"
    seat = checked("POST", backend, "/v1/quickplay", {}, token)
    told = player_data(stack, seat["playerSessionId"])
    assert told["tier"] == "premium" and "skin.gold" in told["entitlements"]


def _server_sdk() -> Any:
    try:
        return importlib.import_module("sdk.gamelift_server")
    except ImportError as exc:
        pytest.skip(f"sdk.gamelift_server is not importable: {exc}")


def test_a_game_server_using_the_server_sdk_sees_the_players_tier(stack: LocalStack, tmp_path: Path) -> None:
    gls = _server_sdk()
    assert stack.auth is not None and stack.emulator is not None
    gl = stack.gamelift()
    gl.create_location(LocationName=LOCATION)
    fleet_id = gl.create_fleet(
        Name="e2e-anywhere", ComputeType="ANYWHERE", Locations=[{"Location": LOCATION}]
    )["FleetAttributes"]["FleetId"]
    compute = gl.register_compute(FleetId=fleet_id, ComputeName="e2e-box", Location=LOCATION, IpAddress="127.0.0.1")
    compute = compute["Compute"]
    auth_token = gl.get_compute_auth_token(FleetId=fleet_id, ComputeName="e2e-box")["AuthToken"]
    alias_id = gl.create_alias(Name="e2e-anywhere", RoutingStrategy={"Type": "SIMPLE", "FleetId": fleet_id})["Alias"][
        "AliasId"
    ]
    backend = backend_process(
        str(tmp_path / "backend.db"),
        auth_url=stack.auth.url,
        service_secret=stack.service_secret,
        gamelift_endpoint_url=stack.emulator.url,
        alias_id=alias_id,
        args=["--location", LOCATION],
        workdir=tmp_path,
    ).start()
    try:
        token = stack.player("e2e-sdk-player", premium=True)
        told = asyncio.run(_serve_one_player(gls, compute, fleet_id, auth_token, backend.url, token))
    finally:
        backend.stop()
    assert told["tier"] == "premium" and "skin.gold" in told["entitlements"]


async def _serve_one_player(
    gls: Any, compute: dict[str, Any], fleet_id: str, auth_token: str, backend_url: str, token: str
) -> dict[str, Any]:
    """A stand-in game server: activates the session it is given, accepts the player, reads their PlayerData."""
    await _skip_without_sdk_endpoint(compute["GameLiftServiceSdkEndpoint"])
    sdk = gls.GameLiftServerSdk(environ={})
    parameters = gls.ServerParameters(
        web_socket_url=compute["GameLiftServiceSdkEndpoint"],
        process_id=f"e2e-{uuid.uuid4()}",
        host_id=compute["ComputeName"],
        fleet_id=fleet_id,
        auth_token=auth_token,
    )
    await asyncio.wait_for(sdk.init_sdk(parameters), timeout=30)

    async def on_start(game_session: Any) -> None:
        await sdk.activate_game_session()

    try:
        await sdk.process_ready(
            gls.ProcessParameters(
                port=7777,
                on_start_game_session=on_start,
                on_process_terminate=lambda: None,
                on_health_check=lambda: True,
            )
        )
        status, _, seat = await asyncio.to_thread(http_json, "POST", f"{backend_url}/v1/quickplay", {}, token)
        assert status == 200, seat
        assert seat["port"] == 7777
        await sdk.accept_player_session(seat["playerSessionId"])
        result = await sdk.describe_player_sessions(
            gls.DescribePlayerSessionsRequest(player_session_id=seat["playerSessionId"])
        )
        return json.loads(result.player_sessions[0].player_data)
    finally:
        try:
            await sdk.process_ending()
        finally:
            await sdk.destroy()


async def _skip_without_sdk_endpoint(url: str) -> None:
    """An emulator without the SDK WebSocket answers the upgrade with 404/405; one that has it wants credentials."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidStatus

    try:
        async with connect(url, open_timeout=5):
            return
    except InvalidStatus as exc:
        if exc.response.status_code in (404, 405):
            pytest.skip(f"the emulator's server SDK endpoint is not available yet (HTTP {exc.response.status_code})")
    except OSError as exc:
        pytest.skip(f"the emulator's server SDK endpoint cannot be reached: {exc!r}")
