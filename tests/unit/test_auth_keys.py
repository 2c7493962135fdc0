"""Signing keys: one signs, rotation publishes old and new during the rollover, then only the new."""

from __future__ import annotations

from pathlib import Path

import jwt
import pytest

from external_auth.catalogue import Tier
from external_auth.keys import KeyRing, thumbprint
from external_auth.store import AuthStore
from external_auth.tokens import TokenIssuer

NOW = 1_700_000_000.0


@pytest.fixture
def store(tmp_path: Path) -> AuthStore:
    s = AuthStore(str(tmp_path / "auth.db"))
    yield s
    s.close()


def test_a_first_start_makes_one_signing_key_named_by_its_thumbprint(store: AuthStore) -> None:
    ring = KeyRing(store)
    key = ring.ensure_signing_key(NOW)
    assert key.kid == thumbprint(key.private_key.public_key())
    assert ring.ensure_signing_key(NOW + 1).kid == key.kid
    published = ring.jwks(NOW)["keys"]
    assert [k["kid"] for k in published] == [key.kid]
    assert published[0]["alg"] == "RS256" and published[0]["use"] == "sig" and published[0]["kty"] == "RSA"
    assert "d" not in published[0] and "p" not in published[0]  # public members only


def test_rotation_publishes_both_keys_signs_with_the_new_and_drops_the_old_after_the_rollover(
    store: AuthStore,
) -> None:
    ring = KeyRing(store)
    old = ring.ensure_signing_key(NOW)
    new = ring.rotate(NOW + 10, rollover_seconds=100)
    assert new.kid != old.kid
    assert ring.signing_key(NOW + 10).kid == new.kid
    assert [k["kid"] for k in ring.jwks(NOW + 10)["keys"]] == [new.kid, old.kid]
    assert [k["kid"] for k in ring.jwks(NOW + 109)["keys"]] == [new.kid, old.kid]
    assert [k["kid"] for k in ring.jwks(NOW + 110)["keys"]] == [new.kid]


def test_ending_the_rollover_unpublishes_replaced_keys_at_once(store: AuthStore) -> None:
    ring = KeyRing(store)
    ring.ensure_signing_key(NOW)
    new = ring.rotate(NOW, rollover_seconds=1000)
    assert ring.end_rollover() == 1
    assert [k["kid"] for k in ring.jwks(NOW)["keys"]] == [new.kid]


def test_keys_survive_a_restart_and_a_rotation_by_another_process_is_seen(tmp_path: Path) -> None:
    path = str(tmp_path / "auth.db")
    service_store, operator_store = AuthStore(path), AuthStore(path)
    try:
        service = KeyRing(service_store)
        first = service.ensure_signing_key(NOW)
        rotated = KeyRing(operator_store).rotate(NOW + 1, rollover_seconds=60)  # the rotate-keys command
        assert service.signing_key(NOW + 2).kid == rotated.kid
        assert {k["kid"] for k in service.jwks(NOW + 2)["keys"]} == {first.kid, rotated.kid}
    finally:
        service_store.close()
        operator_store.close()
    reopened = AuthStore(path)
    try:
        assert KeyRing(reopened).signing_key(NOW + 3).kid == rotated.kid
    finally:
        reopened.close()


def test_issued_tokens_carry_the_documented_claims_and_the_kid(store: AuthStore) -> None:
    ring = KeyRing(store)
    key = ring.ensure_signing_key(NOW)
    issuer = TokenIssuer(ring, "iss-x", "aud-y", ttl_seconds=900)
    issued = issuer.issue("player-" + "a" * 32, "alice", Tier.PREMIUM, NOW)
    header = jwt.get_unverified_header(issued.token)
    assert header["alg"] == "RS256" and header["kid"] == key.kid
    claims = jwt.decode(
        issued.token,
        key.private_key.public_key(),
        algorithms=["RS256"],
        audience="aud-y",
        options={"verify_exp": False},
    )
    assert claims["iss"] == "iss-x" and claims["aud"] == "aud-y" and claims["sub"] == "player-" + "a" * 32
    assert claims["tier"] == "premium" and claims["exp"] - claims["iat"] == 900 and claims["jti"] == issued.jti
    assert issuer.issue("player-" + "a" * 32, "alice", Tier.FREE, NOW).jti != issued.jti
