"""Units shared by the simulation and the wire: the one place that fixes the world's precision.

The simulation rounds every ship's position and velocity to these steps at the end of each tick. The wire carries
exactly those values as integers, so a snapshot holds the server's state bit for bit: a client that resets its own
ship to a snapshot and replays its unacknowledged inputs through :func:`server.game.movement.advance_motion` lands
exactly where the server will, with no drift to hide.
"""

from __future__ import annotations

import math

# Positions and velocities are multiples of 1/16 world unit (per second). 16 is a power of two, so every such value
# is an exact float and ``value * SCALE`` is an exact integer.
POSITION_SCALE = 16
VELOCITY_SCALE = 16
# Aim is a fraction of a full turn in 1/65536ths (unsigned 16 bits): 0 points along +x, 16384 along +y (screen down).
AIM_STEPS = 65536


def quantize_position(value: float) -> float:
    return round(value * POSITION_SCALE) / POSITION_SCALE


def quantize_velocity(value: float) -> float:
    """Toward zero, so drag always brings a ship to rest (rounding to nearest would let a tiny speed stick)."""
    return math.trunc(value * VELOCITY_SCALE) / VELOCITY_SCALE


def aim_to_radians(aim: int) -> float:
    return (aim % AIM_STEPS) * (2.0 * math.pi / AIM_STEPS)


def radians_to_aim(angle: float) -> int:
    """The aim step nearest ``angle`` (radians, any value), as a client sends it."""
    return round(angle * AIM_STEPS / (2.0 * math.pi)) % AIM_STEPS
