"""The few widgets the menus need: text fields, buttons, a selectable list and a notice banner."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pygame

from client.app_state import Notice, Tone
from client.ui import theme


@dataclass
class TextField:
    rect: pygame.Rect
    label: str
    value: str = ""
    secret: bool = False
    max_length: int = 64
    focused: bool = False
    placeholder: str = ""

    def handle(self, event: pygame.event.Event) -> bool:
        """True if the event was for this field."""
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            self.focused = self.rect.collidepoint(event.pos)
            return self.focused
        if not self.focused or event.type != pygame.KEYDOWN:
            return False
        if event.key == pygame.K_BACKSPACE:
            self.value = self.value[:-1]
            return True
        if event.unicode and event.unicode.isprintable() and len(self.value) < self.max_length:
            self.value += event.unicode
            return True
        return False

    def draw(self, surface: pygame.Surface, now: float = 0.0) -> None:
        theme.text(surface, self.label, (self.rect.x, self.rect.y - 22), 22, theme.MUTED)
        pygame.draw.rect(surface, theme.PANEL, self.rect, border_radius=6)
        edge = theme.ACCENT if self.focused else theme.PANEL_EDGE
        pygame.draw.rect(surface, edge, self.rect, 2, border_radius=6)
        shown = "\u2022" * len(self.value) if self.secret else self.value
        if shown:
            r = theme.text(surface, shown, (self.rect.x + 10, self.rect.centery), 28, theme.TEXT, "midleft")
        else:
            r = pygame.Rect(self.rect.x + 10, self.rect.centery, 0, 0)
            if self.placeholder and not self.focused:
                theme.text(
                    surface, self.placeholder, (self.rect.x + 10, self.rect.centery), 24, theme.DISABLED, "midleft"
                )
        if self.focused and int(now * 2) % 2 == 0:
            x = r.right + 2
            pygame.draw.line(surface, theme.TEXT, (x, self.rect.y + 8), (x, self.rect.bottom - 8), 2)


@dataclass
class Button:
    rect: pygame.Rect
    label: str
    action: str
    enabled: bool = True
    primary: bool = False
    note: str = ""
    hover: bool = False

    def handle(self, event: pygame.event.Event) -> str | None:
        if event.type == pygame.MOUSEMOTION:
            self.hover = self.rect.collidepoint(event.pos)
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1 and self.rect.collidepoint(event.pos):
            return self.action if self.enabled else None
        return None

    def draw(self, surface: pygame.Surface) -> None:
        if not self.enabled:
            fill, edge, ink = theme.PANEL, theme.DISABLED, theme.DISABLED
        elif self.primary:
            fill, edge, ink = theme.ACCENT_DARK, theme.ACCENT, theme.TEXT
        else:
            fill, edge, ink = theme.PANEL, theme.PANEL_EDGE, theme.TEXT
        if self.hover and self.enabled:
            fill = tuple(min(255, c + 18) for c in fill)
        pygame.draw.rect(surface, fill, self.rect, border_radius=8)
        pygame.draw.rect(surface, edge, self.rect, 2, border_radius=8)
        centre = (self.rect.centerx, self.rect.centery - (7 if self.note else 0))
        theme.text(surface, self.label, centre, 26, ink, "center", bold=self.primary)
        if self.note:
            theme.text(surface, self.note, (self.rect.centerx, self.rect.centery + 12), 18, theme.MUTED, "center")


@dataclass
class ListView:
    """Rows of text columns; click to select, double-click or Enter to activate."""

    rect: pygame.Rect
    columns: Sequence[tuple[str, int]]
    rows: list[tuple[str, ...]] = field(default_factory=list)
    badges: list[str | None] = field(default_factory=list)
    selected: int | None = None
    empty_text: str = "Nothing here yet."
    row_height: int = 30
    _last_click: tuple[int, float] = (-1, 0.0)

    def set_rows(self, rows: list[tuple[str, ...]], badges: list[str | None] | None = None) -> None:
        self.rows = rows
        self.badges = badges or [None] * len(rows)
        if self.selected is not None and self.selected >= len(rows):
            self.selected = None

    def handle(self, event: pygame.event.Event, now: float) -> str | None:
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1 and self.rect.collidepoint(event.pos):
            index = (event.pos[1] - self.rect.y - self.row_height) // self.row_height
            if 0 <= index < len(self.rows):
                double = self._last_click[0] == index and now - self._last_click[1] < 0.4
                self.selected, self._last_click = index, (index, now)
                return "activate" if double else "select"
        if event.type == pygame.KEYDOWN and self.rows:
            if event.key == pygame.K_DOWN:
                self.selected = 0 if self.selected is None else min(len(self.rows) - 1, self.selected + 1)
                return "select"
            if event.key == pygame.K_UP:
                self.selected = 0 if self.selected is None else max(0, self.selected - 1)
                return "select"
        return None

    def draw(self, surface: pygame.Surface) -> None:
        pygame.draw.rect(surface, theme.PANEL, self.rect, border_radius=8)
        pygame.draw.rect(surface, theme.PANEL_EDGE, self.rect, 2, border_radius=8)
        x = self.rect.x + 12
        for title, width in self.columns:
            theme.text(surface, title, (x, self.rect.y + 8), 20, theme.MUTED)
            x += width
        pygame.draw.line(
            surface,
            theme.PANEL_EDGE,
            (self.rect.x + 6, self.rect.y + self.row_height - 2),
            (self.rect.right - 6, self.rect.y + self.row_height - 2),
        )
        if not self.rows:
            theme.text(surface, self.empty_text, self.rect.center, 22, theme.MUTED, "center")
            return
        visible = (self.rect.height - self.row_height) // self.row_height
        for i, row in enumerate(self.rows[:visible]):
            y = self.rect.y + self.row_height * (i + 1)
            band = pygame.Rect(self.rect.x + 4, y, self.rect.width - 8, self.row_height - 2)
            if i == self.selected:
                pygame.draw.rect(surface, theme.ACCENT_DARK, band, border_radius=5)
            x = self.rect.x + 12
            for (_, width), cell in zip(self.columns, row, strict=False):
                theme.text(surface, cell, (x, y + self.row_height // 2), 22, theme.TEXT, "midleft")
                x += width
            badge = self.badges[i] if i < len(self.badges) else None
            if badge:
                r = theme.font(18, True).size(badge)
                pill = pygame.Rect(band.right - r[0] - 18, y + 6, r[0] + 12, self.row_height - 14)
                pygame.draw.rect(surface, theme.GOLD_DARK, pill, border_radius=8)
                theme.text(surface, badge, pill.center, 18, theme.GOLD, "center", bold=True)


def draw_notice(surface: pygame.Surface, notice: Notice | None, y: int = 10) -> None:
    if notice is None:
        return
    colour = theme.DANGER if notice.tone is Tone.ERROR else theme.ACCENT
    width = min(surface.get_width() - 40, theme.font(22).size(notice.text)[0] + 40)
    rect = pygame.Rect(0, y, width, 34)
    rect.centerx = surface.get_width() // 2
    pygame.draw.rect(surface, theme.PANEL, rect, border_radius=8)
    pygame.draw.rect(surface, colour, rect, 2, border_radius=8)
    theme.text(surface, notice.text, rect.center, 22, colour, "center")
