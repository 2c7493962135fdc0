"""sdk.gamelift_server.validation: the official patterns, limits and messages, checked before anything is sent."""

from __future__ import annotations

import re

import pytest

from sdk.gamelift_server.errors import ValidationException
from sdk.gamelift_server.models import (
    DescribePlayerSessionsRequest,
    GetFleetRoleCredentialsRequest,
    Player,
    StartMatchBackfillRequest,
    StopMatchBackfillRequest,
)
from sdk.gamelift_server.parameters import ProcessParameters, ServerParameters
from sdk.gamelift_server.validation import (
    default_role_session_name,
    validate_describe_player_sessions_request,
    validate_get_fleet_role_credentials_request,
    validate_player_session_creation_policy,
    validate_player_session_id,
    validate_process_parameters,
    validate_server_parameters,
    validate_start_match_backfill_request,
    validate_stop_match_backfill_request,
)

CONFIG_ARN = "arn:aws:gamelift:us-west-2:123456789012:matchmakingconfiguration/duel"
GSID = "arn:aws:gamelift:us-west-2::gamesession/fleet-1/gsess-1"
TOKEN_PARAMS = ServerParameters(web_socket_url="wss://x/", process_id="p-1", host_id="DevLaptop", fleet_id="fleet-1",
                                auth_token="tok")


def test_token_parameters_pass() -> None:
    validate_server_parameters(TOKEN_PARAMS)


@pytest.mark.parametrize(("changes", "message"), [
    ({"auth_token": ""}, "Either AuthToken or AwsRegion and AwsCredentials are required"),
    ({"aws_region": "us-west-2"}, "Only one of"),
    ({"web_socket_url": ""}, "WebSocketURL is required."),
    ({"process_id": ""}, "ProcessID is required."),
    ({"fleet_id": "fleet_1"}, "FleetID is invalid. Must match the pattern"),
    ({"fleet_id": "f" * 257}, "Length must be between 1 and 256"),
    ({"host_id": "a/b/c"}, "HostID is invalid"),
    ({"host_id": ""}, "HostID is required."),
])
def test_bad_server_parameters(changes: dict, message: str) -> None:
    params = ServerParameters(**{**TOKEN_PARAMS.__dict__, **changes})
    with pytest.raises(ValidationException, match=message):
        validate_server_parameters(params)


def test_sigv4_parameters_need_both_keys_and_containers_need_no_host() -> None:
    sigv4 = ServerParameters(web_socket_url="wss://x/", process_id="p", host_id="h", fleet_id="fleet-1",
                             aws_region="us-west-2", access_key="AK")
    with pytest.raises(ValidationException, match="AccessKey and SecretKey are required"):
        validate_server_parameters(sigv4)
    validate_server_parameters(ServerParameters(**{**sigv4.__dict__, "host_id": ""}), "CONTAINER")


def test_host_id_may_have_one_slash_segment() -> None:
    validate_server_parameters(ServerParameters(**{**TOKEN_PARAMS.__dict__, "host_id": "compute-1/task-9"}))


@pytest.mark.parametrize("port", [0, 60001, -1, True])
def test_port_range_is_1_to_60000(port: int) -> None:
    with pytest.raises(ValidationException, match="Port must be between 1 and 60000"):
        validate_process_parameters(ProcessParameters(port=port))


def test_ports_at_the_limits_pass() -> None:
    validate_process_parameters(ProcessParameters(port=1))
    validate_process_parameters(ProcessParameters(port=60000))


@pytest.mark.parametrize("psid", ["psess-1\n", "psess 1", "", "p" * 257, "psess_1"])
def test_bad_player_session_ids(psid: str) -> None:
    with pytest.raises(ValidationException):
        validate_player_session_id(psid)


def test_policy() -> None:
    assert validate_player_session_creation_policy("DENY_ALL").value == "DENY_ALL"
    with pytest.raises(ValidationException, match=r"one of \[ACCEPT_ALL, DENY_ALL\]"):
        validate_player_session_creation_policy("NOT_SET")


@pytest.mark.parametrize(("request_", "message"), [
    (DescribePlayerSessionsRequest(), "Exactly one of"),
    (DescribePlayerSessionsRequest(game_session_id=GSID, player_id="p1"), "Exactly one of"),
    (DescribePlayerSessionsRequest(game_session_id="gs id"), "GameSessionID is invalid. Invalid ARN format."),
    (DescribePlayerSessionsRequest(player_id="p1", player_session_status_filter="GONE"),
     r"must be one of \[RESERVED, ACTIVE, COMPLETED, TIMEDOUT\]"),
    (DescribePlayerSessionsRequest(player_id="p" * 1025), "Length must be between 1 and 1024"),
    (DescribePlayerSessionsRequest(player_id="p1", limit=0), "Limit"),
])
def test_bad_describe_requests(request_: DescribePlayerSessionsRequest, message: str) -> None:
    with pytest.raises(ValidationException, match=message):
        validate_describe_player_sessions_request(request_)


def test_good_describe_request() -> None:
    validate_describe_player_sessions_request(DescribePlayerSessionsRequest(
        player_session_id="psess-1", player_session_status_filter="ACTIVE", limit=5))


def test_start_backfill_rules() -> None:
    players = [Player("p1")]
    validate_start_match_backfill_request(StartMatchBackfillRequest(GSID, CONFIG_ARN, players, "ticket.1"))
    with pytest.raises(ValidationException, match=re.escape("Players cannot be empty.")):
        validate_start_match_backfill_request(StartMatchBackfillRequest(GSID, CONFIG_ARN, []))
    with pytest.raises(ValidationException, match="Invalid GameLift ARN format"):
        validate_start_match_backfill_request(
            StartMatchBackfillRequest(GSID, "arn:aws:gamelift:local::matchmakingconfiguration/m", players))
    with pytest.raises(ValidationException, match="TicketID is invalid"):
        validate_start_match_backfill_request(StartMatchBackfillRequest(GSID, CONFIG_ARN, players, "t" * 129))


def test_stop_backfill_needs_a_region_in_the_game_session_arn() -> None:
    validate_stop_match_backfill_request(StopMatchBackfillRequest(GSID, CONFIG_ARN, "t-1"))
    local_arn = "arn:aws:gamelift:local::gamesession/fleet-123/gsess-1"  # GameLift Local's form fails, as in Go
    with pytest.raises(ValidationException, match=re.escape("GameSessionArn is invalid. Invalid GameLift ARN format.")):
        validate_stop_match_backfill_request(StopMatchBackfillRequest(local_arn, CONFIG_ARN, "t-1"))
    with pytest.raises(ValidationException, match=re.escape("TicketID is required.")):
        validate_stop_match_backfill_request(StopMatchBackfillRequest(GSID, CONFIG_ARN, ""))


def test_role_credentials_request() -> None:
    role = "arn:aws:iam::123456789012:role/game"
    validate_get_fleet_role_credentials_request(GetFleetRoleCredentialsRequest(role, "fleet-1-host"))
    too_short = re.escape("RoleSessionName is invalid. Length must be between 2 and 64")
    with pytest.raises(ValidationException, match=too_short):
        validate_get_fleet_role_credentials_request(GetFleetRoleCredentialsRequest(role, "x"))
    with pytest.raises(ValidationException, match=re.escape("RoleSessionName is invalid. Must match")):
        validate_get_fleet_role_credentials_request(GetFleetRoleCredentialsRequest(role, "héllo"))
    assert default_role_session_name("fleet-" + "a" * 60, "host") == ("fleet-" + "a" * 60 + "-host")[:64]
