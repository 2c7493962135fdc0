"""Teams from FlexMatch: the game session's MatchmakerData names them and says who is in which.

A session made by FlexMatch carries ``MatchmakerData`` (JSON): ``{"teams": [{"name": "red", "players":
[{"playerId": ...}, ...]}, ...], ...}``. The arena plays those teams (friendly fire off, team score = sum of tags).
Without it the session is free-for-all. A player the data does not list (a backfill that has not updated the data
yet, or a player seated outside matchmaking) joins the smallest team.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from server.game.model import World

FREE_FOR_ALL = -1


class MatchmakerDataError(ValueError):
    pass


@dataclass(frozen=True)
class TeamPlan:
    names: tuple[str, ...] = ()
    members: dict[str, int] = field(default_factory=dict)  # PlayerId -> team index

    @property
    def free_for_all(self) -> bool:
        return not self.names


def team_plan(matchmaker_data: str) -> TeamPlan:
    """Parse MatchmakerData; an empty string is free-for-all. Raises MatchmakerDataError for a document that is
    not JSON or not shaped like FlexMatch's."""
    if not matchmaker_data:
        return TeamPlan()
    try:
        document = json.loads(matchmaker_data)
    except ValueError as exc:
        raise MatchmakerDataError(f"MatchmakerData is not JSON: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("teams", []), list):
        raise MatchmakerDataError("MatchmakerData has no list of teams")
    names: list[str] = []
    members: dict[str, int] = {}
    for team in document.get("teams", []):
        if not isinstance(team, dict) or not isinstance(team.get("name"), str):
            raise MatchmakerDataError("a MatchmakerData team has no name")
        if team["name"] in names:
            continue
        index = len(names)
        names.append(team["name"])
        for player in team.get("players") or []:
            if isinstance(player, dict) and isinstance(player.get("playerId"), str):
                members[player["playerId"]] = index
    return TeamPlan(tuple(names), members)


def choose_team(plan: TeamPlan, player_id: str, current_teams: Iterable[int]) -> int:
    """The team for a joining player: the plan's, else the smallest team (lowest index on a tie), else
    FREE_FOR_ALL."""
    if plan.free_for_all:
        return FREE_FOR_ALL
    if player_id in plan.members:
        return plan.members[player_id]
    sizes = [0] * len(plan.names)
    for team in current_teams:
        if 0 <= team < len(sizes):
            sizes[team] += 1
    return min(range(len(sizes)), key=lambda i: (sizes[i], i))


def team_sizes(world: World) -> list[int]:
    sizes = [0] * len(world.teams)
    for ship in world.ships.values():
        if 0 <= ship.team < len(sizes):
            sizes[ship.team] += 1
    return sizes
