"""Player sessions through boto3 (both wire protocols): reserve seats, time out, describe."""

from __future__ import annotations

import pytest

from infra.emulator.launcher import EmulatorProcess
from tests.support.fleets import active_fleet


def game_session(gl, fresh: EmulatorProcess, maximum: int = 4, **params) -> dict:
    fleet_id = active_fleet(gl, fresh)
    created = gl.create_game_session(FleetId=fleet_id, MaximumPlayerSessionCount=maximum, **params)["GameSession"]
    fresh.advance(0)
    return created


def current(gl, game_session_id: str) -> dict:
    return gl.describe_game_sessions(GameSessionId=game_session_id)["GameSessions"][0]


def test_create_player_session(gl, fresh) -> None:
    game = game_session(gl, fresh)
    player = gl.create_player_session(GameSessionId=game["GameSessionId"], PlayerId="alice", PlayerData="tier=gold")[
        "PlayerSession"
    ]
    assert player["PlayerSessionId"].startswith("psess-")
    assert (player["PlayerId"], player["PlayerData"], player["Status"]) == ("alice", "tier=gold", "RESERVED")
    assert (player["GameSessionId"], player["FleetId"], player["FleetArn"]) == (
        game["GameSessionId"],
        game["FleetId"],
        game["FleetArn"],
    )
    assert (player["IpAddress"], player["Port"], player["DnsName"]) == (
        game["IpAddress"],
        game["Port"],
        game["DnsName"],
    )
    assert "TerminationTime" not in player
    assert current(gl, game["GameSessionId"])["CurrentPlayerSessionCount"] == 1
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.create_player_session(GameSessionId=game["GameSessionId"] + "0", PlayerId="bob")


def test_create_player_sessions_with_data_map(gl, fresh) -> None:
    game = game_session(gl, fresh)
    players = gl.create_player_sessions(
        GameSessionId=game["GameSessionId"],
        PlayerIds=["alice", "bob"],
        PlayerDataMap={"alice": "tier=gold", "carol": "ignored"},
    )["PlayerSessions"]
    assert [(p["PlayerId"], p.get("PlayerData")) for p in players] == [("alice", "tier=gold"), ("bob", None)]
    assert len({p["PlayerSessionId"] for p in players}) == 2
    assert current(gl, game["GameSessionId"])["CurrentPlayerSessionCount"] == 2


def test_full_game_session_is_all_or_nothing(gl, fresh) -> None:
    game = game_session(gl, fresh, maximum=2)
    gid = game["GameSessionId"]
    with pytest.raises(gl.exceptions.GameSessionFullException):
        gl.create_player_sessions(GameSessionId=gid, PlayerIds=["a", "b", "c"])
    assert gl.describe_player_sessions(GameSessionId=gid)["PlayerSessions"] == []
    gl.create_player_sessions(GameSessionId=gid, PlayerIds=["a", "b"])
    with pytest.raises(gl.exceptions.GameSessionFullException):
        gl.create_player_session(GameSessionId=gid, PlayerId="c")
    assert current(gl, gid)["CurrentPlayerSessionCount"] == 2
    found = gl.search_game_sessions(FleetId=game["FleetId"], FilterExpression="hasAvailablePlayerSessions = true")
    assert found["GameSessions"] == []


def test_deny_all_refuses_new_players(gl, fresh) -> None:
    game = game_session(gl, fresh)
    gid = game["GameSessionId"]
    gl.update_game_session(GameSessionId=gid, PlayerSessionCreationPolicy="DENY_ALL")
    with pytest.raises(gl.exceptions.GameSessionFullException):
        gl.create_player_session(GameSessionId=gid, PlayerId="alice")
    with pytest.raises(gl.exceptions.GameSessionFullException):
        gl.create_player_sessions(GameSessionId=gid, PlayerIds=["alice"])
    gl.update_game_session(GameSessionId=gid, PlayerSessionCreationPolicy="ACCEPT_ALL")
    assert gl.create_player_session(GameSessionId=gid, PlayerId="alice")["PlayerSession"]["Status"] == "RESERVED"


def test_game_session_must_be_active(gl, fresh) -> None:
    game = game_session(gl, fresh)
    gid = game["GameSessionId"]
    reserved = gl.create_player_session(GameSessionId=gid, PlayerId="early")["PlayerSession"]
    gl.terminate_game_session(GameSessionId=gid, TerminationMode="FORCE_TERMINATE")
    with pytest.raises(gl.exceptions.InvalidGameSessionStatusException):
        gl.create_player_session(GameSessionId=gid, PlayerId="late")
    with pytest.raises(gl.exceptions.InvalidGameSessionStatusException):
        gl.create_player_sessions(GameSessionId=gid, PlayerIds=["late"])
    # Ending the game session released the seat it held.
    ended = gl.describe_player_sessions(PlayerSessionId=reserved["PlayerSessionId"])["PlayerSessions"][0]
    assert ended["Status"] == "TIMEDOUT" and "TerminationTime" in ended
    assert current(gl, gid)["CurrentPlayerSessionCount"] == 0


def test_reservation_times_out_after_60_seconds(gl, fresh) -> None:
    game = game_session(gl, fresh, maximum=1)
    gid = game["GameSessionId"]
    player = gl.create_player_session(GameSessionId=gid, PlayerId="slow")["PlayerSession"]
    fresh.advance(59)
    assert gl.describe_player_sessions(PlayerSessionId=player["PlayerSessionId"])["PlayerSessions"][0]["Status"] == (
        "RESERVED"
    )
    fresh.advance(1)
    timed_out = gl.describe_player_sessions(PlayerSessionId=player["PlayerSessionId"])["PlayerSessions"][0]
    assert timed_out["Status"] == "TIMEDOUT"
    assert timed_out["TerminationTime"] > timed_out["CreationTime"]
    # The seat is free again.
    assert current(gl, gid)["CurrentPlayerSessionCount"] == 0
    assert gl.create_player_session(GameSessionId=gid, PlayerId="next")["PlayerSession"]["Status"] == "RESERVED"


def test_describe_player_sessions(gl, fresh) -> None:
    game = game_session(gl, fresh, maximum=10)
    gid = game["GameSessionId"]
    made = gl.create_player_sessions(GameSessionId=gid, PlayerIds=["p0", "p1", "p2", "p3"])["PlayerSessions"]
    first = gl.describe_player_sessions(GameSessionId=gid, Limit=3)
    assert first["PlayerSessions"] == made[:3]
    rest = gl.describe_player_sessions(GameSessionId=gid, Limit=3, NextToken=first["NextToken"])
    assert rest["PlayerSessions"] == made[3:] and "NextToken" not in rest
    assert gl.describe_player_sessions(GameSessionId=gid, PlayerSessionStatusFilter="ACTIVE")["PlayerSessions"] == []
    reserved = gl.describe_player_sessions(GameSessionId=gid, PlayerSessionStatusFilter="RESERVED")["PlayerSessions"]
    assert len(reserved) == 4
    assert gl.describe_player_sessions(PlayerId="p2")["PlayerSessions"] == [made[2]]
    assert gl.describe_player_sessions(PlayerSessionId=made[1]["PlayerSessionId"])["PlayerSessions"] == [made[1]]
    # The status filter has no effect with a player session id (documented).
    by_id = gl.describe_player_sessions(PlayerSessionId=made[1]["PlayerSessionId"], PlayerSessionStatusFilter="ACTIVE")
    assert by_id["PlayerSessions"] == [made[1]]
    with pytest.raises(gl.exceptions.InvalidRequestException):
        gl.describe_player_sessions()
    with pytest.raises(gl.exceptions.InvalidRequestException):
        gl.describe_player_sessions(GameSessionId=gid, PlayerId="p1")
    with pytest.raises(gl.exceptions.InvalidRequestException):
        gl.describe_player_sessions(GameSessionId=gid, PlayerSessionStatusFilter="LEFT")
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.describe_player_sessions(PlayerSessionId="psess-00000000-0000-0000-0000-000000000000")
