"""The arena's rules and simulation: pure data and functions, no I/O, importable by the client.

- :mod:`.rules`: tunables (:class:`Rules`) and the GameProperties a session may set;
- :mod:`.model`: the world's state (ships, projectiles, pickups, teams) and the enums the wire carries;
- :mod:`.movement`: :func:`advance_motion`, the ship movement the client also runs to predict its own ship;
- :mod:`.simulation`: :func:`new_world`, :func:`add_player`, :func:`remove_player`, :func:`step` (one fixed tick);
- :mod:`.teams`: FlexMatch MatchmakerData to teams; :mod:`.cosmetics`: PlayerData to name, tier and ship look;
- :mod:`.units`: the fixed-point precision shared with the protocol.

A client predicting its ship::

    from server.game import Rules, Motion, advance_motion
    rules = Rules()
    motion = Motion(snapshot_ship.x, snapshot_ship.y, snapshot_ship.vx, snapshot_ship.vy)
    for cmd in unacknowledged_inputs:            # inputs with seq > snapshot.ack_seq, oldest first
        motion = advance_motion(motion, cmd.move_x, cmd.move_y, rules, boosted)
"""

from server.game.cosmetics import PlayerProfile, profile_from_player_data
from server.game.model import (
    Cosmetic,
    EventKind,
    GameEvent,
    Motion,
    Phase,
    Pickup,
    PickupKind,
    PlayerResult,
    Projectile,
    RoundResults,
    Ship,
    ShipFlag,
    World,
)
from server.game.movement import IDLE, ShipInput, advance_motion, thrust
from server.game.rules import Rules, RulesError, rules_from_game_properties
from server.game.simulation import (
    GameFull,
    TickOutcome,
    add_player,
    new_world,
    remove_player,
    round_results,
    step,
    time_left_ticks,
)
from server.game.teams import FREE_FOR_ALL, MatchmakerDataError, TeamPlan, choose_team, team_plan

__all__ = [
    "FREE_FOR_ALL",
    "IDLE",
    "Cosmetic",
    "EventKind",
    "GameEvent",
    "GameFull",
    "MatchmakerDataError",
    "Motion",
    "Phase",
    "Pickup",
    "PickupKind",
    "PlayerProfile",
    "PlayerResult",
    "Projectile",
    "RoundResults",
    "Rules",
    "RulesError",
    "Ship",
    "ShipFlag",
    "ShipInput",
    "TeamPlan",
    "TickOutcome",
    "World",
    "add_player",
    "advance_motion",
    "choose_team",
    "new_world",
    "profile_from_player_data",
    "remove_player",
    "round_results",
    "rules_from_game_properties",
    "step",
    "team_plan",
    "thrust",
    "time_left_ticks",
]
