"""external_auth as a real process: accounts, tokens, JWKS, the service endpoint, rotation, restarts."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest

from external_auth.service_auth import sign
from infra.stack.local import external_auth_process, http_json, new_secret
from infra.stack.process import ServiceProcess

SERVICE_SECRET = new_secret()
ADMIN_SECRET = new_secret()
PASSWORD = "correct horse battery"


def start(workdir: Path) -> ServiceProcess:
    return external_auth_process(
        str(workdir / "auth.db"),
        service_keys={"backend": SERVICE_SECRET},
        admin_keys={"ops": ADMIN_SECRET},
        args=["--scrypt-log2-n", "12"],
        workdir=workdir,
    ).start()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("auth")


@pytest.fixture(scope="module")
def auth(workdir: Path) -> Iterator[ServiceProcess]:
    service = start(workdir)
    yield service
    service.stop()


def sign_up(auth: ServiceProcess, username: str, **extra: Any) -> tuple[int, Any]:
    account = {"username": username, "password": PASSWORD, **extra}
    status, _, body = http_json("POST", f"{auth.url}/v1/accounts", account)
    return status, body


def login(auth: ServiceProcess, username: str, password: str = PASSWORD) -> tuple[int, Any]:
    status, _, body = http_json("POST", f"{auth.url}/v1/login", {"username": username, "password": password})
    return status, body


def jwks(auth: ServiceProcess) -> dict[str, Any]:
    return http_json("GET", f"{auth.url}/.well-known/jwks.json")[2]


def decode(auth: ServiceProcess, token: str) -> dict[str, Any]:
    keys = {k["kid"]: jwt.PyJWK(k) for k in jwks(auth)["keys"]}
    key = keys[jwt.get_unverified_header(token)["kid"]]
    return jwt.decode(token, key.key, algorithms=["RS256"], audience="gamelift-reference-backend")


def service_call(auth: ServiceProcess, method: str, path: str, key_id: str, secret: str, **kw: Any) -> Any:
    headers = sign(key_id, secret, method, path, b"", time.time())
    return http_json(method, auth.url + path, headers=headers, **kw)


def test_sign_up_and_login_issue_an_rs256_token_with_the_documented_claims(auth: ServiceProcess) -> None:
    status, account = sign_up(auth, "claims-alice", displayName="Alice A")
    assert status == 201
    assert account["tier"] == "free" and account["displayName"] == "Alice A"
    assert account["playerId"].startswith("player-") and "skin.default" in account["entitlements"]
    status, session = login(auth, "claims-alice")
    assert status == 200 and session["tokenType"] == "Bearer" and session["tier"] == "free"
    header = jwt.get_unverified_header(session["accessToken"])
    assert header["alg"] == "RS256" and header["kid"] in {k["kid"] for k in jwks(auth)["keys"]}
    claims = decode(auth, session["accessToken"])
    assert claims["iss"] == "gamelift-reference-auth" and claims["aud"] == "gamelift-reference-backend"
    assert claims["sub"] == account["playerId"] and claims["tier"] == "free"
    assert claims["exp"] - claims["iat"] == session["expiresIn"] and claims["jti"]


def test_usernames_are_unique_ignoring_case(auth: ServiceProcess) -> None:
    assert sign_up(auth, "unique-bob")[0] == 201
    status, body = sign_up(auth, "Unique-Bob")
    assert status == 409 and body["error"]["code"] == "username_taken"


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(auth: ServiceProcess) -> None:
    sign_up(auth, "wrong-pw-carol")
    wrong = login(auth, "wrong-pw-carol", "not the password")
    unknown = login(auth, "nobody-at-all", "not the password")
    assert wrong[0] == unknown[0] == 401
    assert wrong[1]["error"]["code"] == unknown[1]["error"]["code"] == "invalid_credentials"
    assert wrong[1]["error"]["message"] == unknown[1]["error"]["message"]


def test_the_password_is_stored_as_a_salted_scrypt_hash(auth: ServiceProcess, workdir: Path) -> None:
    import sqlite3

    sign_up(auth, "hash-dave")
    sign_up(auth, "hash-erin")
    db = sqlite3.connect(workdir / "auth.db")
    try:
        rows = dict(db.execute("SELECT username, password_hash FROM accounts WHERE username LIKE 'hash-%'"))
    finally:
        db.close()
    assert all(h.startswith("scrypt$") and PASSWORD not in h for h in rows.values())
    assert rows["hash-dave"] != rows["hash-erin"]  # same password, different salts


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "malformed_json"),
        (b"[1, 2]", 400, "invalid_request"),
        (json.dumps({"username": "ab", "password": PASSWORD}).encode(), 400, "invalid_request"),
        (json.dumps({"username": "fine-name", "password": "short"}).encode(), 400, "invalid_request"),
        (json.dumps({"username": 5, "password": PASSWORD}).encode(), 400, "invalid_request"),
        (json.dumps({"username": "fine-name", "password": PASSWORD, "tier": "premium"}).encode(), 400, "unknown_field"),
        (b"x" * 100_000, 413, "body_too_large"),
    ],
)
def test_bad_sign_ups_are_4xx_with_a_json_error(auth: ServiceProcess, body: bytes, status: int, code: str) -> None:
    got, headers, answer = http_json("POST", f"{auth.url}/v1/accounts", body)
    assert (got, answer["error"]["code"]) == (status, code)
    assert answer["error"]["requestId"] == headers["X-Request-Id"]


def test_buying_premium_changes_the_tier_in_the_next_token_and_adds_items(auth: ServiceProcess) -> None:
    sign_up(auth, "buyer-frank")
    token = login(auth, "buyer-frank")[1]["accessToken"]
    status, _, sub = http_json("POST", f"{auth.url}/v1/subscription", {"plan": "premium", "days": 30}, token=token)
    assert status == 200 and sub["tier"] == "premium" and "skin.gold" in sub["entitlements"]
    assert sub["premiumUntil"] > time.time() + 29 * 86400
    assert decode(auth, login(auth, "buyer-frank")[1]["accessToken"])["tier"] == "premium"
    assert http_json("POST", f"{auth.url}/v1/subscription", {"plan": "premium", "days": 0}, token=token)[0] == 400
    assert http_json("POST", f"{auth.url}/v1/subscription", {"plan": "premium"}, token="forged.token.x")[0] == 401


def test_the_service_endpoint_needs_a_service_signature_never_a_player_token(auth: ServiceProcess) -> None:
    _, account = sign_up(auth, "svc-grace")
    token = login(auth, "svc-grace")[1]["accessToken"]
    path = f"/v1/service/players/{account['playerId']}/subscription"
    assert http_json("GET", auth.url + path)[0] == 401
    assert http_json("GET", auth.url + path, token=token)[0] == 401
    assert service_call(auth, "GET", path, "backend", "a-guessed-secret-value")[0] == 401
    assert service_call(auth, "GET", path, "ops", ADMIN_SECRET)[0] == 401  # admin keys do not read subscriptions
    status, _, body = service_call(auth, "GET", path, "backend", SERVICE_SECRET)
    assert status == 200 and body["playerId"] == account["playerId"] and body["tier"] == "free"
    unknown = "/v1/service/players/player-" + "0" * 32 + "/subscription"
    assert service_call(auth, "GET", unknown, "backend", SERVICE_SECRET)[0] == 404


def test_a_captured_service_request_cannot_be_replayed(auth: ServiceProcess) -> None:
    _, account = sign_up(auth, "replay-heidi")
    path = f"/v1/service/players/{account['playerId']}/subscription"
    headers = sign("backend", SERVICE_SECRET, "GET", path, b"", time.time())
    assert http_json("GET", auth.url + path, headers=headers)[0] == 200
    status, _, body = http_json("GET", auth.url + path, headers=headers)
    assert status == 401 and body["error"]["code"] == "invalid_service_signature"


def test_rotation_publishes_two_keys_and_signs_with_the_new_one(auth: ServiceProcess) -> None:
    sign_up(auth, "rotate-ivan")
    before = login(auth, "rotate-ivan")[1]["accessToken"]
    old_kid = jwt.get_unverified_header(before)["kid"]
    assert service_call(auth, "POST", "/v1/admin/keys/rotate", "backend", SERVICE_SECRET)[0] == 401
    status, _, rotated = service_call(auth, "POST", "/v1/admin/keys/rotate", "ops", ADMIN_SECRET)
    assert status == 200 and rotated["kid"] != old_kid
    assert [k["kid"] for k in jwks(auth)["keys"]][:2] == [rotated["kid"], old_kid]
    after = login(auth, "rotate-ivan")[1]["accessToken"]
    assert jwt.get_unverified_header(after)["kid"] == rotated["kid"]
    assert decode(auth, before)["sub"] == decode(auth, after)["sub"]  # the old token still verifies


def test_state_survives_a_restart_and_the_cli_rotates_keys_under_a_running_service(workdir: Path) -> None:
    sub = workdir / "restart"
    sub.mkdir()
    service = start(sub)
    try:
        _, account = sign_up(service, "restart-judy")
        token = login(service, "restart-judy")[1]["accessToken"]
        service.stop()
        service = start(sub)
        assert decode(service, token)["sub"] == account["playerId"]  # same keys after the restart
        assert login(service, "restart-judy")[0] == 200  # same accounts
        done = subprocess.run(
            [sys.executable, "-m", "external_auth", "rotate-keys", "--database", str(sub / "auth.db")],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        new_kid = json.loads(done.stdout)["kid"]
        fresh = login(service, "restart-judy")[1]["accessToken"]
        assert jwt.get_unverified_header(fresh)["kid"] == new_kid
        assert {new_kid, jwt.get_unverified_header(token)["kid"]} <= {k["kid"] for k in jwks(service)["keys"]}
    finally:
        service.stop()


def test_every_request_is_one_json_log_line_with_its_request_id(auth: ServiceProcess) -> None:
    status, headers, _ = http_json("GET", f"{auth.url}/healthz", headers={"X-Request-Id": "trace-me-12345"})
    assert status == 200 and headers["X-Request-Id"] == "trace-me-12345"
    entries = [e for e in auth.log_entries() if e.get("request_id") == "trace-me-12345"]
    assert entries and entries[-1]["path"] == "/healthz" and entries[-1]["status"] == 200
