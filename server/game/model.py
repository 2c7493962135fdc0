"""The world's state as plain data: ships, projectiles, pickups, teams, and the enums the wire also carries.

Everything here is mutable dataclasses owned by one :class:`World`; only :mod:`server.game.simulation` changes them,
one fixed tick at a time. Timers are counted in ticks (integers), never in float seconds, so two runs of the same
inputs agree exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, IntFlag
from typing import NamedTuple

from server.game.rules import Rules


class Phase(IntEnum):
    """Where the session's rounds are. WAITING: too few players for a round (ships fly, nothing counts);
    PLAYING: a round is on; RESULTS: the round is over and its standings shown; OVER: the last round ended."""

    WAITING = 0
    PLAYING = 1
    RESULTS = 2
    OVER = 3


class PickupKind(IntEnum):
    SHIELD = 1  # blocks every hit while it lasts
    SPEED = 2  # more thrust and a higher top speed while it lasts


class ShipFlag(IntFlag):
    NONE = 0
    ALIVE = 1
    SHIELD = 2  # a shield pickup or spawn protection is up
    BOOST = 4  # a speed pickup is active


class EventKind(IntEnum):
    """Things worth a line in the kill feed or a sound. ``a``/``b`` are player ids unless noted."""

    TAGGED = 1  # a tagged b
    BLOCKED = 2  # b's shield stopped a's shot
    PICKUP = 3  # a took a pickup of kind b (a PickupKind)
    RESPAWNED = 4  # a is back (b = 0)


class GameEvent(NamedTuple):
    kind: EventKind
    a: int
    b: int


class Vec(NamedTuple):
    x: float
    y: float


@dataclass(frozen=True, slots=True)
class Cosmetic:
    """What the subscription tier unlocks and everyone sees; it comes from PlayerData, never from the client."""

    skin: str = "default"
    trail: str = "none"


@dataclass(frozen=True, slots=True)
class Motion:
    """The part of a ship the client predicts: position and velocity, in world units (and per second)."""

    x: float
    y: float
    vx: float = 0.0
    vy: float = 0.0


@dataclass(slots=True)
class Ship:
    """One player's ship. ``id`` is the small per-session number used on the wire (0..254)."""

    id: int
    name: str
    team: int  # index into World.teams, or -1 in free-for-all
    cosmetic: Cosmetic
    motion: Motion
    aim: int = 0  # 1/65536ths of a turn (see server.game.units)
    alive: bool = True
    respawn_ticks: int = 0  # ticks until a tagged ship comes back
    shield_ticks: int = 0
    boost_ticks: int = 0
    cooldown_ticks: int = 0  # ticks until the next shot
    score: int = 0  # tags this round
    deaths: int = 0  # times tagged this round

    @property
    def flags(self) -> ShipFlag:
        flags = ShipFlag.NONE
        if self.alive:
            flags |= ShipFlag.ALIVE
        if self.shield_ticks > 0:
            flags |= ShipFlag.SHIELD
        if self.boost_ticks > 0:
            flags |= ShipFlag.BOOST
        return flags


@dataclass(frozen=True, slots=True)
class Projectile:
    """A shot. It never changes after it is fired: its position at tick t is spawn + velocity * (t - spawn_tick) * dt,
    which is also how clients draw it, so projectiles cost bytes only when they appear and disappear."""

    id: int
    owner: int
    team: int
    x: float
    y: float
    vx: float
    vy: float
    spawn_tick: int
    expires_tick: int

    def position(self, tick: int, dt: float) -> Vec:
        age = (tick - self.spawn_tick) * dt
        return Vec(self.x + self.vx * age, self.y + self.vy * age)


@dataclass(slots=True)
class Pickup:
    index: int
    kind: PickupKind
    x: float
    y: float
    respawn_ticks: int = 0  # 0 = present

    @property
    def active(self) -> bool:
        return self.respawn_ticks == 0


@dataclass(frozen=True, slots=True)
class PlayerResult:
    id: int
    name: str
    team: int
    score: int
    deaths: int


@dataclass(frozen=True, slots=True)
class RoundResults:
    """Standings at the end of a round: players best first (score, then fewer deaths, then id), team scores by team
    index, and the winner: a team index in team play, a player id in free-for-all, -1 on a tie or an empty round."""

    round: int
    players: tuple[PlayerResult, ...]
    team_scores: tuple[int, ...]
    winner_team: int
    winner_player: int
    final: bool


@dataclass
class World:
    """Everything the simulation owns. Build it with :func:`server.game.simulation.new_world`."""

    rules: Rules
    teams: tuple[str, ...] = ()  # FlexMatch team names, in matchmaker-data order; empty = free-for-all
    tick: int = 0
    phase: Phase = Phase.WAITING
    round: int = 0  # 1-based once the first round starts
    phase_ticks: int = 0  # ticks left in PLAYING / RESULTS
    ships: dict[int, Ship] = field(default_factory=dict)
    projectiles: dict[int, Projectile] = field(default_factory=dict)
    pickups: list[Pickup] = field(default_factory=list)
    team_scores: list[int] = field(default_factory=list)
    next_projectile_id: int = 1
    last_results: RoundResults | None = None
