"""sdk.gamelift_server.messages / correlation / errors: routing and correlating frames recorded in the shapes the
official SDKs exchange with the service (server-sdk.md §2.2-2.4)."""

from __future__ import annotations

import asyncio
import json

import pytest

from sdk.gamelift_server import errors, messages
from sdk.gamelift_server.correlation import PendingRequests, TimeoutCounter
from sdk.gamelift_server.messages import Action, Push, Reply, Unusable, classify, parse_push
from sdk.gamelift_server.models import (
    DescribePlayerSessionsRequest,
    GameSession,
    Player,
    PlayerSessionCreationPolicy,
    PlayerSessionStatus,
    StartMatchBackfillRequest,
    UpdateReason,
)

GSID = "arn:aws:gamelift:us-west-2::gamesession/fleet-1/custom-loc/gsess-1"

# --- frames as the service writes them ----------------------------------------------------------------------------

ACTIVATE_OK = '{"Action":"ActivateServerProcess","RequestId":"r1","StatusCode":200}'
ACCEPT_REFUSED = '{"Action":"AcceptPlayerSession","RequestId":"r4","StatusCode":400,"ErrorMessage":"psess unknown"}'
CREATE_GAME_SESSION = (
    '{"Action":"CreateGameSession","StatusCode":200,"GameSessionId":"' + GSID + '","GameSessionName":"g",'
    '"MaximumPlayerSessionCount":4,"IpAddress":"127.0.0.1","Port":7777,"DnsName":"","GameSessionData":"",'
    '"MatchmakerData":"","GameProperties":{"mode":"ffa"}}'
)
TERMINATE_PROCESS = '{"Action":"TerminateProcess","StatusCode":200,"TerminationTime":1767225600000}'
TERMINATE_PROCESS_NO_STATUS = '{"Action":"TerminateProcess","TerminationTime":1767225600000}'
REFRESH_CONNECTION = (
    '{"Action":"RefreshConnection","RefreshConnectionEndpoint":"wss://new.example/","AuthToken":"tok-2"}'
)
UPDATE_GAME_SESSION = json.dumps({
    "Action": "UpdateGameSession", "StatusCode": 200, "UpdateReason": "MATCHMAKING_DATA_UPDATED",
    "BackfillTicketId": "ticket-1",
    "GameSession": {"GameSessionId": GSID, "Name": "g", "FleetId": "fleet-1", "MaximumPlayerSessionCount": 4,
                    "Port": 7777, "IpAddress": "127.0.0.1", "GameSessionData": "", "MatchmakerData": "{}",
                    "GameProperties": {}, "DnsName": ""},
})


def test_success_reply_is_routed_by_request_id() -> None:
    inbound = classify(ACTIVATE_OK)
    assert isinstance(inbound, Reply)
    assert (inbound.request_id, inbound.action, inbound.ok) == ("r1", "ActivateServerProcess", True)


def test_error_reply_carries_status_and_message() -> None:
    inbound = classify(ACCEPT_REFUSED)
    assert isinstance(inbound, Reply)
    assert (inbound.ok, inbound.status_code, inbound.error_message) == (False, 400, "psess unknown")


@pytest.mark.parametrize("frame", [
    '{"Action":"DescribePlayerSessions","RequestId":"r5","PlayerSessions":[]}',  # StatusCode missing
    '{"Action":"DescribePlayerSessions","RequestId":"r5","StatusCode":null}',  # C#-style explicit null
    '{"Action":"DescribePlayerSessions","RequestId":"r5","StatusCode":"200"}',  # not an integer
])
def test_reply_without_integer_status_code_is_an_error(frame: str) -> None:
    inbound = classify(frame)
    assert isinstance(inbound, Reply) and not inbound.ok and inbound.status_code is None


@pytest.mark.parametrize("frame", [CREATE_GAME_SESSION, TERMINATE_PROCESS, TERMINATE_PROCESS_NO_STATUS,
                                   REFRESH_CONNECTION, UPDATE_GAME_SESSION])
def test_pushes_without_request_id_or_with_status_200_are_pushes(frame: str) -> None:
    assert isinstance(classify(frame), Push)


def test_push_with_request_id_and_no_status_goes_down_the_error_path_like_the_official_sdks() -> None:
    inbound = classify('{"Action":"CreateGameSession","RequestId":"x","GameSessionId":"g"}')
    assert isinstance(inbound, Reply) and not inbound.ok


def test_push_with_request_id_and_status_200_is_still_a_push() -> None:
    assert isinstance(classify('{"Action":"TerminateProcess","RequestId":"x","StatusCode":200}'), Push)


@pytest.mark.parametrize(("frame", "reason"), [
    (b'{"Action":"ActivateServerProcess"}', "binary"),
    ("not json", "not JSON"),
    ("[1,2]", "object"),
    ('{"Action":"SomethingNew","StatusCode":200}', "no RequestId"),
])
def test_unusable_frames_are_dropped(frame: str | bytes, reason: str) -> None:
    inbound = classify(frame)
    assert isinstance(inbound, Unusable) and reason in inbound.reason


def test_create_game_session_push_uses_game_session_name() -> None:
    push = parse_push(classify(CREATE_GAME_SESSION))  # type: ignore[arg-type]
    assert isinstance(push, messages.CreateGameSessionPush)
    session = push.game_session
    assert (session.game_session_id, session.name, session.maximum_player_session_count) == (GSID, "g", 4)
    assert (session.ip_address, session.port, session.game_properties) == ("127.0.0.1", 7777, {"mode": "ffa"})
    assert session.fleet_id == ""  # never on the wire: the SDK fills it in


def test_update_game_session_push_nests_the_session() -> None:
    push = parse_push(classify(UPDATE_GAME_SESSION))  # type: ignore[arg-type]
    assert isinstance(push, messages.UpdateGameSessionPush)
    assert push.update.update_reason is UpdateReason.MATCHMAKING_DATA_UPDATED
    assert push.update.backfill_ticket_id == "ticket-1"
    assert (push.update.game_session.name, push.update.game_session.fleet_id) == ("g", "fleet-1")


def test_unknown_update_reason_reads_as_unknown() -> None:
    frame = json.loads(UPDATE_GAME_SESSION) | {"UpdateReason": "SOMETHING_NEW"}
    push = parse_push(classify(json.dumps(frame)))  # type: ignore[arg-type]
    assert push.update.update_reason is UpdateReason.UNKNOWN  # type: ignore[union-attr]


def test_terminate_and_refresh_pushes() -> None:
    terminate = parse_push(classify(TERMINATE_PROCESS))  # type: ignore[arg-type]
    assert terminate == messages.TerminateProcessPush(1767225600000)
    refresh = parse_push(classify(REFRESH_CONNECTION))  # type: ignore[arg-type]
    assert refresh == messages.RefreshConnectionPush("wss://new.example/", "tok-2")


# --- what the SDK sends: the Go SDK's field names ----------------------------------------------------------------


def test_request_frames_have_action_request_id_and_flat_fields() -> None:
    frame = messages.request_frame(Action.ACTIVATE_SERVER_PROCESS, "r1",
                                   messages.activate_server_process("5.6.0", "Python", 7777, ["/local/game/logs"]))
    assert frame == {"Action": "ActivateServerProcess", "RequestId": "r1", "SdkVersion": "5.6.0",
                     "SdkLanguage": "Python", "Port": 7777, "LogPaths": ["/local/game/logs"]}
    with_tool = messages.activate_server_process("5.6.0", "Python", 1, [], "GameLiftPlugin", "2.0")
    assert (with_tool["SdkToolName"], with_tool["SdkToolVersion"]) == ("GameLiftPlugin", "2.0")


def test_small_request_bodies() -> None:
    assert messages.heartbeat_server_process(False) == {"HealthStatus": False}
    assert messages.activate_game_session(GSID) == {"GameSessionId": GSID}
    assert messages.player_session(GSID, "psess-1") == {"GameSessionId": GSID, "PlayerSessionId": "psess-1"}
    assert messages.update_player_session_creation_policy(GSID, PlayerSessionCreationPolicy.DENY_ALL) == {
        "GameSessionId": GSID, "PlayerSessionPolicy": "DENY_ALL"}


def test_describe_player_sessions_omits_unset_fields() -> None:
    request = DescribePlayerSessionsRequest(game_session_id=GSID,
                                            player_session_status_filter=PlayerSessionStatus.ACTIVE, limit=10)
    assert messages.describe_player_sessions(request) == {"GameSessionId": GSID, "PlayerSessionStatusFilter": "ACTIVE",
                                                          "Limit": 10}


def test_start_match_backfill_always_writes_ticket_id_and_players() -> None:
    request = StartMatchBackfillRequest(GSID, "arn:aws:gamelift:us-west-2:123456789012:matchmakingconfiguration/m",
                                        [Player("p1", team="red", latency_in_ms={"us-west-2": 20})])
    body = messages.start_match_backfill(request)
    assert body["TicketId"] == ""
    assert body["Players"] == [{"PlayerId": "p1", "Team": "red", "LatencyInMs": {"us-west-2": 20}}]


def test_reply_and_push_builders_match_the_recorded_shapes() -> None:
    request = {"Action": "AcceptPlayerSession", "RequestId": "r4", "GameSessionId": GSID}
    assert messages.reply_frame(request, 400, "psess unknown") == json.loads(ACCEPT_REFUSED)
    session = GameSession(GSID, name="g", maximum_player_session_count=4, ip_address="127.0.0.1", port=7777,
                          game_properties={"mode": "ffa"})
    assert messages.create_game_session_push(session) == json.loads(CREATE_GAME_SESSION)
    assert messages.terminate_process_push(1767225600000) == json.loads(TERMINATE_PROCESS)


# --- errors: the official status-code table ----------------------------------------------------------------------


@pytest.mark.parametrize(("status", "expected"), [
    (400, errors.BadRequestException), (401, errors.UnauthorizedException), (403, errors.ForbiddenException),
    (404, errors.NotFoundException), (409, errors.ConflictException), (429, errors.TooManyRequestsException),
    (418, errors.BadRequestException), (500, errors.InternalServiceException), (503, errors.InternalServiceException),
    (None, errors.InternalServiceException), (302, errors.InternalServiceException),
])
def test_status_code_mapping(status: int | None, expected: type[errors.GameLiftError]) -> None:
    error = errors.error_for_status(status, "why")
    assert type(error) is expected and error.message == "why" and error.status_code == status


def test_hierarchy_keeps_the_go_names_and_lets_go_style_callers_catch_connect_failures() -> None:
    assert issubclass(errors.WebsocketConnectFailureForbidden, errors.LocalConnectionFailed)
    assert errors.GamesessionIDNotSet is errors.GameSessionIdNotSet
    assert errors.GameSessionIdNotSet.error_type == "GamesessionIDNotSet"
    assert "[ProcessNotReady]" in str(errors.ProcessNotReady())


# --- correlation ---------------------------------------------------------------------------------------------------


def test_replies_reach_their_own_waiter_in_any_order() -> None:
    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        pending = PendingRequests()
        first, second = loop.create_future(), loop.create_future()
        pending.add("r1", "ActivateGameSession", first)
        pending.add("r2", "AcceptPlayerSession", second)
        assert pending.resolve(classify('{"Action":"AcceptPlayerSession","RequestId":"r2","StatusCode":404}'))
        assert pending.resolve(classify('{"Action":"ActivateGameSession","RequestId":"r1","StatusCode":200}'))
        assert (await first).ok
        with pytest.raises(errors.NotFoundException):
            await second
        assert len(pending) == 0
        assert not pending.resolve(classify(ACTIVATE_OK))  # late or unknown reply: nobody waits

    asyncio.run(scenario())


def test_duplicate_request_id_and_fail_all() -> None:
    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        pending = PendingRequests()
        waiter = loop.create_future()
        pending.add("r1", "X", waiter)
        with pytest.raises(errors.InternalServiceException):
            pending.add("r1", "X", loop.create_future())
        pending.fail_all(errors.GameLiftServerNotInitialized())
        with pytest.raises(errors.GameLiftServerNotInitialized):
            await waiter

    asyncio.run(scenario())


def test_two_consecutive_timeouts_without_inbound_traffic_mean_reconnect() -> None:
    counter = TimeoutCounter(2)
    assert not counter.timed_out()
    counter.inbound()
    assert not counter.timed_out()
    assert counter.timed_out()
    assert not counter.timed_out()  # counting starts afresh after a reconnect
