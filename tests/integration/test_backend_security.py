"""Bad tokens and bad input against the real backend: 401/400/413/429, never a 500, never a GameLift call.

The stack is real (gamelift-local, external_auth, backend, each its own process on 127.0.0.1).
"Never reached GameLift" is checked twice: the backend's own count of GameLift calls
(``/healthz``) and the emulator's record of game and player sessions.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from backend.contract import check_response
from external_auth.keys import KeyRing, new_key
from external_auth.store import AuthStore
from infra.stack.local import LocalStack

ISS, AUD = "gamelift-reference-auth", "gamelift-reference-backend"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    workdir = tmp_path_factory.mktemp("security")
    with LocalStack(processes=6, auth_args=["--scrypt-log2-n", "12"], workdir=workdir) as running:
        yield running


@pytest.fixture(scope="module")
def real_key(stack: LocalStack) -> Any:
    """external_auth's own signing key, read from its database: for tokens that are genuine but wrong."""
    store = AuthStore(str(stack.workdir / "auth.db"))
    try:
        return KeyRing(store).signing_key(time.time())
    finally:
        store.close()


def call(stack: LocalStack, method: str, path: str, body: Any = None, token: str | None = None, **kw: Any) -> Any:
    status, headers, answer = stack.call(method, path.split("?")[0] + _query(path), body, token, **kw)
    check_response(method, path.split("?")[0], status, answer, headers)
    return status, headers, answer


def _query(path: str) -> str:
    return "?" + path.split("?", 1)[1] if "?" in path else ""


def gamelift_calls(stack: LocalStack) -> int:
    return stack.call("GET", "/healthz")[2]["gameliftCalls"]


def sessions_recorded(stack: LocalStack) -> tuple[int, int]:
    assert stack.emulator is not None
    resources = stack.emulator.control("state")["resources"]
    return resources["game_sessions"], resources["player_sessions"]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def claims(sub: str, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {"iss": ISS, "aud": AUD, "sub": sub, "iat": now, "exp": now + 600, "jti": "forged", "tier": "premium"}
    return {**base, **overrides}


def bad_tokens(stack: LocalStack, real_key: Any) -> dict[str, str]:
    sub = stack.sign_up(f"victim-{time.monotonic_ns()}")["playerId"]
    attacker = new_key(2048, time.time())
    public_pem = real_key.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    hs_unsigned = b64(json.dumps({"alg": "HS256", "kid": real_key.kid, "typ": "JWT"}).encode()) + "." + b64(
        json.dumps(claims(sub)).encode()
    )
    hs_token = hs_unsigned + "." + b64(hmac.new(public_pem, hs_unsigned.encode(), hashlib.sha256).digest())
    none_header = b64(json.dumps({"alg": "none", "kid": real_key.kid}).encode())
    none_token = none_header + "." + b64(json.dumps(claims(sub)).encode()) + "."

    def sign(payload: dict[str, Any], key: Any = real_key, kid: str | None = None) -> str:
        return jwt.encode(payload, key.private_key, algorithm="RS256", headers={"kid": kid or key.kid})

    now = int(time.time())
    return {
        "forged (attacker's key and kid)": sign(claims(sub), attacker),
        "forged (attacker's key, our kid)": sign(claims(sub), attacker, real_key.kid),
        "expired": sign(claims(sub, iat=now - 1200, exp=now - 600)),
        "wrong issuer": sign(claims(sub, iss="https://evil.example")),
        "wrong audience": sign(claims(sub, aud="some-other-service")),
        "alg none": none_token,
        "HS256 with the public key": hs_token,
        "unknown kid": sign(claims(sub), real_key, "kid-nobody-published"),
        "not a JWT": "not-a-token",
    }


def tampered(token: str) -> str:
    head, payload, signature = token.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body["tier"] = "premium"
    return ".".join([head, b64(json.dumps(body).encode()), signature])


def test_bad_tokens_are_401_and_never_reach_gamelift(stack: LocalStack, real_key: Any) -> None:
    token = stack.player(f"honest-{time.monotonic_ns()}")
    tokens = {**bad_tokens(stack, real_key), "tampered (tier changed)": tampered(token)}
    before_calls, before_sessions = gamelift_calls(stack), sessions_recorded(stack)
    for name, bad in tokens.items():
        for method, path, body in (("POST", "/v1/quickplay", {}), ("GET", "/v1/sessions", None),
                                   ("POST", "/v1/sessions", {"name": "x"}), ("GET", "/v1/me", None)):
            status, headers, answer = call(stack, method, path, body, bad)
            assert status == 401, (name, path, answer)
            assert answer["error"]["code"] == "invalid_token"
            assert headers["WWW-Authenticate"].startswith("Bearer")
    for path in ("/v1/quickplay", "/v1/me"):
        assert call(stack, "POST" if "quick" in path else "GET", path, {} if "quick" in path else None)[0] == 401
        status, _, _ = stack.call("GET", "/v1/me", headers={"Authorization": "Basic dXNlcjpwdw=="})
        assert status == 401
    assert gamelift_calls(stack) == before_calls
    assert sessions_recorded(stack) == before_sessions
    # The genuine token still works: the refusals were about the tokens, not the player.
    assert call(stack, "POST", "/v1/quickplay", {}, token)[0] == 200


def test_invented_kids_cannot_flood_external_auth_with_jwks_fetches(stack: LocalStack, real_key: Any) -> None:
    assert stack.auth is not None
    username = f"flood-{time.monotonic_ns()}"
    genuine = stack.player(username)
    assert stack.call("GET", "/v1/me", token=genuine)[0] == 200  # the backend holds the current JWKS
    sub = jwt.decode(genuine, options={"verify_signature": False})["sub"]

    def jwks_served() -> int:
        return sum(1 for e in stack.auth.log_entries() if e.get("path") == "/.well-known/jwks.json")

    before = jwks_served()
    for n in range(30):
        token = jwt.encode(claims(sub), real_key.private_key, algorithm="RS256", headers={"kid": f"invented-{n}"})
        assert stack.call("GET", "/v1/me", token=token)[0] == 401
    # A burst of refetches is allowed (a rotation may be under way), then one per interval: not thirty.
    assert jwks_served() - before <= 3


def test_client_supplied_identity_is_refused_and_the_server_sees_the_backends_values(stack: LocalStack) -> None:
    token = stack.player(f"sneaky-{time.monotonic_ns()}")
    me = call(stack, "GET", "/v1/me", None, token)[2]
    before = sessions_recorded(stack)
    for field in ("tier", "playerId", "skill", "entitlements", "PlayerData", "player_id"):
        status, _, answer = call(stack, "POST", "/v1/quickplay", {field: "premium"}, token)
        assert (status, answer["error"]["code"]) == (400, "forbidden_field")
    status, _, answer = call(stack, "POST", "/v1/sessions", {"name": "mine", "tier": "premium"}, token)
    assert (status, answer["error"]["code"]) == (400, "forbidden_field")
    assert sessions_recorded(stack) == before
    # Where the client can smuggle nothing in the body, headers and query strings are simply not read.
    status, _, seat = stack.call(
        "POST", "/v1/quickplay?playerId=player-" + "f" * 32 + "&tier=premium", {}, token,
        headers={"X-Player-Id": "player-" + "f" * 32, "X-Tier": "premium"},
    )
    assert status == 200
    ps = stack.gamelift().describe_player_sessions(PlayerSessionId=seat["playerSessionId"])["PlayerSessions"][0]
    data = json.loads(ps["PlayerData"])
    assert ps["PlayerId"] == me["playerId"] == data["playerId"]
    assert data["tier"] == "free" and seat["tier"] == "free"


@pytest.mark.parametrize(
    ("method", "path", "body", "code"),
    [
        ("POST", "/v1/quickplay", b"{not json", "malformed_json"),
        ("POST", "/v1/quickplay", b"\xff\xfe\x00garbage", "malformed_json"),
        ("POST", "/v1/quickplay", b"[" * 50_00 + b"]" * 50_00, "malformed_json"),
        ("POST", "/v1/quickplay", b"[]", "invalid_request"),
        ("POST", "/v1/quickplay", b'"a string"', "invalid_request"),
        ("POST", "/v1/quickplay", b'{"mode": "ffa"}', "unknown_field"),
        ("POST", "/v1/sessions", b'{"name": 42}', "invalid_request"),
        ("POST", "/v1/sessions", b'{"name": "room", "maxPlayers": "8"}', "invalid_request"),
        ("POST", "/v1/sessions", b'{"name": "room", "maxPlayers": 1e9}', "invalid_request"),
        ("POST", "/v1/sessions", b'{"name": "room", "maxPlayers": -1}', "invalid_request"),
        ("POST", "/v1/sessions", b'{"name": "room", "premiumOnly": "true"}', "invalid_request"),
        ("POST", "/v1/sessions", b'{"name": null}', "invalid_request"),
        ("POST", "/v1/sessions/join", b'{"gameSessionId": ["x"]}', "invalid_request"),
        ("POST", "/v1/sessions/join", b'{"gameSessionId": "no spaces allowed"}', "invalid_request"),
        ("POST", "/v1/sessions/join", b"{}", "invalid_request"),
        ("GET", "/v1/sessions?limit=abc", None, "invalid_request"),
        ("GET", "/v1/sessions?limit=1000", None, "invalid_request"),
        ("GET", "/v1/sessions?access=vip", None, "invalid_request"),
    ],
)
def test_malformed_bodies_and_wrong_types_are_400(
    stack: LocalStack, method: str, path: str, body: bytes | None, code: str
) -> None:
    token = stack.player(f"typo-{time.monotonic_ns()}")
    status, _, answer = stack.call(method, path, body, token)
    check_response(method, path.split("?")[0], status, answer)
    assert (status, answer["error"]["code"]) == (400, code), answer


def raw_post(stack: LocalStack, path: str, chunks: list[bytes], token: str, declared: int | None = None) -> Any:
    """POST with a declared Content-Length, or chunked (no length up front)."""
    assert stack.backend is not None
    where = urlsplit(stack.backend.url)
    conn = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    try:
        if declared is not None:
            headers["Content-Length"] = str(declared)
            conn.putrequest("POST", path)
            for k, v in headers.items():
                conn.putheader(k, v)
            conn.endheaders()
            try:
                for chunk in chunks:
                    conn.send(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server may answer and close before reading a body it refused
        else:
            conn.request("POST", path, body=iter(chunks), headers=headers, encode_chunked=True)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), json.loads(response.read())
    finally:
        conn.close()


def test_huge_bodies_are_413_declared_or_streamed(stack: LocalStack) -> None:
    token = stack.player(f"huge-{time.monotonic_ns()}")
    before = sessions_recorded(stack)
    status, headers, answer = raw_post(stack, "/v1/quickplay", [b" " * 1024] * 64, token, declared=64 * 1024)
    assert (status, answer["error"]["code"]) == (413, "body_too_large")
    check_response("POST", "/v1/quickplay", status, answer, headers)
    chunks = [b'{"name": "' + b"x" * 4096] * 16 + [b'"}']
    status, headers, answer = raw_post(stack, "/v1/sessions", chunks, token)
    assert (status, answer["error"]["code"]) == (413, "body_too_large")
    check_response("POST", "/v1/sessions", status, answer, headers)
    assert sessions_recorded(stack) == before


def test_the_per_player_rate_limit_answers_429_with_retry_after(stack: LocalStack) -> None:
    greedy = stack.player(f"greedy-{time.monotonic_ns()}")
    patient = stack.player(f"patient-{time.monotonic_ns()}")
    statuses = []
    for _ in range(25):
        status, headers, answer = call(stack, "GET", "/v1/sessions", None, greedy)
        statuses.append(status)
        if status == 429:
            assert answer["error"]["code"] == "rate_limited"
            assert 1 <= int(headers["Retry-After"]) <= 60
    assert statuses[:10] == [200] * 10  # the burst
    assert 429 in statuses
    assert call(stack, "GET", "/v1/sessions", None, patient)[0] == 200  # one player's limit is not another's


def test_unknown_routes_and_methods_are_json_errors(stack: LocalStack) -> None:
    for method, path, status in (("GET", "/v1/nothing", 404), ("DELETE", "/v1/quickplay", 405)):
        got, headers, answer = stack.call(method, path)
        assert got == status and answer["error"]["requestId"] == headers["X-Request-Id"]


def test_request_ids_are_echoed_and_logged_with_the_player(stack: LocalStack) -> None:
    assert stack.backend is not None
    token = stack.player(f"traced-{time.monotonic_ns()}")
    status, headers, _ = call(stack, "POST", "/v1/quickplay", {}, token, headers={"X-Request-Id": "trace-qp-000001"})
    assert status == 200 and headers["X-Request-Id"] == "trace-qp-000001"
    entries = [e for e in stack.backend.log_entries() if e.get("request_id") == "trace-qp-000001"]
    assert entries[-1]["path"] == "/v1/quickplay" and entries[-1]["status"] == 200
    assert entries[-1]["player_id"] and entries[-1]["player_id"].startswith("player-")
    # external_auth logs the same request id for the subscription lookup it served.
    assert stack.auth is not None
    assert any(e.get("request_id") == "trace-qp-000001" for e in stack.auth.log_entries())
