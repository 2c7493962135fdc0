"""Quick play, the server browser and premium-only sessions, against a real stack.

The backend seats at most 3 players per session here, so races for the last slot are easy to
provoke. Every response is checked against openapi.json.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from backend.contract import check_response
from infra.stack.local import LocalStack, managed_fleet

MAX_PLAYERS = 3


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with LocalStack(
        workdir=tmp_path_factory.mktemp("quickplay"),
        processes=30,
        auth_args=["--scrypt-log2-n", "12"],
        backend_args=["--max-players", str(MAX_PLAYERS)],
    ) as running:
        yield running


def call(stack: LocalStack, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    status, headers, answer = stack.call(method, path, body, token)
    check_response(method, path.split("?")[0], status, answer, headers)
    return status, answer


def name(prefix: str) -> str:
    return f"{prefix}-{time.monotonic_ns()}"


def players(stack: LocalStack, count: int, prefix: str, premium: bool = False) -> list[str]:
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda n: stack.player(name(f"{prefix}{n}"), premium=premium), range(count)))


def game_session(stack: LocalStack, game_session_id: str) -> dict[str, Any]:
    return stack.gamelift().describe_game_sessions(GameSessionId=game_session_id)["GameSessions"][0]


def fill_open_sessions(stack: LocalStack) -> None:
    """Seat throwaway players until no open session has room, so a test starts from a known place."""
    gl = stack.gamelift()
    assert stack.fleet is not None
    while True:
        found = gl.search_game_sessions(
            AliasId=stack.fleet.alias_id, FilterExpression="hasAvailablePlayerSessions=true"
        )
        if not found["GameSessions"]:
            return
        for session in found["GameSessions"]:
            free = session["MaximumPlayerSessionCount"] - session["CurrentPlayerSessionCount"]
            gl.create_player_sessions(
                GameSessionId=session["GameSessionId"], PlayerIds=[name(f"filler{n}") for n in range(free)]
            )


def test_quick_play_seats_the_player_and_tells_the_server_their_tier(stack: LocalStack) -> None:
    fill_open_sessions(stack)
    first, second = players(stack, 2, "qp")
    status, seat = call(stack, "POST", "/v1/quickplay", None, first)
    assert status == 200 and seat["placement"] == "created"
    assert seat["ip"] and seat["port"] and seat["dnsName"] and seat["playerSessionId"].startswith("psess-")
    status, other = call(stack, "POST", "/v1/quickplay", {}, second)
    assert status == 200 and other["placement"] == "joined" and other["gameSessionId"] == seat["gameSessionId"]
    gl = stack.gamelift()
    ps = gl.describe_player_sessions(PlayerSessionId=seat["playerSessionId"])["PlayerSessions"][0]
    assert ps["Status"] == "RESERVED" and (ps["IpAddress"], ps["Port"]) == (seat["ip"], seat["port"])
    data = json.loads(ps["PlayerData"])
    assert data["tier"] == "free" and "skin.default" in data["entitlements"] and data["playerId"] == ps["PlayerId"]
    session = game_session(stack, seat["gameSessionId"])
    assert {p["Key"]: p["Value"] for p in session["GameProperties"]} == {"access": "open", "origin": "quickplay"}
    assert "CreatorId" not in session  # the backend chose to start it, not the player


def test_many_players_racing_for_the_last_slot_never_overfill_and_all_get_seats(stack: LocalStack) -> None:
    fill_open_sessions(stack)
    crowd = players(stack, 14, "race")
    # One session with a single free slot: every racer below sees it and goes for it.
    seated = [call(stack, "POST", "/v1/quickplay", {}, token)[1] for token in crowd[:2]]
    last_slot = seated[0]["gameSessionId"]
    assert seated[1]["gameSessionId"] == last_slot
    racers = crowd[2:]
    with ThreadPoolExecutor(len(racers)) as pool:
        results = list(pool.map(lambda t: call(stack, "POST", "/v1/quickplay", {}, t), racers))
    assert all(status == 200 for status, _ in results), results
    seats = [seat for _, seat in results]
    assert len({s["playerSessionId"] for s in seats}) == len(racers)
    per_session = Counter(s["gameSessionId"] for s in seats)
    gl = stack.gamelift()
    for game_session_id in per_session:
        session = game_session(stack, game_session_id)
        assert session["CurrentPlayerSessionCount"] <= session["MaximumPlayerSessionCount"] == MAX_PLAYERS
        held = gl.describe_player_sessions(GameSessionId=game_session_id)["PlayerSessions"]
        assert len([p for p in held if p["Status"] in ("RESERVED", "ACTIVE")]) <= MAX_PLAYERS
    assert game_session(stack, last_slot)["CurrentPlayerSessionCount"] == MAX_PLAYERS
    assert per_session[last_slot] == 1  # exactly one racer won the last slot
    # Sessions are shared, not one per player: a burst fills sessions instead of scattering players.
    assert len(per_session) <= len(racers) // 2


def test_concurrent_joins_for_one_last_slot_give_exactly_one_seat(stack: LocalStack) -> None:
    host, *others = players(stack, 7, "join")
    status, created = call(stack, "POST", "/v1/sessions", {"name": "Last slot", "maxPlayers": 2}, host)
    assert status == 201 and created["session"]["currentPlayers"] == 1
    target = created["session"]["gameSessionId"]
    with ThreadPoolExecutor(len(others)) as pool:
        results = list(
            pool.map(lambda t: call(stack, "POST", "/v1/sessions/join", {"gameSessionId": target}, t), others)
        )
    codes = Counter(status for status, _ in results)
    assert codes == {200: 1, 409: len(others) - 1}, results
    assert all(a["error"]["code"] == "session_full" for s, a in results if s == 409)
    assert game_session(stack, target)["CurrentPlayerSessionCount"] == 2


def test_premium_only_sessions_admit_premium_players_only(stack: LocalStack) -> None:
    fill_open_sessions(stack)
    (vip,) = players(stack, 1, "vip", premium=True)
    free_a, free_b = players(stack, 2, "free")
    status, answer = call(stack, "POST", "/v1/sessions", {"name": "Free tries VIP", "premiumOnly": True}, free_a)
    assert (status, answer["error"]["code"]) == (403, "premium_required")
    status, created = call(stack, "POST", "/v1/sessions", {"name": "VIP lounge", "premiumOnly": True}, vip)
    assert status == 201 and created["session"]["premiumOnly"] and created["seat"]["tier"] == "premium"
    lounge = created["session"]["gameSessionId"]
    described = game_session(stack, lounge)
    properties = {p["Key"]: p["Value"] for p in described["GameProperties"]}
    assert properties == {"access": "premium", "origin": "player"}
    assert described["CreatorId"] == json.loads(
        stack.gamelift().describe_player_sessions(PlayerSessionId=created["seat"]["playerSessionId"])[
            "PlayerSessions"][0]["PlayerData"]
    )["playerId"]
    status, answer = call(stack, "POST", "/v1/sessions/join", {"gameSessionId": lounge}, free_a)
    assert (status, answer["error"]["code"]) == (403, "premium_required")
    # A free player's quick play never lands in the lounge, though it has room.
    status, seat = call(stack, "POST", "/v1/quickplay", {}, free_b)
    assert status == 200 and seat["gameSessionId"] != lounge
    ps = stack.gamelift().describe_player_sessions(PlayerSessionId=created["seat"]["playerSessionId"])
    data = json.loads(ps["PlayerSessions"][0]["PlayerData"])
    assert data["tier"] == "premium" and "skin.gold" in data["entitlements"]


def test_the_server_browser_lists_filters_and_pages(stack: LocalStack) -> None:
    (vip,) = players(stack, 1, "browse-vip", premium=True)
    (free,) = players(stack, 1, "browse")
    call(stack, "POST", "/v1/sessions", {"name": "Browse premium", "premiumOnly": True, "maxPlayers": 3}, vip)
    status, listing = call(stack, "GET", "/v1/sessions", None, free)
    assert status == 200 and listing["sessions"]
    assert all(s["currentPlayers"] < s["maxPlayers"] and s["status"] == "ACTIVE" for s in listing["sessions"])
    premium_only = call(stack, "GET", "/v1/sessions?access=premium", None, free)[1]["sessions"]
    assert premium_only and all(s["premiumOnly"] for s in premium_only)
    assert any(s["name"] == "Browse premium" for s in premium_only)
    open_only = call(stack, "GET", "/v1/sessions?access=open&includeFull=true", None, free)[1]["sessions"]
    assert all(not s["premiumOnly"] for s in open_only)
    page = call(stack, "GET", "/v1/sessions?includeFull=true&limit=1", None, free)[1]
    assert len(page["sessions"]) == 1 and page["nextToken"]
    token = page["nextToken"].replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
    nxt = call(stack, "GET", f"/v1/sessions?includeFull=true&limit=1&nextToken={token}", None, free)[1]
    assert nxt["sessions"] and nxt["sessions"][0]["gameSessionId"] != page["sessions"][0]["gameSessionId"]
    status, answer = call(stack, "GET", "/v1/sessions?nextToken=garbage-token", None, free)
    assert (status, answer["error"]["code"]) == (400, "invalid_request")


def test_sessions_of_other_fleets_and_unknown_sessions_cannot_be_joined(stack: LocalStack) -> None:
    (player,) = players(stack, 1, "stray")
    gl = stack.gamelift()
    other = managed_fleet(gl, processes=1, build_dir=stack.workdir / "other-build")
    foreign = gl.create_game_session(FleetId=other.fleet_id, MaximumPlayerSessionCount=4)["GameSession"]
    deadline = time.monotonic() + 10
    while game_session(stack, foreign["GameSessionId"])["Status"] != "ACTIVE" and time.monotonic() < deadline:
        time.sleep(0.02)
    for target in (foreign["GameSessionId"], foreign["GameSessionId"][:-4] + "0000", "gsess-does-not-exist"):
        status, answer = call(stack, "POST", "/v1/sessions/join", {"gameSessionId": target}, player)
        assert (status, answer["error"]["code"]) == (404, "not_found"), target
    assert game_session(stack, foreign["GameSessionId"])["CurrentPlayerSessionCount"] == 0


def test_me_shows_the_subscription_and_the_last_seat(stack: LocalStack) -> None:
    username = name("me")
    token = stack.player(username, premium=True)
    status, me = call(stack, "GET", "/v1/me", None, token)
    assert status == 200 and me["username"] == username and me["lastSeat"] is None
    assert me["subscription"]["tier"] == "premium" and me["subscription"]["source"] == "service"
    assert me["subscription"]["premiumUntil"] > time.time() and "skin.gold" in me["subscription"]["entitlements"]
    seat = call(stack, "POST", "/v1/quickplay", {}, token)[1]
    last = call(stack, "GET", "/v1/me", None, token)[1]["lastSeat"]
    assert last["playerSessionId"] == seat["playerSessionId"] and last["how"] == "search-or-create"
