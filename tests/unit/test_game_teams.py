"""Teams from FlexMatch MatchmakerData, and cosmetics from PlayerData."""

from __future__ import annotations

import json

import pytest

from server.game import FREE_FOR_ALL, MatchmakerDataError, choose_team, profile_from_player_data, team_plan
from server.game.model import Cosmetic

MATCH = json.dumps({
    "matchId": "m-1",
    "matchmakingConfigurationArn": "arn:aws:gamelift:us-west-2:123456789012:matchmakingconfiguration/arena",
    "teams": [
        {"name": "red", "players": [{"playerId": "p1", "attributes": {"skill": {"attributeType": "DOUBLE",
                                                                                  "valueAttribute": 10}}},
                                    {"playerId": "p2"}]},
        {"name": "blue", "players": [{"playerId": "p3"}]},
    ],
    "autoBackfillMode": "MANUAL",
})


def test_teams_come_from_matchmaker_data() -> None:
    plan = team_plan(MATCH)
    assert plan.names == ("red", "blue")
    assert plan.members == {"p1": 0, "p2": 0, "p3": 1}
    assert choose_team(plan, "p3", [0, 0]) == 1
    # not in the data (a late backfill or a direct join): the smallest team, lowest index on a tie
    assert choose_team(plan, "p9", [0, 0, 1]) == 1
    assert choose_team(plan, "p9", [0, 1]) == 0


def test_no_matchmaker_data_is_free_for_all() -> None:
    plan = team_plan("")
    assert plan.free_for_all
    assert choose_team(plan, "anyone", []) == FREE_FOR_ALL


@pytest.mark.parametrize("document", ["{not json", "[]", '{"teams": {}}', '{"teams": [{"players": []}]}'])
def test_malformed_matchmaker_data_is_refused(document: str) -> None:
    with pytest.raises(MatchmakerDataError):
        team_plan(document)


def test_premium_player_data_unlocks_the_cosmetic() -> None:
    data = json.dumps({"v": 1, "playerId": "p1", "name": "Ada", "tier": "premium",
                       "entitlements": ["skin.default", "emote.wave", "skin.gold", "trail.sparks"]})
    profile = profile_from_player_data(data, "p1")
    assert (profile.name, profile.tier) == ("Ada", "premium")
    assert profile.cosmetic == Cosmetic("gold", "sparks")


def test_free_player_data_and_bad_data_fall_back() -> None:
    free = profile_from_player_data(json.dumps({"name": "Bo", "tier": "free", "entitlements": ["skin.default"]}),
                                    "p2")
    assert free.cosmetic == Cosmetic("default", "none") and free.tier == "free"
    for bad in ("", "not json", "[1]", json.dumps({"name": 5, "tier": 3, "entitlements": [1]})):
        profile = profile_from_player_data(bad, "player-7")
        assert (profile.name, profile.tier, profile.cosmetic) == ("player-7", "free", Cosmetic())
    assert len(profile_from_player_data(json.dumps({"name": "x" * 100}), "p").name) == 24
