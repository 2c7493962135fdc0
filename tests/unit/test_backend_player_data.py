"""What servers are told: compact JSON within GameLift's limit, and session access properties."""

from __future__ import annotations

import json

from backend.player_data import (
    MAX_PLAYER_DATA,
    PlayerProfile,
    access_filter,
    game_properties,
    is_premium_only,
    player_data,
)

PLAYER = "player-" + "0" * 32


def test_player_data_carries_the_trusted_values() -> None:
    profile = PlayerProfile(PLAYER, "alice", "Alice", "premium", ["skin.gold", "trail.sparks"])
    data = json.loads(player_data(profile))
    assert data == {
        "v": 1,
        "playerId": PLAYER,
        "name": "Alice",
        "tier": "premium",
        "entitlements": ["skin.gold", "trail.sparks"],
    }


def test_player_data_stays_within_gamelifts_limit_by_dropping_entitlements_from_the_end() -> None:
    items = [f"cosmetic.item-{n:04d}" for n in range(400)]
    text = player_data(PlayerProfile(PLAYER, "alice", "Alice", "free", items))
    assert len(text) <= MAX_PLAYER_DATA
    kept = json.loads(text)["entitlements"]
    assert kept == items[: len(kept)] and 0 < len(kept) < len(items)


def test_session_access_is_a_game_property_quick_play_filters_on() -> None:
    assert is_premium_only(game_properties(premium_only=True, origin="player"))
    assert not is_premium_only(game_properties(premium_only=False, origin="quickplay"))
    free = PlayerProfile(PLAYER, "a", "a", "free")
    premium = PlayerProfile(PLAYER, "a", "a", "premium")
    assert access_filter(free) == "gameSessionProperties.access = 'open'"
    assert access_filter(premium) is None
