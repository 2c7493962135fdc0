"""sdk.gamelift_server.models: wire names, and tolerance for how the Go, C++ and C# SDKs serialise the same shapes
(Go omits empty fields, C++ omits empty strings and non-positive numbers, C# writes explicit nulls and LatencyInMS)."""

from __future__ import annotations

import json

import pytest

from sdk.gamelift_server.models import (
    AttributeValue,
    AttrType,
    BackfillMode,
    DescribePlayerSessionsRequest,
    DescribePlayerSessionsResult,
    GameSession,
    GetFleetRoleCredentialsResult,
    MatchmakerData,
    Player,
    PlayerSession,
    PlayerSessionStatus,
    StartMatchBackfillRequest,
    StopMatchBackfillRequest,
)

CONFIG_ARN = "arn:aws:gamelift:us-west-2:123456789012:matchmakingconfiguration/duel"
GSID = "arn:aws:gamelift:us-west-2::gamesession/fleet-1/gsess-1"

# StartMatchBackfill as each official SDK writes it (what the emulator's endpoint will read with these models).
BACKFILL_GO = {
    "Action": "StartMatchBackfill", "RequestId": "r1", "GameSessionArn": GSID,
    "MatchmakingConfigurationArn": CONFIG_ARN,
    "TicketId": "", "Players": [{"PlayerId": "p1", "Team": "red",
                                 "PlayerAttributes": {"skill": {"AttrType": "DOUBLE", "N": 23}},
                                 "LatencyInMs": {"us-west-2": 20}}],
}
BACKFILL_CSHARP = {
    "Action": "StartMatchBackfill", "RequestId": "r1", "GameSessionArn": GSID,
    "MatchmakingConfigurationArn": CONFIG_ARN,
    "TicketId": None, "Players": [{"PlayerId": "p1", "Team": "red",
                                   "PlayerAttributes": {"skill": {"AttrType": "DOUBLE", "N": 23.0, "S": None,
                                                                  "SL": None, "SDM": None}},
                                   "LatencyInMS": {"us-west-2": 20}}],
}
BACKFILL_CPP = {  # C++ drops empty strings, so no TicketId at all
    "Action": "StartMatchBackfill", "RequestId": "r1", "GameSessionArn": GSID,
    "MatchmakingConfigurationArn": CONFIG_ARN,
    "Players": [{"PlayerId": "p1", "Team": "red", "PlayerAttributes": {"skill": {"AttrType": "DOUBLE", "N": 23.0}},
                 "LatencyInMs": {"us-west-2": 20}}],
}


@pytest.mark.parametrize("frame", [BACKFILL_GO, BACKFILL_CSHARP, BACKFILL_CPP], ids=["go", "csharp", "cpp"])
def test_start_match_backfill_reads_every_sdks_spelling(frame: dict) -> None:
    request = StartMatchBackfillRequest.from_wire(frame)
    assert request.ticket_id is None
    assert request.players == [Player("p1", "red", {"skill": AttributeValue.double(23)}, {"us-west-2": 20})]


def test_start_match_backfill_round_trips() -> None:
    request = StartMatchBackfillRequest.from_wire(BACKFILL_GO)
    assert StartMatchBackfillRequest.from_wire(request.to_wire()) == request


def test_game_session_with_nulls_and_missing_fields() -> None:
    session = GameSession.from_wire({"GameSessionId": GSID, "Name": None, "Port": None, "GameProperties": None,
                                     "Status": "ACTIVATING"})
    assert (session.name, session.port, session.game_properties, session.status.value) == ("", 0, {}, "ACTIVATING")
    assert GameSession.from_wire(session.to_wire()) == session


def test_player_session_times_are_epoch_milliseconds_and_zero_means_unset() -> None:
    wire = {"PlayerSessionId": "psess-1", "PlayerId": "p1", "GameSessionId": GSID, "FleetId": "fleet-1",
            "Status": "ACTIVE", "CreationTime": 1767225600123, "TerminationTime": 0, "Port": 7777}
    session = PlayerSession.from_wire(wire)
    assert session.status is PlayerSessionStatus.ACTIVE
    assert (session.creation_time_ms, session.termination_time_ms) == (1767225600123, None)
    assert "TerminationTime" not in session.to_wire()


def test_describe_player_sessions_result_and_request() -> None:
    result = DescribePlayerSessionsResult.from_wire(
        {"StatusCode": 200, "NextToken": "n2", "PlayerSessions": [{"PlayerSessionId": "psess-1"}, None]})
    assert result.next_token == "n2" and [p.player_session_id for p in result.player_sessions] == ["psess-1"]
    request = DescribePlayerSessionsRequest.from_wire({"GameSessionId": GSID, "PlayerId": None, "Limit": 0})
    assert request == DescribePlayerSessionsRequest(game_session_id=GSID)


@pytest.mark.parametrize(("wire", "expected"), [
    ({"AttrType": "STRING", "S": "gold"}, AttributeValue.string("gold")),
    ({"AttrType": "double", "N": 1}, AttributeValue.double(1.0)),
    ({"AttrType": "STRING_LIST", "SL": ["a", "b"]}, AttributeValue.string_list(["a", "b"])),
    ({"AttrType": "STRING_DOUBLE_MAP", "SDM": {"x": 1}}, AttributeValue.string_double_map({"x": 1.0})),
    ({"S": "inferred"}, AttributeValue.string("inferred")),
    ({}, AttributeValue()),
])
def test_attribute_values(wire: dict, expected: AttributeValue) -> None:
    value = AttributeValue.from_wire(wire)
    assert value == expected
    assert AttributeValue.from_wire(value.to_wire()) == value


def test_a_double_of_zero_is_written_unlike_gos_omitempty() -> None:
    assert AttributeValue.double(0).to_wire() == {"AttrType": "DOUBLE", "N": 0.0}


MATCHMAKER_DATA = json.dumps({
    "matchId": "m-1", "matchmakingConfigurationArn": CONFIG_ARN, "autoBackfillMode": "AUTOMATIC",
    "autoBackfillTicketId": "t-1",
    "teams": [
        {"name": "red", "players": [{"playerId": "p1", "attributes": {
            "skill": {"attributeType": "DOUBLE", "valueAttribute": 23},
            "tier": {"attributeType": "STRING", "valueAttribute": "gold"}}}]},
        {"name": "blue", "players": [{"playerId": "p2", "attributes": {
            "maps": {"attributeType": "STRING_LIST", "valueAttribute": ["a", "b"]},
            "weights": {"attributeType": "STRING_DOUBLE_MAP", "valueAttribute": {"x": 0.5}}}}]},
    ],
})


def test_matchmaker_data_flattens_teams_into_players_ready_for_backfill() -> None:
    data = MatchmakerData.parse(MATCHMAKER_DATA)
    assert (data.match_id, data.auto_backfill_mode, data.auto_backfill_ticket_id) == ("m-1", BackfillMode.AUTOMATIC,
                                                                                      "t-1")
    red, blue = data.players
    assert (red.player_id, red.team, blue.team) == ("p1", "red", "blue")
    assert red.player_attributes == {"skill": AttributeValue.double(23), "tier": AttributeValue.string("gold")}
    assert blue.player_attributes["maps"].attr_type is AttrType.STRING_LIST
    assert blue.player_attributes["weights"].value == {"x": 0.5}
    assert MatchmakerData.parse(data.to_json()) == data
    session = GameSession(GSID, matchmaker_data=MATCHMAKER_DATA)
    assert session.parsed_matchmaker_data() == data
    assert GameSession(GSID).parsed_matchmaker_data() is None


def test_malformed_matchmaker_data_raises_value_error() -> None:
    with pytest.raises(ValueError):
        MatchmakerData.parse("[]")
    assert MatchmakerData.parse("") == MatchmakerData()


def test_stop_backfill_and_role_credentials() -> None:
    stop = StopMatchBackfillRequest(GSID, CONFIG_ARN, "t-1")
    assert stop.to_wire() == {"GameSessionArn": GSID, "MatchmakingConfigurationArn": CONFIG_ARN, "TicketId": "t-1"}
    creds = GetFleetRoleCredentialsResult.from_wire({"AccessKeyId": "AK", "Expiration": 1767225600000,
                                                     "SessionToken": None})
    assert (creds.access_key_id, creds.expiration_ms, creds.session_token) == ("AK", 1767225600000, "")
