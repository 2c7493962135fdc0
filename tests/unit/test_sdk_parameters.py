"""sdk.gamelift_server.parameters and timing: environment overrides, the auth-strategy rule, and the intervals."""

from __future__ import annotations

import random

import pytest

from sdk.gamelift_server.parameters import ServerParameters, resolve_server_parameters, sdk_tool
from sdk.gamelift_server.timing import Timings, parse_go_duration

PASSED = ServerParameters(web_socket_url="wss://code/", process_id="code-pid", host_id="code-host",
                          fleet_id="code-fleet", auth_token="code-token")


def test_environment_overrides_every_passed_value() -> None:
    environ = {"GAMELIFT_SDK_WEBSOCKET_URL": "ws://env/", "GAMELIFT_SDK_PROCESS_ID": "env-pid",
               "GAMELIFT_SDK_HOST_ID": "env-host", "GAMELIFT_SDK_FLEET_ID": "env-fleet",
               "GAMELIFT_SDK_AUTH_TOKEN": "env-token"}
    resolved = resolve_server_parameters(PASSED, environ).params
    assert resolved == ServerParameters("ws://env/", "env-pid", "env-host", "env-fleet", "env-token")


def test_empty_environment_values_count_as_unset_like_go() -> None:
    assert resolve_server_parameters(PASSED, {"GAMELIFT_SDK_FLEET_ID": ""}).params == PASSED


def test_auth_token_wins_and_clears_aws_credentials() -> None:
    environ = {"GAMELIFT_REGION": "us-west-2", "GAMELIFT_ACCESS_KEY": "AK", "GAMELIFT_SECRET_KEY": "SK",
               "GAMELIFT_SESSION_TOKEN": "ST"}
    resolved = resolve_server_parameters(PASSED, environ).params
    assert (resolved.auth_token, resolved.aws_region, resolved.access_key, resolved.secret_key,
            resolved.session_token) == ("code-token", "", "", "", "")


def test_sigv4_values_come_from_the_environment_when_no_token() -> None:
    passed = ServerParameters(web_socket_url="wss://x/", process_id="p", host_id="h", fleet_id="f")
    environ = {"GAMELIFT_REGION": "us-west-2", "GAMELIFT_ACCESS_KEY": "AK", "GAMELIFT_SECRET_KEY": "SK",
               "GAMELIFT_COMPUTE_TYPE": "CONTAINER"}
    effective = resolve_server_parameters(passed, environ)
    assert (effective.params.aws_region, effective.params.access_key, effective.compute_type) == (
        "us-west-2", "AK", "CONTAINER")


def test_managed_resource_process_id_becomes_a_fresh_uuid() -> None:
    effective = resolve_server_parameters(PASSED, {"GAMELIFT_SDK_PROCESS_ID": "ManagedResource"},
                                          new_process_id=lambda: "generated")
    assert effective.params.process_id == "generated"


def test_repr_hides_secrets() -> None:
    text = repr(ServerParameters(auth_token="secret-token", secret_key="secret-key", fleet_id="fleet-1"))
    assert "secret-token" not in text and "secret-key" not in text and "fleet-1" in text


def test_sdk_tool_from_environment() -> None:
    assert sdk_tool({"GAMELIFT_SDK_TOOL_NAME": "Plugin", "GAMELIFT_SDK_TOOL_VERSION": "1.2"}) == ("Plugin", "1.2")
    assert sdk_tool({}) == (None, None)


def test_official_default_timings() -> None:
    t = Timings()
    assert (t.heartbeat_interval, t.heartbeat_jitter, t.health_check_timeout, t.request_timeout,
            t.activate_timeout, t.timeout_reconnect_threshold) == (60, 10, 50, 20, 6, 2)
    assert t.connect_delays() == [4, 8, 16, 32, 32, 32, 32]


def test_heartbeat_delay_stays_within_the_jitter() -> None:
    rng = random.Random(7)
    delays = [Timings().next_heartbeat_delay(rng) for _ in range(500)]
    assert all(50 <= d <= 70 for d in delays) and max(delays) - min(delays) > 15
    assert Timings(heartbeat_interval=1, heartbeat_jitter=0).next_heartbeat_delay(rng) == 1


@pytest.mark.parametrize(("text", "seconds"), [
    ("5s", 5.0), ("250ms", 0.25), ("1m30s", 90.0), ("1h", 3600.0), ("0", 0.0), ("1.5s", 1.5), ("100us", 1e-4),
    ("", None), ("5", None), ("s", None), ("5x", None), ("5s junk", None),
])
def test_go_durations(text: str, seconds: float | None) -> None:
    assert parse_go_duration(text) == (pytest.approx(seconds) if seconds is not None else None)


def test_go_test_knobs_from_the_environment() -> None:
    timings = Timings().with_environment({"HEALTHCHECK_INTERVAL": "2s", "HEALTHCHECK_MAX_JITTER": "100ms",
                                          "SERVICE_CALL_TIMEOUT": "bogus"})
    assert (timings.heartbeat_interval, timings.heartbeat_jitter, timings.request_timeout) == (2.0, 0.1, 20.0)
