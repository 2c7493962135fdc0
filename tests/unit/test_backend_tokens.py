"""Token verification, case by case: only a genuine, current RS256 token for this audience passes."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from backend.errors import Unauthorized
from backend.jwks import JwksCache
from backend.tokens import Player, TokenVerifier
from external_auth.keys import new_key

ISS, AUD = "test-issuer", "test-audience"
KEY = new_key(2048, 0.0)
OTHER = new_key(2048, 0.0)
PLAYER = "player-" + "ab" * 16


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {"iss": ISS, "aud": AUD, "sub": PLAYER, "iat": now, "exp": now + 600, "jti": "j1", "tier": "free"}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def signed(payload: dict[str, Any], key: Any = KEY, kid: str | None = None) -> str:
    return jwt.encode(payload, key.private_key, algorithm="RS256", headers={"kid": kid or key.kid})


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def handmade(header: dict[str, Any], payload: dict[str, Any], signature: bytes = b"") -> str:
    head = b64(json.dumps(header).encode()) + "." + b64(json.dumps(payload).encode())
    return head + "." + b64(signature)


def verify(token: str) -> Player:
    async def fetch() -> dict[str, Any]:
        return {"keys": [KEY.public_jwk()]}

    verifier = TokenVerifier(JwksCache(fetch, time.time), ISS, AUD, leeway=10)
    return asyncio.run(verifier.verify(token))


def test_a_genuine_token_names_the_player_and_tier() -> None:
    player = verify(signed(claims(tier="premium", preferred_username="alice")))
    assert (player.player_id, player.tier, player.username) == (PLAYER, "premium", "alice")


def test_expiry_allows_only_the_small_leeway() -> None:
    now = int(time.time())
    assert verify(signed(claims(exp=now - 5)))  # within 10 s of leeway
    with pytest.raises(Unauthorized, match="expired"):
        verify(signed(claims(exp=now - 30, iat=now - 630)))


def test_alg_none_is_refused() -> None:
    with pytest.raises(Unauthorized, match="algorithm"):
        verify(handmade({"alg": "none", "kid": KEY.kid}, claims()))


def test_hs256_signed_with_the_public_key_is_refused() -> None:
    public_pem = KEY.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "kid": KEY.kid, "typ": "JWT"}
    unsigned = handmade(header, claims()).rsplit(".", 1)[0]
    signature = hmac.new(public_pem, unsigned.encode(), hashlib.sha256).digest()
    with pytest.raises(Unauthorized, match="algorithm"):
        verify(unsigned + "." + b64(signature))


@pytest.mark.parametrize("alg", ["RS384", "PS256", "ES256", "HS512", "RS256 ", "rs256"])
def test_other_algorithms_are_refused(alg: str) -> None:
    with pytest.raises(Unauthorized):
        verify(handmade({"alg": alg, "kid": KEY.kid}, claims(), b"sig"))


def test_a_token_signed_by_another_key_under_our_kid_is_refused() -> None:
    with pytest.raises(Unauthorized, match="invalid token"):
        verify(signed(claims(), key=OTHER, kid=KEY.kid))


def test_an_unknown_kid_is_refused() -> None:
    with pytest.raises(Unauthorized, match="unknown key"):
        verify(signed(claims(), key=OTHER))


def test_tampered_claims_break_the_signature() -> None:
    head, payload, signature = signed(claims()).split(".")
    forged = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged["tier"] = "premium"
    with pytest.raises(Unauthorized):
        verify(".".join([head, b64(json.dumps(forged).encode()), signature]))


@pytest.mark.parametrize(
    "bad",
    [
        {"iss": "someone-else"},
        {"aud": "another-service"},
        {"sub": "admin"},
        {"tier": "gold"},
        {"exp": None},
        {"jti": None},
        {"sub": None},
        {"iat": int(time.time()) + 3600},
        {"nbf": int(time.time()) + 3600},
    ],
)
def test_claims_must_be_right_and_complete(bad: dict[str, Any]) -> None:
    with pytest.raises(Unauthorized):
        verify(signed(claims(**bad)))


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "a.b", "x" * 9000, "e30.e30.", "...."])
def test_garbage_is_refused(token: str) -> None:
    with pytest.raises(Unauthorized):
        verify(token)


def test_no_kid_is_refused() -> None:
    token = jwt.encode(claims(), KEY.private_key, algorithm="RS256")
    with pytest.raises(Unauthorized, match="key id"):
        verify(token)
