"""Game sessions through boto3 (both wire protocols): create, describe, search, update, terminate, logs.

Fleets run simulated server processes, which activate a game session on the
scheduler's next tick: ``fresh.advance(0)`` before expecting ACTIVE.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from infra.emulator.launcher import EmulatorProcess
from tests.support.fleets import SERVER_PORTS, active_fleet

MISSING_FLEET = "fleet-00000000-0000-0000-0000-000000000000"
WIDE_PORTS = {**SERVER_PORTS, "ToPort": 33630}


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return exc.value.response["Error"]["Code"]


def fleet_with(gl, fresh: EmulatorProcess, processes: int = 2, **overrides) -> str:
    runtime = {"ServerProcesses": [{"LaunchPath": "/local/game/server", "ConcurrentExecutions": processes}]}
    return active_fleet(gl, fresh, RuntimeConfiguration=runtime, EC2InboundPermissions=[WIDE_PORTS], **overrides)


def active_session(gl, fresh: EmulatorProcess, fleet_id: str, **params) -> dict:
    params.setdefault("MaximumPlayerSessionCount", 4)
    created = gl.create_game_session(FleetId=fleet_id, **params)["GameSession"]
    fresh.advance(0)
    described = gl.describe_game_sessions(GameSessionId=created["GameSessionId"])["GameSessions"][0]
    assert described["Status"] == "ACTIVE"
    return described


# -- CreateGameSession ------------------------------------------------------------------


def test_create_game_session_places_it_on_a_process(gl, fresh) -> None:
    fleet_id = fleet_with(gl, fresh)
    created = gl.create_game_session(
        FleetId=fleet_id,
        MaximumPlayerSessionCount=8,
        Name="arena",
        GameProperties=[{"Key": "mode", "Value": "ffa"}],
        GameSessionData="map=dunes",
        CreatorId="alice",
    )["GameSession"]
    assert created["GameSessionId"].startswith(f"arn:aws:gamelift:us-west-2::gamesession/{fleet_id}/gsess-")
    assert created["Status"] in ("ACTIVATING", "ACTIVE")
    assert created["FleetId"] == fleet_id and created["FleetArn"].endswith(f":fleet/{fleet_id}")
    assert created["IpAddress"] and created["Port"] and created["ComputeName"].startswith("i-")
    assert (created["MaximumPlayerSessionCount"], created["CurrentPlayerSessionCount"]) == (8, 0)
    assert created["GameProperties"] == [{"Key": "mode", "Value": "ffa"}]
    assert (created["GameSessionData"], created["CreatorId"], created["Location"]) == (
        "map=dunes",
        "alice",
        "us-west-2",
    )
    assert created["PlayerSessionCreationPolicy"] == "ACCEPT_ALL"
    fresh.advance(0)
    described = gl.describe_game_sessions(GameSessionId=created["GameSessionId"])["GameSessions"]
    assert [s["Status"] for s in described] == ["ACTIVE"]
    assert described[0]["CreationTime"] == created["CreationTime"]
    utilization = gl.describe_fleet_utilization(FleetIds=[fleet_id])["FleetUtilization"][0]
    assert (utilization["ActiveGameSessionCount"], utilization["MaximumPlayerSessionCount"]) == (1, 8)


def test_create_game_session_refusals(gl, fresh) -> None:
    fleet_id = fleet_with(gl, fresh)
    with pytest.raises(ClientError) as missing:
        gl.create_game_session(FleetId=MISSING_FLEET, MaximumPlayerSessionCount=2)
    assert code(missing) == "NotFoundException"
    with pytest.raises(gl.exceptions.InvalidRequestException):
        gl.create_game_session(MaximumPlayerSessionCount=2)
    with pytest.raises(gl.exceptions.InvalidRequestException):
        gl.create_game_session(FleetId=fleet_id, MaximumPlayerSessionCount=2, Location="ap-south-1")
    with pytest.raises(gl.exceptions.InvalidRequestException):
        gl.create_game_session(FleetId=fleet_id, MaximumPlayerSessionCount=201)
    assert gl.describe_game_sessions(FleetId=fleet_id)["GameSessions"] == []


def test_fleet_must_be_active(gl, fresh) -> None:
    fleet_with(gl, fresh)
    build_id = gl.list_builds()["Builds"][0]["BuildId"]
    runtime = {"ServerProcesses": [{"LaunchPath": "/local/game/server", "ConcurrentExecutions": 1}]}
    new = gl.create_fleet(Name="young", BuildId=build_id, EC2InstanceType="c5.large", RuntimeConfiguration=runtime)
    with pytest.raises(gl.exceptions.InvalidFleetStatusException):
        gl.create_game_session(FleetId=new["FleetAttributes"]["FleetId"], MaximumPlayerSessionCount=2)


def test_no_idle_process_is_fleet_capacity_exceeded(gl, fresh) -> None:
    fleet_id = fleet_with(gl, fresh, processes=2)
    for _ in range(2):
        gl.create_game_session(FleetId=fleet_id, MaximumPlayerSessionCount=2)
    with pytest.raises(gl.exceptions.FleetCapacityExceededException):
        gl.create_game_session(FleetId=fleet_id, MaximumPlayerSessionCount=2)


def test_alias_routing(gl, fresh) -> None:
    fleet_id = fleet_with(gl, fresh)
    alias = gl.create_alias(Name="live", RoutingStrategy={"Type": "SIMPLE", "FleetId": fleet_id})["Alias"]
    created = gl.create_game_session(AliasId=alias["AliasId"], MaximumPlayerSessionCount=2)["GameSession"]
    assert created["FleetId"] == fleet_id
    fresh.advance(0)
    assert len(gl.describe_game_sessions(AliasId=alias["AliasArn"])["GameSessions"]) == 1
    assert len(gl.search_game_sessions(AliasId=alias["AliasId"])["GameSessions"]) == 1
    retired = gl.create_alias(Name="old", RoutingStrategy={"Type": "TERMINAL", "Message": "update your game"})["Alias"]
    with pytest.raises(gl.exceptions.TerminalRoutingStrategyException) as terminal:
        gl.create_game_session(AliasId=retired["AliasId"], MaximumPlayerSessionCount=2)
    assert "update your game" in terminal.value.response["Error"]["Message"]
    with pytest.raises(gl.exceptions.TerminalRoutingStrategyException):
        gl.search_game_sessions(AliasId=retired["AliasId"])
    with pytest.raises(gl.exceptions.InvalidRequestException):
        gl.create_game_session(FleetId=fleet_id, AliasId=alias["AliasId"], MaximumPlayerSessionCount=2)


def test_idempotency_token(gl, fresh) -> None:
    fleet_id = fleet_with(gl, fresh)
    first = gl.create_game_session(FleetId=fleet_id, MaximumPlayerSessionCount=2, IdempotencyToken="match-7")
    session_id = first["GameSession"]["GameSessionId"]
    assert session_id == f"arn:aws:gamelift:us-west-2::gamesession/{fleet_id}/match-7"
    fresh.advance(0)
    again = gl.create_game_session(FleetId=fleet_id, MaximumPlayerSessionCount=2, IdempotencyToken="match-7")
    # The same session, with its current status.
    assert (again["GameSession"]["GameSessionId"], again["GameSession"]["Status"]) == (session_id, "ACTIVE")
    with pytest.raises(gl.exceptions.IdempotentParameterMismatchException):
        gl.create_game_session(FleetId=fleet_id, MaximumPlayerSessionCount=3, IdempotencyToken="match-7")
    assert len(gl.describe_game_sessions(FleetId=fleet_id)["GameSessions"]) == 1


def test_resource_creation_limit_policy(gl, fresh) -> None:
    policy = {"NewGameSessionsPerCreator": 1, "PolicyPeriodInMinutes": 2}
    fleet_id = fleet_with(gl, fresh, processes=3, ResourceCreationLimitPolicy=policy)
    gl.create_game_session(FleetId=fleet_id, MaximumPlayerSessionCount=2, CreatorId="alice")
    with pytest.raises(gl.exceptions.LimitExceededException):
        gl.create_game_session(FleetId=fleet_id, MaximumPlayerSessionCount=2, CreatorId="alice")
    gl.create_game_session(FleetId=fleet_id, MaximumPlayerSessionCount=2, CreatorId="bob")
    with pytest.raises(gl.exceptions.InvalidRequestException):
        gl.create_game_session(FleetId=fleet_id, MaximumPlayerSessionCount=2)
    fresh.advance(120)
    gl.create_game_session(FleetId=fleet_id, MaximumPlayerSessionCount=2, CreatorId="alice")


# -- Describe ------------------------------------------------------------------------------


def test_describe_game_sessions_filters_and_pages(gl, fresh) -> None:
    fleet_id = fleet_with(gl, fresh, processes=3)
    sessions = [active_session(gl, fresh, fleet_id, Name=f"s{i}") for i in range(3)]
    gl.terminate_game_session(GameSessionId=sessions[0]["GameSessionId"], TerminationMode="FORCE_TERMINATE")
    page = gl.describe_game_sessions(FleetId=fleet_id, Limit=2)
    assert [s["Name"] for s in page["GameSessions"]] == ["s0", "s1"]
    rest = gl.describe_game_sessions(FleetId=fleet_id, Limit=2, NextToken=page["NextToken"])
    assert [s["Name"] for s in rest["GameSessions"]] == ["s2"] and "NextToken" not in rest
    active = gl.describe_game_sessions(FleetId=fleet_id, StatusFilter="ACTIVE")["GameSessions"]
    assert sorted(s["Name"] for s in active) == ["s1", "s2"]
    ended = gl.describe_game_sessions(FleetId=fleet_id, StatusFilter="TERMINATED", Location="us-west-2")
    assert [s["Name"] for s in ended["GameSessions"]] == ["s0"]
    with pytest.raises(gl.exceptions.InvalidRequestException):
        gl.describe_game_sessions(FleetId=fleet_id, StatusFilter="RUNNING")
    with pytest.raises(gl.exceptions.InvalidRequestException):
        gl.describe_game_sessions()
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.describe_game_sessions(GameSessionId=sessions[0]["GameSessionId"] + "0")
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.describe_game_sessions(FleetId=MISSING_FLEET)


def test_describe_game_session_details(gl, fresh) -> None:
    fleet_id = fleet_with(gl, fresh, NewGameSessionProtectionPolicy="FullProtection")
    session = active_session(gl, fresh, fleet_id)
    details = gl.describe_game_session_details(FleetId=fleet_id)["GameSessionDetails"]
    assert details == [{"GameSession": session, "ProtectionPolicy": "FullProtection"}]
    gl.update_game_session(GameSessionId=session["GameSessionId"], ProtectionPolicy="NoProtection")
    one = gl.describe_game_session_details(GameSessionId=session["GameSessionId"], StatusFilter="ACTIVE")
    assert one["GameSessionDetails"][0]["ProtectionPolicy"] == "NoProtection"
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.describe_game_session_details(FleetId=MISSING_FLEET)


# -- Search ----------------------------------------------------------------------------------


def test_search_game_sessions(gl, fresh) -> None:
    fleet_id = fleet_with(gl, fresh, processes=5)
    specs = [("alpha", "ffa", 2), ("bravo", "ctf", 4), ("charlie", "ffa", 6), ("delta", "ffa", 8)]
    made = {}
    for name, mode, maximum in specs:
        made[name] = active_session(
            gl,
            fresh,
            fleet_id,
            Name=name,
            MaximumPlayerSessionCount=maximum,
            GameProperties=[{"Key": "mode", "Value": mode}],
        )
        fresh.advance(1)
    gl.terminate_game_session(GameSessionId=made["delta"]["GameSessionId"], TerminationMode="FORCE_TERMINATE")
    found = gl.search_game_sessions(
        FleetId=fleet_id, FilterExpression="gameSessionProperties.mode = 'ffa'", SortExpression="maximumSessions DESC"
    )["GameSessions"]
    # Only ACTIVE sessions are searched: delta has ended.
    assert [s["Name"] for s in found] == ["charlie", "alpha"]
    gl.create_player_sessions(GameSessionId=made["alpha"]["GameSessionId"], PlayerIds=["p1", "p2"])
    open_ = gl.search_game_sessions(
        FleetId=fleet_id,
        Location="us-west-2",
        FilterExpression="hasAvailablePlayerSessions = true AND playerSessionCount = 0",
        SortExpression="creationTimeMillis ASC",
    )["GameSessions"]
    assert [s["Name"] for s in open_] == ["bravo", "charlie"]
    named = gl.search_game_sessions(FleetId=fleet_id, FilterExpression="gameSessionName <> 'bravo'")["GameSessions"]
    assert sorted(s["Name"] for s in named) == ["alpha", "charlie"]


def test_search_rejects_bad_expressions(gl, fresh) -> None:
    fleet_id = fleet_with(gl, fresh)
    with pytest.raises(gl.exceptions.InvalidRequestException) as bad_filter:
        gl.search_game_sessions(FleetId=fleet_id, FilterExpression="gameSessionName < 'b'")
    assert "FilterExpression" in bad_filter.value.response["Error"]["Message"]
    with pytest.raises(gl.exceptions.InvalidRequestException):
        gl.search_game_sessions(FleetId=fleet_id, SortExpression="playerSessionCount")
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.search_game_sessions(FleetId=MISSING_FLEET)


def test_search_returns_at_most_20_per_page(gl, fresh) -> None:
    fleet_id = fleet_with(gl, fresh, processes=22)
    for _ in range(22):
        gl.create_game_session(FleetId=fleet_id, MaximumPlayerSessionCount=2)
    fresh.advance(0)
    first = gl.search_game_sessions(FleetId=fleet_id, Limit=50)
    assert len(first["GameSessions"]) == 20
    second = gl.search_game_sessions(FleetId=fleet_id, Limit=50, NextToken=first["NextToken"])
    assert len(second["GameSessions"]) == 2 and "NextToken" not in second
    ids = {s["GameSessionId"] for s in first["GameSessions"] + second["GameSessions"]}
    assert len(ids) == 22


# -- Update ------------------------------------------------------------------------------------


def test_update_game_session(gl, fresh) -> None:
    fleet_id = fleet_with(gl, fresh)
    session = active_session(gl, fresh, fleet_id, GameProperties=[{"Key": "mode", "Value": "ffa"}])
    updated = gl.update_game_session(
        GameSessionId=session["GameSessionId"],
        Name="renamed",
        MaximumPlayerSessionCount=10,
        PlayerSessionCreationPolicy="DENY_ALL",
        GameProperties=[{"Key": "round", "Value": "2"}, {"Key": "mode", "Value": "ctf"}],
    )["GameSession"]
    assert (updated["Name"], updated["MaximumPlayerSessionCount"]) == ("renamed", 10)
    assert updated["PlayerSessionCreationPolicy"] == "DENY_ALL"
    # Properties are added and changed, never removed.
    assert updated["GameProperties"] == [{"Key": "mode", "Value": "ctf"}, {"Key": "round", "Value": "2"}]
    too_many = [{"Key": f"k{i}", "Value": "v"} for i in range(15)]
    with pytest.raises(gl.exceptions.InvalidRequestException):
        gl.update_game_session(GameSessionId=session["GameSessionId"], GameProperties=too_many)
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.update_game_session(GameSessionId=session["GameSessionId"] + "0", Name="x")
    gl.terminate_game_session(GameSessionId=session["GameSessionId"], TerminationMode="FORCE_TERMINATE")
    with pytest.raises(gl.exceptions.InvalidGameSessionStatusException):
        gl.update_game_session(GameSessionId=session["GameSessionId"], Name="late")


# -- Terminate ----------------------------------------------------------------------------------


def test_terminate_trigger_on_process_terminate(gl, fresh) -> None:
    fleet_id = fleet_with(gl, fresh)
    session = active_session(gl, fresh, fleet_id)
    ending = gl.terminate_game_session(
        GameSessionId=session["GameSessionId"], TerminationMode="TRIGGER_ON_PROCESS_TERMINATE"
    )["GameSession"]
    assert ending["Status"] in ("TERMINATING", "TERMINATED")
    fresh.advance(0)  # the process ends, as OnProcessTerminate asks it to
    ended = gl.describe_game_sessions(GameSessionId=session["GameSessionId"])["GameSessions"][0]
    assert (ended["Status"], ended["StatusReason"]) == ("TERMINATED", "TRIGGERED_ON_PROCESS_TERMINATE")
    assert ended["TerminationTime"] >= ended["CreationTime"]
    with pytest.raises(gl.exceptions.InvalidGameSessionStatusException):
        gl.terminate_game_session(GameSessionId=session["GameSessionId"], TerminationMode="FORCE_TERMINATE")


def test_terminate_force(gl, fresh) -> None:
    fleet_id = fleet_with(gl, fresh, processes=1)
    session = active_session(gl, fresh, fleet_id)
    ended = gl.terminate_game_session(GameSessionId=session["GameSessionId"], TerminationMode="FORCE_TERMINATE")
    assert (ended["GameSession"]["Status"], ended["GameSession"]["StatusReason"]) == ("TERMINATED", "FORCE_TERMINATED")
    assert gl.describe_fleet_utilization(FleetIds=[fleet_id])["FleetUtilization"][0]["ActiveGameSessionCount"] == 0
    # The fleet replaces the killed process, so the fleet takes a new session.
    fresh.advance(5)
    active_session(gl, fresh, fleet_id)
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.terminate_game_session(GameSessionId=session["GameSessionId"] + "0", TerminationMode="FORCE_TERMINATE")


# -- Logs ---------------------------------------------------------------------------------------------


def test_game_session_log_url(gl, fresh) -> None:
    fleet_id = fleet_with(gl, fresh)
    session = active_session(gl, fresh, fleet_id)
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.get_game_session_log_url(GameSessionId=session["GameSessionId"])
    gl.terminate_game_session(GameSessionId=session["GameSessionId"], TerminationMode="FORCE_TERMINATE")
    url = gl.get_game_session_log_url(GameSessionId=session["GameSessionId"])["PreSignedUrl"]
    key = session["GameSessionId"].split(":gamesession/", 1)[1]
    assert url == f"{fresh.url}/_emulator/logs/game-sessions/{key}"
    fresh.advance(15 * 24 * 3600)
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.get_game_session_log_url(GameSessionId=session["GameSessionId"])
