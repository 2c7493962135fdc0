"""The tunables of the arena, and which of them a game session may change through its GameProperties.

Movement tunables are part of the protocol contract: the client predicts its own ship with the same
:class:`Rules` defaults, so they are NOT settable per session (a client could not know). Round timing and player
counts are, because clients only display them and learn them from the Welcome message.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rules:
    tick_rate: int = 30  # simulation steps per second
    snapshot_rate: int = 20  # snapshots per second sent to each player
    arena_width: float = 1600.0
    arena_height: float = 1000.0
    max_players: int = 16
    # ships
    ship_radius: float = 16.0
    ship_accel: float = 1100.0  # units/s^2 at full thrust
    ship_drag: float = 3.0  # fraction of velocity lost per second (linear damping)
    ship_max_speed: float = 320.0
    boost_factor: float = 1.5  # thrust and top speed multiplier under a speed pickup
    # shots
    projectile_speed: float = 760.0
    projectile_radius: float = 4.0
    projectile_lifetime: float = 0.9  # seconds
    fire_cooldown: float = 0.25
    # tagging and respawn
    respawn_delay: float = 2.0
    spawn_shield: float = 1.5  # protection after (re)spawning
    # pickups
    shield_duration: float = 6.0
    boost_duration: float = 6.0
    pickup_radius: float = 18.0
    pickup_respawn: float = 12.0
    # rounds
    round_seconds: float = 180.0
    results_seconds: float = 10.0
    rounds: int = 3
    min_players: int = 1  # a round starts once this many ships are in

    @property
    def dt(self) -> float:
        return 1.0 / self.tick_rate

    def ticks(self, seconds: float) -> int:
        """Seconds as a whole number of ticks (at least one for any positive duration)."""
        return max(1, round(seconds * self.tick_rate)) if seconds > 0 else 0


class RulesError(ValueError):
    """A game property has a value the server cannot use (the message names it)."""


# GameProperties keys a session may set -> (field, type, lowest, highest). Keys are camelCase as GameLift users write
# them in CreateGameSession; anything else in GameProperties is the backend's business and ignored here.
SESSION_PROPERTIES: dict[str, tuple[str, type, float, float]] = {
    "roundSeconds": ("round_seconds", float, 1.0, 3600.0),
    "resultsSeconds": ("results_seconds", float, 0.0, 120.0),
    "rounds": ("rounds", int, 1, 100),
    "minPlayers": ("min_players", int, 1, 64),
    "maxPlayers": ("max_players", int, 1, 64),
}


def rules_from_game_properties(properties: Mapping[str, str], base: Rules | None = None) -> Rules:
    """The session's rules: ``base`` (defaults) with the recognised GameProperties applied.

    Raises RulesError for a recognised key whose value is not a number in range, so a typo in a deployment shows up
    in the session log instead of silently playing 3-minute rounds.
    """
    changes: dict[str, float | int] = {}
    for key, (name, kind, lowest, highest) in SESSION_PROPERTIES.items():
        if key not in properties:
            continue
        text = properties[key].strip()
        try:
            value = kind(float(text)) if kind is float else int(text)
        except ValueError:
            raise RulesError(f"game property {key}={text!r} is not a {kind.__name__}") from None
        if not lowest <= value <= highest:
            raise RulesError(f"game property {key}={text!r} is outside {lowest:g}..{highest:g}")
        changes[name] = value
    return dataclasses.replace(base or Rules(), **changes)
