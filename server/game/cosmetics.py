"""From PlayerData (written by the backend from the external subscription service) to what a ship looks like.

PlayerData reaches the server through GameLift (DescribePlayerSessions), never from the client, so a player cannot
claim a skin they do not own. The backend writes ``{"v": 1, "playerId", "name", "tier", "entitlements": [...]}``;
entitlements such as ``skin.gold`` and ``trail.sparks`` pick the look.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from server.game.model import Cosmetic

# Best first: a player owning several shows the first they own.
SKINS = ("gold", "default")
TRAILS = ("sparks", "none")
MAX_NAME = 24


@dataclass(frozen=True, slots=True)
class PlayerProfile:
    """What the server knows about a player beyond the connection: name, tier, cosmetic."""

    name: str
    tier: str = "free"
    cosmetic: Cosmetic = field(default_factory=Cosmetic)


def profile_from_player_data(player_data: str, fallback_name: str) -> PlayerProfile:
    """Read PlayerData; anything missing or malformed falls back to a free player called ``fallback_name``
    (the GameLift PlayerId), because a game should still be playable when the subscription service is down."""
    try:
        data = json.loads(player_data) if player_data else {}
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    name = data.get("name")
    name = name.strip()[:MAX_NAME] if isinstance(name, str) and name.strip() else fallback_name[:MAX_NAME]
    tier = data.get("tier") if isinstance(data.get("tier"), str) else "free"
    owned = {item for item in data.get("entitlements") or () if isinstance(item, str)}
    skin = next((s for s in SKINS if f"skin.{s}" in owned), "default")
    trail = next((t for t in TRAILS if f"trail.{t}" in owned), "none")
    return PlayerProfile(name=name, tier=tier, cosmetic=Cosmetic(skin=skin, trail=trail))
