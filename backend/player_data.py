"""What game servers are told about players and sessions, written only from trusted sources.

PlayerData (on each player session) is a compact JSON object the server reads after
AcceptPlayerSession (DescribePlayerSessions): the player id from the verified token, and the
name, tier and entitlements from external_auth. GameProperties mark a session premium-only, so a
server can refuse a non-premium player who somehow holds a seat, and quick play can filter on it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

# GameLift's PlayerData limit (botocore: max 2048).
MAX_PLAYER_DATA = 2048
PLAYER_DATA_VERSION = 1

ACCESS_KEY = "access"
ACCESS_OPEN = "open"
ACCESS_PREMIUM = "premium"
ORIGIN_KEY = "origin"


@dataclass(frozen=True)
class PlayerProfile:
    """Who the player is and what they hold, as far as the backend knows it."""

    player_id: str
    username: str
    display_name: str
    tier: str
    entitlements: list[str] = field(default_factory=list)
    premium_until: float | None = None
    # "service" when external_auth answered, "token" when it could not and the token's claim stood in.
    source: str = "service"

    @property
    def premium(self) -> bool:
        return self.tier == "premium"


def player_data(profile: PlayerProfile) -> str:
    """The PlayerData string; entitlements are cut from the end if the whole would exceed GameLift's limit."""
    entitlements = list(profile.entitlements)
    while True:
        text = json.dumps(
            {
                "v": PLAYER_DATA_VERSION,
                "playerId": profile.player_id,
                "name": profile.display_name,
                "tier": profile.tier,
                "entitlements": entitlements,
            },
            separators=(",", ":"),
            ensure_ascii=False,
        )
        if len(text) <= MAX_PLAYER_DATA or not entitlements:
            return text
        entitlements.pop()


def game_properties(*, premium_only: bool, origin: str) -> dict[str, str]:
    return {ACCESS_KEY: ACCESS_PREMIUM if premium_only else ACCESS_OPEN, ORIGIN_KEY: origin}


def is_premium_only(properties: dict[str, str]) -> bool:
    return properties.get(ACCESS_KEY) == ACCESS_PREMIUM


def access_filter(profile: PlayerProfile) -> str | None:
    """The SearchGameSessions condition for sessions this player may join (None: any)."""
    return None if profile.premium else f"gameSessionProperties.{ACCESS_KEY} = '{ACCESS_OPEN}'"
