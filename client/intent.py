"""What a player (or a bot) wants this tick, before it becomes a protocol input command.

Keyboard and mouse, and the bot's steering, both produce an ``Intent``; ``client.match`` turns it
into the server's input command with the next sequence number. Keeping this one small type in the
middle means neither the input mapping nor the AI knows the wire format.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Intent:
    # Desired direction of travel; each in [-1, 1], (0, 0) to coast.
    move_x: float = 0.0
    move_y: float = 0.0
    # Where to point, radians, 0 = +x (right), pi/2 = +y (down on screen).
    aim: float = 0.0
    fire: bool = False

    def clamped(self) -> Intent:
        length = math.hypot(self.move_x, self.move_y)
        mx, my = (self.move_x / length, self.move_y / length) if length > 1.0 else (self.move_x, self.move_y)
        return Intent(mx, my, math.remainder(self.aim, 2 * math.pi), bool(self.fire))


IDLE = Intent()
