"""Keyboard and mouse to an ``Intent``: WASD or arrows move, the mouse aims, space or the left button fires.

The pointer aims relative to the ship's position on screen. When the mouse has not moved for a
while (keyboard-only play), the ship aims where it is going, so it can always play.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pygame

from client.intent import Intent

MOVE_KEYS: dict[int, tuple[float, float]] = {
    pygame.K_w: (0, -1),
    pygame.K_UP: (0, -1),
    pygame.K_s: (0, 1),
    pygame.K_DOWN: (0, 1),
    pygame.K_a: (-1, 0),
    pygame.K_LEFT: (-1, 0),
    pygame.K_d: (1, 0),
    pygame.K_RIGHT: (1, 0),
}
FIRE_KEYS = (pygame.K_SPACE,)


@dataclass
class InputMapper:
    # Seconds without mouse motion after which aim follows movement.
    mouse_idle: float = 3.0
    last_mouse_move: float = -1e9
    last_aim: float = 0.0

    def mouse_moved(self, now: float) -> None:
        self.last_mouse_move = now

    def intent(
        self,
        pressed: Callable[[int], bool],
        mouse: tuple[int, int],
        mouse_fire: bool,
        ship_on_screen: tuple[float, float],
        now: float,
    ) -> Intent:
        mx = my = 0.0
        for key, (dx, dy) in MOVE_KEYS.items():
            if pressed(key):
                mx, my = mx + dx, my + dy
        mx, my = max(-1.0, min(1.0, mx)), max(-1.0, min(1.0, my))
        if now - self.last_mouse_move < self.mouse_idle:
            self.last_aim = math.atan2(mouse[1] - ship_on_screen[1], mouse[0] - ship_on_screen[0])
        elif mx or my:
            self.last_aim = math.atan2(my, mx)
        fire = mouse_fire or any(pressed(k) for k in FIRE_KEYS)
        return Intent(mx, my, self.last_aim, fire).clamped()
