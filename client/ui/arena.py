"""Drawing a game frame: the arena, ships with their skins and trails, shots, pickups, HUD and feed.

The arena (1600x1000 world units) is bigger than an 800x600 window at a size where ships read
well, so a camera follows the player's ship at 0.75 scale and a minimap shows the whole field.
Everything is vector shapes: no image assets, crisp at any window size.
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from dataclasses import dataclass, field

import pygame

from client.ui import theme
from client.view import FrameView, Link, PickupView, ShipView, ShotView

HUD_HEIGHT = 36
SHIP_SHAPE = [(1.0, 0.0), (-0.75, 0.68), (-0.4, 0.0), (-0.75, -0.68)]
GOLD_STRIPE = [(0.55, 0.0), (-0.45, 0.36), (-0.3, 0.0), (-0.45, -0.36)]


@dataclass
class Camera:
    """World to screen: follows a point, never shows past the arena's edges when it can help it."""

    view: pygame.Rect
    scale: float = 0.75
    cx: float = 0.0
    cy: float = 0.0

    def follow(self, x: float, y: float, arena_w: float, arena_h: float) -> None:
        """Keep the point in the middle, but show at most ``margin`` beyond the arena's edge: a ship in a
        corner is still well inside the view, never under the HUD or the minimap."""
        half_w, half_h = self.view.width / 2 / self.scale, self.view.height / 2 / self.scale
        margin = 0.45 * min(half_w, half_h)
        self.cx = _clamp(x, half_w - margin, arena_w - half_w + margin)
        self.cy = _clamp(y, half_h - margin, arena_h - half_h + margin)

    def to_screen(self, x: float, y: float) -> tuple[float, float]:
        return (
            self.view.centerx + (x - self.cx) * self.scale,
            self.view.centery + (y - self.cy) * self.scale,
        )


@dataclass
class Trails:
    """Recent on-screen positions of each ship, for trails (a cosmetic only the client keeps)."""

    length: float = 0.45
    points: dict[int, deque[tuple[float, float, float]]] = field(default_factory=dict)

    def record(self, ships: tuple[ShipView, ...], now: float) -> None:
        for gone in set(self.points) - {s.id for s in ships}:
            del self.points[gone]
        for ship in ships:
            trail = self.points.setdefault(ship.id, deque())
            if not ship.alive:
                trail.clear()
                continue
            if trail and math.dist(trail[-1][1:], (ship.x, ship.y)) > 120:
                trail.clear()  # respawned elsewhere: no streak across the map
            trail.append((now, ship.x, ship.y))
            while trail and now - trail[0][0] > self.length:
                trail.popleft()


class ArenaRenderer:
    def __init__(self, size: tuple[int, int], scale: float = 0.75) -> None:
        self.size = size
        self.camera = Camera(pygame.Rect(0, HUD_HEIGHT, size[0], size[1] - HUD_HEIGHT), scale)
        self.trails = Trails()
        # Where the own ship was last drawn: mouse aim is relative to it.
        self.me_on_screen: tuple[float, float] = self.camera.view.center

    def draw(self, surface: pygame.Surface, frame: FrameView, now: float) -> None:
        me = frame.me
        focus = (me.x, me.y) if me else (frame.arena_width / 2, frame.arena_height / 2)
        self.camera.follow(*focus, frame.arena_width, frame.arena_height)
        self.me_on_screen = self.camera.to_screen(*focus)
        self.trails.record(frame.ships, now)
        surface.fill(theme.OUTSIDE)
        clip = surface.get_clip()
        surface.set_clip(self.camera.view)
        self._floor(surface, frame)
        for pickup in frame.pickups:
            self._pickup(surface, pickup, now)
        for ship in frame.ships:
            self._trail(surface, ship, now)
        colours = {s.id: theme.player_colour(s.slot, s.team) for s in frame.ships}
        for shot in frame.shots:
            self._shot(surface, shot, colours.get(shot.owner, theme.TEXT))
        for ship in sorted(frame.ships, key=lambda s: s.me):
            self._ship(surface, ship, now)
        surface.set_clip(clip)
        self._minimap(surface, frame)
        self._hud(surface, frame)
        self._feed(surface, frame)
        if me is not None and not me.alive:
            self._respawn_banner(surface, me)

    # -- world ---------------------------------------------------------------------------------
    def _floor(self, surface: pygame.Surface, frame: FrameView) -> None:
        cam = self.camera
        tl, br = cam.to_screen(0, 0), cam.to_screen(frame.arena_width, frame.arena_height)
        pygame.draw.rect(surface, theme.BACKGROUND, pygame.Rect(tl, (br[0] - tl[0], br[1] - tl[1])))
        step = 100
        for gx in range(0, int(frame.arena_width) + 1, step):
            a, b = cam.to_screen(gx, 0), cam.to_screen(gx, frame.arena_height)
            pygame.draw.line(surface, theme.GRID, a, b)
        for gy in range(0, int(frame.arena_height) + 1, step):
            a, b = cam.to_screen(0, gy), cam.to_screen(frame.arena_width, gy)
            pygame.draw.line(surface, theme.GRID, a, b)
        pygame.draw.rect(surface, theme.ARENA_EDGE, pygame.Rect(tl, (br[0] - tl[0], br[1] - tl[1])), 3)

    def _ship(self, surface: pygame.Surface, ship: ShipView, now: float) -> None:
        if not ship.alive:
            return
        x, y = self.camera.to_screen(ship.x, ship.y)
        size = 16 * self.camera.scale * 1.4
        colour = theme.player_colour(ship.slot, ship.team)
        body = _shape(SHIP_SHAPE, x, y, ship.angle, size)
        if ship.boosted:
            flame = _shape(
                [(-0.55, 0.3), (-1.25 - 0.2 * math.sin(now * 40), 0.0), (-0.55, -0.3)], x, y, ship.angle, size
            )
            pygame.draw.polygon(surface, theme.WARN, flame)
        if ship.skin == "gold":
            pygame.draw.polygon(surface, theme.GOLD, body)
            pygame.draw.polygon(surface, theme.GOLD_DARK, _shape(GOLD_STRIPE, x, y, ship.angle, size))
            pygame.draw.polygon(surface, colour, body, 3)
            glow = 0.5 + 0.5 * math.sin(now * 4)
            pygame.draw.circle(surface, _mix(theme.GOLD, theme.BACKGROUND, 0.4 + 0.3 * glow), (x, y), size * 1.5, 1)
        else:
            pygame.draw.polygon(surface, colour, body)
            pygame.draw.polygon(surface, theme.TEXT, body, 2)
        if ship.shielded:
            pulse = 1.55 + 0.08 * math.sin(now * 10)
            pygame.draw.circle(surface, theme.PICKUP_COLOURS["shield"], (x, y), size * pulse, 2)
        label = ship.name if not ship.me else f"{ship.name} (you)"
        theme.text(surface, label, (x, y - size * 1.7), 18, theme.TEXT if ship.me else colour, "midbottom")

    def _trail(self, surface: pygame.Surface, ship: ShipView, now: float) -> None:
        points = self.trails.points.get(ship.id)
        if not points or len(points) < 2 or ship.trail in ("none", ""):
            return
        colour = theme.player_colour(ship.slot, ship.team)
        screen = [(t, *self.camera.to_screen(px, py)) for t, px, py in points]
        if ship.trail == "sparks":
            for i, (t, sx, sy) in enumerate(screen):
                age = (now - t) / self.trails.length
                jitter = math.sin(i * 12.9898 + t * 78.233) * 4
                spark = _mix(theme.GOLD, theme.DANGER, age)
                pygame.draw.circle(surface, spark, (sx + jitter, sy - jitter), max(1.0, 3.5 * (1 - age)))
        else:
            for (t0, x0, y0), (_, x1, y1) in itertools.pairwise(screen):
                age = (now - t0) / self.trails.length
                pygame.draw.line(surface, _mix(colour, theme.BACKGROUND, 0.3 + 0.6 * age), (x0, y0), (x1, y1), 3)

    def _shot(self, surface: pygame.Surface, shot: ShotView, colour: tuple[int, int, int]) -> None:
        x, y = self.camera.to_screen(shot.x, shot.y)
        tail = (x - math.cos(shot.angle) * 10, y - math.sin(shot.angle) * 10)
        pygame.draw.line(surface, colour, tail, (x, y), 3)
        pygame.draw.circle(surface, theme.TEXT, (x, y), 3)

    def _pickup(self, surface: pygame.Surface, pickup: PickupView, now: float) -> None:
        x, y = self.camera.to_screen(pickup.x, pickup.y)
        colour = theme.PICKUP_COLOURS.get(pickup.kind, theme.OK)
        r = 12 * self.camera.scale * (1.0 + 0.12 * math.sin(now * 5 + pickup.id))
        diamond = [(x, y - r * 1.4), (x + r, y), (x, y + r * 1.4), (x - r, y)]
        pygame.draw.polygon(surface, _mix(colour, theme.BACKGROUND, 0.55), diamond)
        pygame.draw.polygon(surface, colour, diamond, 2)
        glyph = "S" if pickup.kind == "shield" else ">>"
        theme.text(surface, glyph, (x, y), 18, colour, "center", bold=True)

    # -- overlays ------------------------------------------------------------------------------
    def _minimap(self, surface: pygame.Surface, frame: FrameView) -> None:
        w = 150
        h = round(w * frame.arena_height / frame.arena_width)
        box = pygame.Rect(self.size[0] - w - 10, self.size[1] - h - 10, w, h)
        shade = pygame.Surface(box.size, pygame.SRCALPHA)
        shade.fill((*theme.PANEL, 200))
        surface.blit(shade, box)
        pygame.draw.rect(surface, theme.PANEL_EDGE, box, 1)
        sx, sy = w / frame.arena_width, h / frame.arena_height
        view = self.camera.view
        half_w, half_h = view.width / 2 / self.camera.scale, view.height / 2 / self.camera.scale
        seen = pygame.Rect(
            box.x + (self.camera.cx - half_w) * sx,
            box.y + (self.camera.cy - half_h) * sy,
            2 * half_w * sx,
            2 * half_h * sy,
        ).clip(box)
        pygame.draw.rect(surface, theme.MUTED, seen, 1)
        for p in frame.pickups:
            pygame.draw.circle(
                surface, theme.PICKUP_COLOURS.get(p.kind, theme.OK), (box.x + p.x * sx, box.y + p.y * sy), 2
            )
        for s in frame.ships:
            if s.alive:
                colour = theme.TEXT if s.me else theme.player_colour(s.slot, s.team)
                pygame.draw.circle(surface, colour, (box.x + s.x * sx, box.y + s.y * sy), 4 if s.me else 3)

    def _hud(self, surface: pygame.Surface, frame: FrameView) -> None:
        hud = frame.hud
        bar = pygame.Rect(0, 0, self.size[0], HUD_HEIGHT)
        pygame.draw.rect(surface, theme.PANEL, bar)
        pygame.draw.line(surface, theme.PANEL_EDGE, bar.bottomleft, bar.bottomright, 2)
        link_colour = {Link.OK: theme.OK, Link.LAGGING: theme.WARN, Link.CONNECTING: theme.ACCENT}.get(
            hud.link, theme.DANGER
        )
        pygame.draw.circle(surface, link_colour, (16, bar.centery), 6)
        theme.text(surface, str(hud.link), (28, bar.centery), 22, link_colour, "midleft")
        ping = "--" if hud.ping_ms is None else str(hud.ping_ms)
        ping_colour = theme.TEXT if hud.ping_ms is None or hud.ping_ms < 120 else theme.WARN
        theme.text(surface, f"ping {ping} ms", (140, bar.centery), 22, ping_colour, "midleft")
        theme.text(surface, f"tick {hud.tick}", (260, bar.centery), 22, theme.MUTED, "midleft")
        players = f"{hud.players}" + (f"/{hud.max_players}" if hud.max_players else "")
        theme.text(surface, f"players {players}", (360, bar.centery), 22, theme.TEXT, "midleft")
        if hud.team_scores:
            scores = "  ".join(f"T{t + 1} {s}" for t, s in hud.team_scores)
            theme.text(surface, scores, (470, bar.centery), 22, theme.TEXT, "midleft")
        theme.text(surface, f"score {hud.score}", (self.size[0] - 150, bar.centery), 24, theme.GOLD, "midright", True)
        if hud.round_left is None:
            clock = "waiting"
        else:
            left = max(0, math.ceil(hud.round_left))
            clock = f"{left // 60}:{left % 60:02d}"
        clock_colour = theme.DANGER if hud.round_left is not None and hud.round_left < 10 else theme.TEXT
        theme.text(surface, clock, (self.size[0] - 16, bar.centery), 28, clock_colour, "midright", True)

    def _feed(self, surface: pygame.Surface, frame: FrameView) -> None:
        for i, line in enumerate(frame.feed[-5:]):
            theme.text(surface, line, (12, HUD_HEIGHT + 10 + i * 22), 20, theme.MUTED)

    def _respawn_banner(self, surface: pygame.Surface, me: ShipView) -> None:
        cx, cy = self.size[0] // 2, self.size[1] // 2
        box = pygame.Rect(0, 0, 320, 70)
        box.center = (cx, cy)
        pygame.draw.rect(surface, theme.PANEL, box, border_radius=10)
        pygame.draw.rect(surface, theme.DANGER, box, 2, border_radius=10)
        theme.text(surface, "You were tagged!", (cx, cy - 12), 30, theme.DANGER, "center", True)
        theme.text(surface, f"back in {me.respawn_in:.1f} s", (cx, cy + 16), 22, theme.TEXT, "center")


def _shape(
    points: list[tuple[float, float]], x: float, y: float, angle: float, size: float
) -> list[tuple[float, float]]:
    c, s = math.cos(angle), math.sin(angle)
    return [(x + (px * c - py * s) * size, y + (px * s + py * c) * size) for px, py in points]


def _clamp(value: float, low: float, high: float) -> float:
    return (low + high) / 2 if low > high else min(max(value, low), high)


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    t = max(0.0, min(1.0, t))
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t), round(a[2] + (b[2] - a[2]) * t))
