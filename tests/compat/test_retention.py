"""Retention of ended game sessions through boto3 (both wire protocols): 30 days for the session, 14 for its logs.

The model's ``GameSession`` documentation: "Amazon GameLift Servers retains a game session resource for 30 days
after the game session ends. You can reuse idempotency token values after this time. Game session logs are
retained for 14 days." Fleets run simulated processes; the manual clock walks the days.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from infra.emulator.launcher import EmulatorProcess
from tests.compat.test_game_sessions import active_session, fleet_with
from tests.support.raw_http import http_status

DAY = 24 * 3600.0
RETENTION = 30 * DAY
LOG_RETENTION = 14 * DAY


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return exc.value.response["Error"]["Code"]


def ended_session(gl, fresh: EmulatorProcess, fleet_id: str, **params) -> dict:
    """An ACTIVE session, force-terminated now: TERMINATED, with its TerminationTime the emulator's now."""
    session = active_session(gl, fresh, fleet_id, **params)
    gl.terminate_game_session(GameSessionId=session["GameSessionId"], TerminationMode="FORCE_TERMINATE")
    ended = gl.describe_game_sessions(GameSessionId=session["GameSessionId"])["GameSessions"][0]
    assert ended["Status"] == "TERMINATED"
    return ended


def described(gl, game_session_id: str) -> list[dict]:
    try:
        return gl.describe_game_sessions(GameSessionId=game_session_id)["GameSessions"]
    except gl.exceptions.NotFoundException:
        return []


def test_an_ended_session_is_kept_30_days_then_deleted(gl, fresh) -> None:
    fleet_id = fleet_with(gl, fresh)
    session = ended_session(gl, fresh, fleet_id)
    gsid = session["GameSessionId"]
    fresh.advance(RETENTION - 1)
    assert [s["Status"] for s in described(gl, gsid)] == ["TERMINATED"]
    assert gsid in [s["GameSessionId"] for s in gl.describe_game_sessions(FleetId=fleet_id)["GameSessions"]]
    assert [s["GameSessionId"] for s in gl.describe_game_sessions(FleetId=fleet_id, StatusFilter="TERMINATED")[
        "GameSessions"]] == [gsid]

    fresh.advance(1)
    # Gone as an id never used is: NotFoundException (what DescribeGameSessions answers for an unknown id).
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.describe_game_sessions(GameSessionId=gsid)
    assert gl.describe_game_sessions(FleetId=fleet_id)["GameSessions"] == []
    assert gl.describe_game_sessions(FleetId=fleet_id, StatusFilter="TERMINATED")["GameSessions"] == []
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.describe_game_session_details(GameSessionId=gsid)
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.get_game_session_log_url(GameSessionId=gsid)
    state = fresh.control("state")
    assert state["resources"]["game_sessions"] == 0


def test_its_player_sessions_go_with_it(gl, fresh) -> None:
    fleet_id = fleet_with(gl, fresh)
    session = active_session(gl, fresh, fleet_id)
    gsid = session["GameSessionId"]
    players = gl.create_player_sessions(GameSessionId=gsid, PlayerIds=["ana", "bo"])["PlayerSessions"]
    # bo also plays in a session that stays: only the ended session's seats go.
    other = active_session(gl, fresh, fleet_id)
    kept = gl.create_player_session(GameSessionId=other["GameSessionId"], PlayerId="bo")["PlayerSession"]
    # Ask by player once before the end, so the by-player listing is live when the purge comes.
    assert len(gl.describe_player_sessions(PlayerId="bo")["PlayerSessions"]) == 2
    gl.terminate_game_session(GameSessionId=gsid, TerminationMode="FORCE_TERMINATE")

    fresh.advance(RETENTION - 1)
    listed = gl.describe_player_sessions(GameSessionId=gsid)["PlayerSessions"]
    assert sorted(p["PlayerId"] for p in listed) == ["ana", "bo"]
    assert {p["Status"] for p in listed} == {"TIMEDOUT"}

    fresh.advance(1)
    for player in players:
        with pytest.raises(gl.exceptions.NotFoundException):
            gl.describe_player_sessions(PlayerSessionId=player["PlayerSessionId"])
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.describe_player_sessions(GameSessionId=gsid)
    assert gl.describe_player_sessions(PlayerId="ana")["PlayerSessions"] == []
    assert [p["PlayerSessionId"] for p in gl.describe_player_sessions(PlayerId="bo")["PlayerSessions"]] == [
        kept["PlayerSessionId"]
    ]
    assert gl.describe_player_sessions(GameSessionId=other["GameSessionId"])["PlayerSessions"][0]["PlayerId"] == "bo"


def test_its_idempotency_token_is_reusable_only_after_the_retention(gl, fresh) -> None:
    fleet_id = fleet_with(gl, fresh)
    session = ended_session(gl, fresh, fleet_id, IdempotencyToken="match-42", MaximumPlayerSessionCount=4)
    gsid = session["GameSessionId"]
    assert gsid.endswith(f"/{fleet_id}/match-42")
    fresh.advance(RETENTION - 1)
    # Within the retention the token still names the ended session: a retry gets it back, as it is now ...
    again = gl.create_game_session(FleetId=fleet_id, IdempotencyToken="match-42", MaximumPlayerSessionCount=4)
    assert (again["GameSession"]["GameSessionId"], again["GameSession"]["Status"]) == (gsid, "TERMINATED")
    # ... and other parameters under it are refused.
    with pytest.raises(gl.exceptions.IdempotentParameterMismatchException):
        gl.create_game_session(FleetId=fleet_id, IdempotencyToken="match-42", MaximumPlayerSessionCount=6)

    fresh.advance(1)
    reused = gl.create_game_session(FleetId=fleet_id, IdempotencyToken="match-42", MaximumPlayerSessionCount=6)
    created = reused["GameSession"]
    assert created["GameSessionId"] == gsid  # the token is in the id: the same ARN, a new session
    assert created["Status"] in ("ACTIVATING", "ACTIVE") and created["MaximumPlayerSessionCount"] == 6
    assert created["CreationTime"] > session["CreationTime"]
    fresh.advance(0)
    assert [(s["Status"], s["MaximumPlayerSessionCount"]) for s in described(gl, gsid)] == [("ACTIVE", 6)]
    assert len(gl.describe_game_sessions(FleetId=fleet_id)["GameSessions"]) == 1


def test_a_live_session_is_never_deleted(gl, fresh) -> None:
    fleet_id = fleet_with(gl, fresh)
    live = active_session(gl, fresh, fleet_id, IdempotencyToken="still-playing")
    gl.create_player_session(GameSessionId=live["GameSessionId"], PlayerId="ana")
    ended = ended_session(gl, fresh, fleet_id)
    fresh.advance(3 * RETENTION)
    assert described(gl, ended["GameSessionId"]) == []
    assert [s["Status"] for s in described(gl, live["GameSessionId"])] == ["ACTIVE"]
    assert [s["GameSessionId"] for s in gl.describe_game_sessions(FleetId=fleet_id)["GameSessions"]] == [
        live["GameSessionId"]
    ]
    assert len(gl.describe_player_sessions(GameSessionId=live["GameSessionId"])["PlayerSessions"]) == 1
    assert len(gl.search_game_sessions(FleetId=fleet_id)["GameSessions"]) == 1
    # Its token still names it.
    again = gl.create_game_session(FleetId=fleet_id, IdempotencyToken="still-playing", MaximumPlayerSessionCount=4)
    assert again["GameSession"]["GameSessionId"] == live["GameSessionId"]
    utilization = gl.describe_fleet_utilization(FleetIds=[fleet_id])["FleetUtilization"][0]
    assert (utilization["ActiveGameSessionCount"], utilization["CurrentPlayerSessionCount"]) == (1, 0)


def test_sessions_that_end_at_different_times_go_at_different_times(gl, fresh) -> None:
    fleet_id = fleet_with(gl, fresh, processes=3)
    first = ended_session(gl, fresh, fleet_id)
    fresh.advance(10 * DAY)
    second = ended_session(gl, fresh, fleet_id)
    fresh.advance(RETENTION - 10 * DAY)
    assert described(gl, first["GameSessionId"]) == []
    assert len(described(gl, second["GameSessionId"])) == 1
    fresh.advance(10 * DAY - 1)
    assert len(described(gl, second["GameSessionId"])) == 1
    fresh.advance(1)
    assert described(gl, second["GameSessionId"]) == []


def test_the_creator_limit_window_outlives_the_session(gl, fresh) -> None:
    """The per-creator count is of creations within PolicyPeriodInMinutes, whether or not the session is kept."""
    policy = {"NewGameSessionsPerCreator": 1, "PolicyPeriodInMinutes": 40 * 24 * 60}
    fleet_id = fleet_with(gl, fresh, ResourceCreationLimitPolicy=policy)
    session = ended_session(gl, fresh, fleet_id, CreatorId="alice")
    fresh.advance(RETENTION)
    assert described(gl, session["GameSessionId"]) == []
    with pytest.raises(gl.exceptions.LimitExceededException):
        gl.create_game_session(FleetId=fleet_id, MaximumPlayerSessionCount=2, CreatorId="alice")
    fresh.advance(10 * DAY)
    created = gl.create_game_session(FleetId=fleet_id, MaximumPlayerSessionCount=2, CreatorId="alice")
    assert created["GameSession"]["CreatorId"] == "alice"


# -- logs ------------------------------------------------------------------------------------------------------


def plant_log(fresh: EmulatorProcess, game_session_id: str) -> Path:
    """A zip where the launcher leaves a real process's logs (simulated processes leave none)."""
    key = game_session_id.split(":gamesession/", 1)[1]
    target = Path(fresh.workdir) / "data" / "logs" / "game-sessions" / f"{key}.zip"
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("stdout.log", "hello from the server\n")
    return target


def test_logs_are_kept_14_days(gl, fresh) -> None:
    fleet_id = fleet_with(gl, fresh)
    session = ended_session(gl, fresh, fleet_id)
    gsid = session["GameSessionId"]
    zipped = plant_log(fresh, gsid)
    fresh.advance(LOG_RETENTION - 1)
    url = gl.get_game_session_log_url(GameSessionId=gsid)["PreSignedUrl"]
    assert http_status(url) == 200

    fresh.advance(1)
    # UNCONFIRMED (the docs only say the logs are kept 14 days): NotFoundException afterwards.
    with pytest.raises(ClientError) as gone:
        gl.get_game_session_log_url(GameSessionId=gsid)
    assert code(gone) == "NotFoundException"
    assert http_status(url) == 404
    assert not zipped.exists() and not zipped.parent.exists()
    # The session itself is still described until its own 30 days are up.
    assert [s["Status"] for s in described(gl, gsid)] == ["TERMINATED"]
