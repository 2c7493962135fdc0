"""Ship movement: the one function the server and every client run identically.

The client imports :func:`advance_motion` to predict its own ship between snapshots: after each snapshot it resets
its ship to the server's state and replays the inputs the server has not applied yet (``Snapshot.ack_seq`` says
which). This only works if both sides compute the same numbers, so the function uses nothing but IEEE arithmetic
and ``math.sqrt`` (correctly rounded everywhere), takes the fixed tick length from :class:`Rules`, and rounds its
result to the wire's precision (:mod:`server.game.units`), exactly as the server's snapshot will carry it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from server.game.model import Motion
from server.game.rules import Rules
from server.game.units import quantize_position, quantize_velocity

MOVE_MAX = 127  # input axes are -127..127


@dataclass(frozen=True, slots=True)
class ShipInput:
    """One tick of a player's controls: thrust direction (-127..127 per axis; a longer vector is capped at 127),
    aim (1/65536 turns), and whether the trigger is held."""

    move_x: int = 0
    move_y: int = 0
    aim: int = 0
    fire: bool = False


IDLE = ShipInput()


def thrust(move_x: int, move_y: int) -> tuple[float, float]:
    """The input as a thrust vector of length at most 1."""
    mx = max(-MOVE_MAX, min(MOVE_MAX, move_x))
    my = max(-MOVE_MAX, min(MOVE_MAX, move_y))
    length_sq = mx * mx + my * my
    if length_sq > MOVE_MAX * MOVE_MAX:
        length = math.sqrt(length_sq)
        return mx / length, my / length
    return mx / MOVE_MAX, my / MOVE_MAX


def advance_motion(motion: Motion, move_x: int, move_y: int, rules: Rules, boosted: bool = False) -> Motion:
    """The ship's motion one tick later: thrust, linear drag, speed cap, walls (a ship stops against them), then
    rounding to wire precision."""
    dt = rules.dt
    fx, fy = thrust(move_x, move_y)
    factor = rules.boost_factor if boosted else 1.0
    accel = rules.ship_accel * factor * dt
    damping = max(0.0, 1.0 - rules.ship_drag * dt)
    vx = (motion.vx + fx * accel) * damping
    vy = (motion.vy + fy * accel) * damping
    max_speed = rules.ship_max_speed * factor
    speed_sq = vx * vx + vy * vy
    if speed_sq > max_speed * max_speed:
        scale = max_speed / math.sqrt(speed_sq)
        vx *= scale
        vy *= scale
    x = motion.x + vx * dt
    y = motion.y + vy * dt
    r = rules.ship_radius
    if x < r:
        x, vx = r, max(vx, 0.0)
    elif x > rules.arena_width - r:
        x, vx = rules.arena_width - r, min(vx, 0.0)
    if y < r:
        y, vy = r, max(vy, 0.0)
    elif y > rules.arena_height - r:
        y, vy = rules.arena_height - r, min(vy, 0.0)
    return Motion(quantize_position(x), quantize_position(y), quantize_velocity(vx), quantize_velocity(vy))
