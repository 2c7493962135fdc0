"""Player tokens: short-lived RS256 JWTs that say who the player is and which tier they hold."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import jwt

from external_auth.catalogue import Tier
from external_auth.keys import ALGORITHM, KeyRing


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_in: int
    kid: str
    jti: str


class TokenIssuer:
    def __init__(self, keys: KeyRing, issuer: str, audience: str, ttl_seconds: int) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.ttl_seconds = ttl_seconds

    def issue(self, player_id: str, username: str, tier: Tier, now: float) -> IssuedToken:
        key = self.keys.signing_key(now)
        jti = uuid.uuid4().hex
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": player_id,
            "iat": int(now),
            "nbf": int(now),
            "exp": int(now) + self.ttl_seconds,
            "jti": jti,
            "tier": str(tier),
            "preferred_username": username,
        }
        token = jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid, "typ": "JWT"})
        return IssuedToken(token, self.ttl_seconds, key.kid, jti)

    def verify(self, token: str, now: float) -> dict[str, Any]:
        """This service's own check of a player token (for the player-facing shop), with the same rules."""
        header = jwt.get_unverified_header(token)
        if header.get("alg") != ALGORITHM:
            raise jwt.InvalidAlgorithmError("only RS256 tokens are accepted")
        kid = header.get("kid")
        key = next((k for k in self.keys.published(now) if k.kid == kid), None)
        if key is None:
            raise jwt.InvalidKeyError("unknown kid")
        return jwt.decode(
            token,
            key.private_key.public_key(),
            algorithms=[ALGORITHM],
            audience=self.audience,
            issuer=self.issuer,
            leeway=5,
            options={"require": ["exp", "iat", "sub", "iss", "aud", "jti"]},
        )
