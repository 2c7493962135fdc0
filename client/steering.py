"""The bots' pilot: simple steering behaviours that make a round with bots look like a round with people.

Each tick a bot looks at the world it has (its own predicted ship, others as interpolated, pickups)
and picks an ``Intent``: chase the nearest opponent but hold a comfortable range and circle it,
lead the shot by the target's velocity, fire only when roughly on target, grab a nearby pickup
when it is closer than any fight, keep off the walls, and wander when alone. A little seeded noise
keeps bots from moving in lockstep. Pure: no sockets, no clock, tested by table.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from client.intent import Intent


@dataclass(frozen=True)
class Body:
    """Something on the field as the bot sees it."""

    id: int
    x: float
    y: float
    vx: float = 0.0
    vy: float = 0.0
    team: int | None = None
    alive: bool = True
    # Where the ship points now (radians); None when it turns instantly (twin-stick aim).
    angle: float | None = None


@dataclass(frozen=True)
class Field:
    width: float
    height: float
    projectile_speed: float = 420.0
    # Shots beyond this range rarely land: do not waste them.
    fire_range: float = 380.0


@dataclass
class Pilot:
    seed: int = 0
    # Distance the bot tries to keep from its target while circling it.
    preferred_range: float = 180.0
    # How close a wall may get before the bot steers away.
    wall_margin: float = 60.0
    # Aim error (radians) within which a bot fires.
    fire_cone: float = 0.2
    # A pickup this much nearer than the target is worth the detour.
    pickup_bias: float = 0.6
    rng: random.Random = field(init=False)
    _wander: float = field(init=False)
    _orbit: float = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self._wander = self.rng.uniform(-math.pi, math.pi)
        self._orbit = self.rng.choice((-1.0, 1.0))

    def idle(self) -> Intent:
        """While tagged: no thrust, no trigger."""
        return Intent(0.0, 0.0, self._wander, False)

    def decide(self, me: Body, others: list[Body], pickups: list[Body], arena: Field) -> Intent:
        enemies = [o for o in others if o.alive and o.id != me.id and (me.team is None or o.team != me.team)]
        target = min(enemies, key=lambda o: _dist(me, o), default=None)
        pickup = min(pickups, key=lambda p: _dist(me, p), default=None)

        move = (0.0, 0.0)
        aim = math.atan2(me.vy, me.vx) if (me.vx or me.vy) else self._wander
        fire = False
        if target is not None:
            distance = _dist(me, target)
            aim = lead_angle(me, target, arena.projectile_speed)
            to_target = _unit(target.x - me.x, target.y - me.y)
            # Close in when far, back off when too near, and always drift sideways (circle).
            radial = max(-1.0, min(1.0, (distance - self.preferred_range) / self.preferred_range))
            side = (-to_target[1] * self._orbit, to_target[0] * self._orbit)
            move = (to_target[0] * radial + side[0] * 0.7, to_target[1] * radial + side[1] * 0.7)
            on_target = me.angle is None or abs(_angle_diff(aim, me.angle)) < self.fire_cone
            fire = distance <= arena.fire_range and on_target
        if pickup is not None and (target is None or _dist(me, pickup) < self.pickup_bias * _dist(me, target)):
            move = _unit(pickup.x - me.x, pickup.y - me.y)
        if target is None and pickup is None:
            self._wander += self.rng.uniform(-0.3, 0.3)
            move = (math.cos(self._wander), math.sin(self._wander))
        if self.rng.random() < 0.01:
            self._orbit = -self._orbit
        move = _add(move, wall_push(me, arena, self.wall_margin))
        mx, my = _unit(*move) if math.hypot(*move) > 1.0 else move
        return Intent(mx, my, aim, fire)


def lead_angle(me: Body, target: Body, projectile_speed: float) -> float:
    """Aim where the target will be when a shot fired now gets there (first-order lead)."""
    dx, dy = target.x - me.x, target.y - me.y
    time = math.hypot(dx, dy) / projectile_speed if projectile_speed > 0 else 0.0
    return math.atan2(dy + target.vy * time, dx + target.vx * time)


def wall_push(me: Body, arena: Field, margin: float) -> tuple[float, float]:
    """A push away from each wall closer than ``margin``, stronger the closer it is."""
    px = py = 0.0
    if me.x < margin:
        px += (margin - me.x) / margin
    if me.x > arena.width - margin:
        px -= (me.x - (arena.width - margin)) / margin
    if me.y < margin:
        py += (margin - me.y) / margin
    if me.y > arena.height - margin:
        py -= (me.y - (arena.height - margin)) / margin
    return px * 2.0, py * 2.0


def _dist(a: Body, b: Body) -> float:
    return math.hypot(a.x - b.x, a.y - b.y)


def _unit(x: float, y: float) -> tuple[float, float]:
    length = math.hypot(x, y)
    return (0.0, 0.0) if length == 0 else (x / length, y / length)


def _add(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    return a[0] + b[0], a[1] + b[1]


def _angle_diff(a: float, b: float) -> float:
    return math.remainder(a - b, 2 * math.pi)
