"""Colours, fonts and cosmetics: one place for the look, tuned to read at 800x600."""

from __future__ import annotations

import functools

import pygame

BACKGROUND = (12, 16, 30)
OUTSIDE = (5, 7, 14)  # beyond the arena's walls
PANEL = (24, 31, 54)
PANEL_EDGE = (58, 72, 118)
GRID = (22, 30, 52)
ARENA_EDGE = (88, 110, 190)
TEXT = (228, 234, 255)
MUTED = (130, 142, 178)
ACCENT = (90, 200, 255)
ACCENT_DARK = (32, 92, 140)
DANGER = (255, 96, 110)
OK = (110, 230, 150)
WARN = (255, 200, 90)
GOLD = (255, 204, 64)
GOLD_DARK = (170, 118, 20)
DISABLED = (70, 78, 104)

# Ship colours in free-for-all, by player slot; readable on the dark background and from each other.
PLAYER_COLOURS = [
    (90, 200, 255),
    (255, 120, 90),
    (140, 240, 120),
    (230, 120, 255),
    (255, 220, 90),
    (90, 255, 220),
    (255, 150, 200),
    (170, 170, 255),
    (255, 170, 60),
    (120, 200, 140),
    (200, 240, 255),
    (240, 100, 160),
    (150, 220, 60),
    (100, 150, 255),
    (255, 110, 60),
    (200, 160, 255),
]
TEAM_COLOURS = [(80, 170, 255), (255, 110, 90), (130, 230, 120), (240, 200, 80)]
PICKUP_COLOURS = {"shield": (110, 200, 255), "speed": (255, 220, 90)}


def player_colour(slot: int, team: int | None = None) -> tuple[int, int, int]:
    if team is not None:
        return TEAM_COLOURS[team % len(TEAM_COLOURS)]
    return PLAYER_COLOURS[slot % len(PLAYER_COLOURS)]


@functools.cache
def font(size: int, bold: bool = False) -> pygame.font.Font:
    if not pygame.font.get_init():
        pygame.font.init()
    f = pygame.font.Font(None, size)
    f.set_bold(bold)
    return f


def text(
    surface: pygame.Surface,
    words: str,
    pos: tuple[float, float],
    size: int = 24,
    colour: tuple[int, int, int] = TEXT,
    anchor: str = "topleft",
    bold: bool = False,
) -> pygame.Rect:
    image = font(size, bold).render(words, True, colour)
    rect = image.get_rect(**{anchor: (round(pos[0]), round(pos[1]))})
    surface.blit(image, rect)
    return rect
