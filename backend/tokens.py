"""Player token verification: who is calling, and which tier their token says they hold.

Checks, in order, each failing as 401 before anything else happens:

1. the header parses and its ``alg`` is on the allow-list, which is only RS256: ``none`` (no
   signature) and HS256 (a forger signing with the *public* key as an HMAC secret) are refused
   before any key is looked at, and pyjwt is again told ``algorithms=["RS256"]``;
2. the ``kid`` is published in external_auth's JWKS (see ``jwks``);
3. the RS256 signature verifies with that RSA key object (never a PEM string that could be
   misread as an HMAC secret);
4. ``iss`` and ``aud`` match, ``exp`` is in the future and ``iat``/``nbf`` not in it, with a small
   leeway for clock skew; ``sub``, ``jti`` and ``tier`` are present and well-formed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import jwt

from backend.errors import Unauthorized
from backend.jwks import ALGORITHM, JwksCache

ALLOWED_ALGORITHMS = [ALGORITHM]
TIERS = ("free", "premium")
PLAYER_ID = re.compile(r"^player-[0-9a-f]{32}$")
MAX_TOKEN_CHARS = 8192


@dataclass(frozen=True)
class Player:
    """A verified caller. ``tier`` is the token's claim; the subscription service has the final word."""

    player_id: str
    username: str
    tier: str
    token_id: str
    expires_at: int


class TokenVerifier:
    def __init__(self, jwks: JwksCache, issuer: str, audience: str, leeway: float) -> None:
        self.jwks = jwks
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway

    async def verify(self, token: str) -> Player:
        if not token or len(token) > MAX_TOKEN_CHARS:
            raise Unauthorized("malformed token")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthorized("malformed token") from None
        if header.get("alg") not in ALLOWED_ALGORITHMS:
            raise Unauthorized("token algorithm not allowed")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise Unauthorized("token has no key id")
        key = await self.jwks.key(kid)
        if key is None:
            raise Unauthorized("token signed with an unknown key")
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=ALLOWED_ALGORITHMS,
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iat", "sub", "iss", "aud", "jti"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("token expired") from None
        except jwt.PyJWTError:
            raise Unauthorized("invalid token") from None
        sub, tier, jti = claims.get("sub"), claims.get("tier"), claims.get("jti")
        if not isinstance(sub, str) or not PLAYER_ID.match(sub):
            raise Unauthorized("invalid token subject")
        if tier not in TIERS or not isinstance(jti, str):
            raise Unauthorized("invalid token claims")
        username = claims.get("preferred_username")
        return Player(
            player_id=sub,
            username=username if isinstance(username, str) else sub,
            tier=tier,
            token_id=jti,
            expires_at=int(claims["exp"]),
        )
