"""The SDK endpoint's pure protocol modules, by table: handshake queries, frames, replies, pushes, health.

No sockets here (these are pure functions; they live beside the endpoint's integration tests).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from infra.emulator.sdk_endpoint import handshake, protocol
from infra.emulator.sdk_endpoint.health import HealthTracker
from tests.fixtures.example_server.harness import cpp_query, csharp_query, go_query, identity

IDENTITY = identity("proc-1", "laptop/a-1", "fleet-123", "tok-en", style="Go")


# -- handshake ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("build", [go_query, cpp_query, csharp_query], ids=["go", "cpp", "csharp"])
def test_each_sdks_query_reads_the_same(build) -> None:
    query = handshake.parse_connect_query(build(IDENTITY))
    assert (query.process_id, query.compute_id, query.fleet_id) == ("proc-1", "laptop/a-1", "fleet-123")
    assert (query.auth_token, query.sdk_language, query.sdk_version) == ("tok-en", "Go", "5.6.0")
    assert query.idempotency_token == IDENTITY["IdempotencyToken"]
    assert query.sigv4 is None


def test_percent_decoding_only_plus_stays_plus() -> None:
    query = handshake.parse_connect_query("pID=a+b%2Bc%20d&ComputeId=c&FleetId=f&Authorization=x%3Dy+z")
    assert query.process_id == "a+b+c d"
    assert query.auth_token == "x=y+z"


def test_keys_in_any_case_and_order_empty_values_are_absent() -> None:
    raw = "authorization=t&FLEETID=f&computeid=c&PID=p&sdkLanguage=&&=x&IdempotencyToken"
    query = handshake.parse_connect_query(raw)
    assert (query.process_id, query.compute_id, query.fleet_id, query.auth_token) == ("p", "c", "f", "t")
    assert query.sdk_language is None and query.idempotency_token is None


def test_first_value_of_a_repeated_key_wins() -> None:
    assert handshake.split_query("pID=one&pID=two") == {"pID": "one"}


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("", 400),
        ("ComputeId=c&FleetId=f&Authorization=t", 400),
        ("pID=p&FleetId=f&Authorization=t", 400),
        ("pID=p&ComputeId=c&Authorization=t", 400),
        ("pID=p&ComputeId=c&FleetId=f", 403),
        ("pID=p&ComputeId=c&FleetId=f&Authorization=", 403),
    ],
)
def test_identity_and_credentials_are_required(raw: str, status: int) -> None:
    with pytest.raises(handshake.HandshakeError) as exc:
        handshake.parse_connect_query(raw).require_identity()
    assert exc.value.status == status


def _signed(secret: str = "secret", when: dt.datetime | None = None, access_key: str = "AKID") -> str:
    """A SigV4 handshake query computed independently from the endpoint's code (the spec's recipe)."""
    import hashlib
    import hmac

    when = when or dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    date, stamp = when.strftime("%Y%m%d"), when.strftime("%Y%m%dT%H%M%SZ")
    canonical = "ComputeId=laptop&FleetId=fleet-1&pID=p%2B1"
    scope = f"{date}/us-west-2/gamelift/aws4_request"
    string_to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + secret).encode()
    for part in (date, "us-west-2", "gamelift", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return (f"pID=p%2B1&ComputeId=laptop&FleetId=fleet-1&Authorization=SigV4&X-Amz-Algorithm=AWS4-HMAC-SHA256"
            f"&X-Amz-Credential={access_key}%2F{date}%2Fus-west-2%2Fgamelift%2Faws4_request&X-Amz-Date={stamp}"
            f"&X-Amz-Signature={signature}&X-Amz-Security-Token=session")


def test_sigv4_query_is_read_and_verified() -> None:
    when = dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    query = handshake.parse_connect_query(_signed(when=when))
    assert query.auth_token is None and query.sigv4 is not None
    assert (query.sigv4.access_key, query.sigv4.region, query.sigv4.security_token) == ("AKID", "us-west-2", "session")
    handshake.verify_sigv4(query, {"AKID": "secret"}, when.timestamp() + 60)
    for keys, now in (({"AKID": "other"}, when.timestamp()), ({}, when.timestamp()),
                      ({"AKID": "secret"}, when.timestamp() + 3600)):
        with pytest.raises(handshake.HandshakeError) as exc:
            handshake.verify_sigv4(query, keys, now)
        assert exc.value.status == 403


def test_sigv4_matches_the_python_sdks_signer() -> None:
    sigv4_query = pytest.importorskip("sdk.gamelift_server.sigv4_query")
    when = dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    signed = sigv4_query.sign_query(region="us-west-2", access_key="AKID", secret_key="secret", session_token=None,
                                    signed_params={"ComputeId": "c", "FleetId": "f", "pID": "p"}, now=when)
    raw = "&".join(f"{k}={v}" for k, v in {"pID": "p", "ComputeId": "c", "FleetId": "f", **signed}.items())
    handshake.verify_sigv4(handshake.parse_connect_query(raw), {"AKID": "secret"}, when.timestamp())


# -- frames ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "action", "request_id"),
    [
        ("{not json", None, None),
        (b"\xff\xfe", None, None),
        ("[1, 2]", None, None),
        ('{"RequestId": "r1"}', None, "r1"),
        ('{"Action": "Nope", "RequestId": "r2"}', "Nope", "r2"),
        ('{"Action": "CreateGameSession", "RequestId": "r3"}', "CreateGameSession", "r3"),
        ('{"Action": "HeartbeatServerProcess"}', "HeartbeatServerProcess", None),
        ('{"Action": "HeartbeatServerProcess", "RequestId": ""}', "HeartbeatServerProcess", ""),
    ],
)
def test_unusable_frames_get_a_400_echoing_what_could_be_read(data, action, request_id) -> None:
    with pytest.raises(protocol.FrameError) as exc:
        protocol.parse_request(data)
    reply = protocol.error_reply(exc.value)
    assert reply["StatusCode"] == 400 and isinstance(reply["StatusCode"], int) and reply["ErrorMessage"]
    assert reply.get("Action") == action and reply.get("RequestId") == request_id


def test_null_empty_and_zero_read_alike() -> None:
    go = protocol.parse_request('{"Action": "ActivateServerProcess", "RequestId": "r", "SdkVersion": "5.6.0"}')
    cpp = protocol.parse_request('{"Action": "ActivateServerProcess", "RequestId": "r", "Port": 0, "LogPaths": []}')
    cs = protocol.parse_request(
        '{"Action": "ActivateServerProcess", "RequestId": "r", "Port": null, "LogPaths": null, "SdkToolName": null}'
    )
    for request in (go, cpp, cs):
        assert request.integer("Port") is None
        assert request.strings("LogPaths") == []
        assert request.text("SdkToolName") is None
    limit = protocol.parse_request('{"Action": "DescribePlayerSessions", "RequestId": 7, "Limit": "0", "PlayerId": ""}')
    assert limit.integer("Limit") is None and limit.text("PlayerId") is None and limit.request_id == 7


def test_field_names_match_regardless_of_case() -> None:
    request = protocol.parse_request('{"Action": "AcceptPlayerSession", "RequestId": "r", "gamesessionid": "g"}')
    assert request.require_text("GameSessionId") == "g"


@pytest.mark.parametrize("value", ["true", True, 1, "TRUE"])
def test_health_status_spellings(value) -> None:
    request = protocol.parse_request(json.dumps({"Action": "HeartbeatServerProcess", "RequestId": "r",
                                                 "HealthStatus": value}))
    assert request.flag("HealthStatus") is True


def test_wrongly_typed_fields_are_bad_requests() -> None:
    request = protocol.parse_request('{"Action": "ActivateServerProcess", "RequestId": "r", "Port": "x", '
                                     '"LogPaths": [1], "GameSessionId": {"a": 1}, "HealthStatus": "maybe"}')
    for read in (lambda: request.integer("Port"), lambda: request.strings("LogPaths"),
                 lambda: request.text("GameSessionId"), lambda: request.flag("HealthStatus")):
        with pytest.raises(protocol.SdkError) as exc:
            read()
        assert exc.value.status == 400


def test_reply_echoes_and_flattens() -> None:
    reply = protocol.reply("DescribePlayerSessions", "r9", 200, PlayerSessions=[], NextToken=None)
    assert reply == {"Action": "DescribePlayerSessions", "RequestId": "r9", "StatusCode": 200, "PlayerSessions": []}
    error = protocol.reply("AcceptPlayerSession", "r1", 404, "missing")
    assert error == {"Action": "AcceptPlayerSession", "RequestId": "r1", "StatusCode": 404, "ErrorMessage": "missing"}


SESSION = {
    "GameSessionId": "arn:aws:gamelift:us-west-2::gamesession/fleet-1/gsess-1",
    "Name": "arena",
    "FleetId": "fleet-1",
    "MaximumPlayerSessionCount": 8,
    "IpAddress": "127.0.0.1",
    "DnsName": None,
    "Port": 33430,
    "GameProperties": [{"Key": "mode", "Value": "ffa"}],
    "GameSessionData": None,
}


def test_pushes_carry_status_200_and_no_request_id() -> None:
    create = protocol.create_game_session(SESSION)
    assert create["GameSessionName"] == "arena" and "Name" not in create and "FleetId" not in create
    assert create["GameProperties"] == {"mode": "ffa"} and create["DnsName"] == "" and create["Port"] == 33430
    update = protocol.update_game_session({"GameSession": SESSION, "UpdateReason": "MATCHMAKING_DATA_UPDATED"})
    assert update["GameSession"]["Name"] == "arena" and update["UpdateReason"] == "MATCHMAKING_DATA_UPDATED"
    terminate = protocol.terminate_process(1767225600.25)
    refresh = protocol.refresh_connection("ws://x/", "t")
    assert terminate["TerminationTime"] == 1767225600250
    for push in (create, update, terminate, refresh):
        assert push["StatusCode"] == 200 and "RequestId" not in push and push["Action"] in protocol.PUSH_ACTIONS


def test_player_sessions_go_out_with_millisecond_times() -> None:
    wire = protocol.wire_player_session(
        {"PlayerSessionId": "psess-1", "PlayerId": "p", "GameSessionId": "g", "FleetId": "f", "Status": "ACTIVE",
         "CreationTime": 1700000000.5, "TerminationTime": None, "Port": 1, "IpAddress": "127.0.0.1"}
    )
    assert wire["CreationTime"] == 1700000000500 and wire["TerminationTime"] == 0 and wire["PlayerData"] == ""


# -- health ------------------------------------------------------------------------------------------------------


def test_three_false_reports_make_a_process_unhealthy_once() -> None:
    health = HealthTracker.starting(0.0, window=70, threshold=3)
    assert health.heartbeat(False, 1) is False
    assert health.heartbeat(True, 2) is False and health.bad == 0
    assert [health.heartbeat(False, t) for t in (3, 4, 5)] == [False, False, True]
    assert health.heartbeat(False, 6) is False and health.unhealthy


def test_missed_windows_count_like_false_reports() -> None:
    health = HealthTracker.starting(0.0, window=70, threshold=3)
    assert not health.due(69.9)
    assert health.due(70) and health.missed(70) is False and health.deadline == 140
    assert health.heartbeat(False, 100) is False  # a false report and a missed window add up
    assert health.deadline == 170 and health.due(170) and health.missed(170) is True
