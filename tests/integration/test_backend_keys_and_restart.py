"""Key rotation seen from the backend, and what the backend keeps across a restart."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest

from backend.contract import check_response
from external_auth.service_auth import sign
from infra.stack.local import LocalStack, backend_process, http_json
from infra.stack.process import ServiceProcess


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LocalStack]:
    with LocalStack(processes=4, auth_args=["--scrypt-log2-n", "12"], workdir=tmp_path) as running:
        yield running


def me(url: str, token: str) -> tuple[int, Any]:
    status, headers, body = http_json("GET", f"{url}/v1/me", token=token)
    check_response("GET", "/v1/me", status, body, headers)
    return status, body


def health(url: str) -> dict[str, Any]:
    return http_json("GET", f"{url}/healthz")[2]


def admin(stack: LocalStack, path: str) -> dict[str, Any]:
    assert stack.auth is not None
    headers = sign("ops", stack.admin_secret, "POST", path, b"", time.time())
    status, _, body = http_json("POST", stack.auth.url + path, headers=headers)
    assert status == 200, body
    return body


def kid(token: str) -> str:
    return jwt.get_unverified_header(token)["kid"]


def test_during_a_rollover_old_tokens_verify_and_the_new_kid_is_fetched_on_demand(stack: LocalStack) -> None:
    assert stack.backend is not None
    url = stack.backend.url
    old_token = stack.player("rollover-ann")
    assert me(url, old_token)[0] == 200
    fetches = health(url)["jwks"]["fetches"]
    rotated = admin(stack, "/v1/admin/keys/rotate")
    assert me(url, old_token)[0] == 200  # the backend's cached key still verifies it
    assert health(url)["jwks"]["fetches"] == fetches  # and nothing had to be refetched for that
    new_token = stack.login("rollover-ann")
    assert kid(new_token) == rotated["kid"] != kid(old_token)
    assert me(url, new_token)[0] == 200  # unknown kid: refetched at once
    state = health(url)["jwks"]
    assert state["fetches"] == fetches + 1 and {kid(old_token), kid(new_token)} <= set(state["kids"])
    assert me(url, old_token)[0] == 200  # both keys are published during the rollover


def test_a_key_taken_out_of_the_jwks_stops_verifying_once_the_backend_refetches(stack: LocalStack) -> None:
    assert stack.auth is not None and stack.emulator is not None and stack.fleet is not None
    # A second backend that never trusts its JWKS copy for long.
    eager = backend_process(
        str(stack.workdir / "eager.db"),
        auth_url=stack.auth.url,
        service_secret=stack.service_secret,
        gamelift_endpoint_url=stack.emulator.url,
        alias_id=stack.fleet.alias_id,
        args=["--jwks-max-age-seconds", "0"],
        workdir=stack.workdir / "eager",
    )
    (stack.workdir / "eager").mkdir()
    eager.start()
    try:
        old_token = stack.player("retire-ben")
        assert me(eager.url, old_token)[0] == 200
        admin(stack, "/v1/admin/keys/rotate")
        assert me(eager.url, old_token)[0] == 200
        admin(stack, "/v1/admin/keys/end-rollover")
        status, body = me(eager.url, old_token)
        assert (status, body["error"]["code"]) == (401, "invalid_token")
        assert me(eager.url, stack.login("retire-ben"))[0] == 200
    finally:
        eager.stop()


def test_a_restarted_backend_keeps_seats_and_keys_and_works_while_external_auth_is_down(stack: LocalStack) -> None:
    assert stack.backend is not None and stack.auth is not None
    token = stack.player("restart-cat")
    status, headers, seat = stack.call("POST", "/v1/quickplay", {}, token)
    assert status == 200
    stack.auth.stop()
    stack.backend.stop()
    backend: ServiceProcess = stack.start_backend()
    try:
        status, body = me(backend.url, token)
        assert status == 200  # verified with the JWKS kept in SQLite: external_auth is down
        assert body["lastSeat"]["playerSessionId"] == seat["playerSessionId"]
        assert body["subscription"] == {"tier": "free", "premiumUntil": None, "entitlements": [], "source": "token"}
        status, headers, again = http_json("POST", f"{backend.url}/v1/quickplay", {}, token=token)
        check_response("POST", "/v1/quickplay", status, again, headers)
        assert status == 200 and again["tier"] == "free"
        ps = stack.gamelift().describe_player_sessions(PlayerSessionId=again["playerSessionId"])["PlayerSessions"][0]
        assert json.loads(ps["PlayerData"])["tier"] == "free"
        # Tokens it never saw, signed by keys it cannot fetch, are still refused.
        assert me(backend.url, token[:-4] + "AAAA")[0] == 401
    finally:
        stack.start_auth()
