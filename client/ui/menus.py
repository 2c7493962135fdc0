"""The menu screens: login / sign-up, lobby (quick play, server browser, create), connecting, results."""

from __future__ import annotations

import math

import pygame

from client.api import SessionInfo
from client.app_state import Notice, Tone
from client.ui import actions, theme
from client.ui.widgets import Button, ListView, TextField, draw_notice
from client.view import ResultsView


def draw_backdrop(surface: pygame.Surface, now: float) -> None:
    """The dark field with a slowly drifting grid, behind every menu."""
    surface.fill(theme.BACKGROUND)
    w, h = surface.get_size()
    shift = int(now * 12) % 40
    for x in range(-40 + shift, w, 40):
        pygame.draw.line(surface, theme.GRID, (x, 0), (x, h))
    for y in range(-40 + shift, h, 40):
        pygame.draw.line(surface, theme.GRID, (0, y), (w, y))


def draw_title(surface: pygame.Surface, y: int, subtitle: str) -> None:
    cx = surface.get_width() // 2
    theme.text(surface, "ARENA", (cx, y), 84, theme.ACCENT, "center", bold=True)
    theme.text(surface, subtitle, (cx, y + 44), 24, theme.MUTED, "center")
    # A little ship beside the title, the one the player flies.
    points = _ship_points(cx - 150, y - 2, -math.pi / 2, 20)
    pygame.draw.polygon(surface, theme.ACCENT, points)
    pygame.draw.polygon(surface, theme.TEXT, points, 2)


def _ship_points(x: float, y: float, angle: float, size: float) -> list[tuple[float, float]]:
    pts = [(1.0, 0.0), (-0.8, 0.65), (-0.45, 0.0), (-0.8, -0.65)]
    c, s = math.cos(angle), math.sin(angle)
    return [(x + (px * c - py * s) * size, y + (px * s + py * c) * size) for px, py in pts]


class LoginScreen:
    def __init__(self, size: tuple[int, int], auth_url: str = "", backend_url: str = "") -> None:
        w, _h = size
        self.size = size
        self.auth_url, self.backend_url = auth_url, backend_url
        left = w // 2 - 160
        self.username = TextField(pygame.Rect(left, 250, 320, 42), "Username", focused=True, max_length=32)
        self.password = TextField(pygame.Rect(left, 330, 320, 42), "Password", secret=True, max_length=128)
        self.login = Button(pygame.Rect(left, 400, 150, 46), "Log in", "login", primary=True)
        self.signup = Button(pygame.Rect(left + 170, 400, 150, 46), "Sign up", "signup")
        self.busy: str | None = None
        self.notice: Notice | None = None

    def handle(self, event: pygame.event.Event, now: float) -> actions.Action | None:
        if event.type == pygame.KEYDOWN and event.key == pygame.K_TAB:
            self.username.focused, self.password.focused = self.password.focused, self.username.focused
            if not (self.username.focused or self.password.focused):
                self.username.focused = True
            return None
        if event.type == pygame.KEYDOWN and event.key in (pygame.K_RETURN, pygame.K_KP_ENTER):
            if self.username.focused and not self.password.value:
                self.username.focused, self.password.focused = False, True
                return None
            return self._submit("login")
        for f in (self.username, self.password):
            f.handle(event)
        for b in (self.login, self.signup):
            pressed = b.handle(event)
            if pressed:
                return self._submit(pressed)
        return None

    def _submit(self, which: str) -> actions.Action | None:
        if self.busy:
            return None
        user, password = self.username.value.strip(), self.password.value
        if not user or not password:
            self.notice = Notice("Enter a username and a password.", tone=Tone.ERROR)
            return None
        return actions.LogIn(user, password) if which == "login" else actions.SignUp(user, password)

    def draw(self, surface: pygame.Surface, now: float) -> None:
        draw_backdrop(surface, now)
        draw_title(surface, 120, "a GameLift reference game")
        panel = pygame.Rect(self.size[0] // 2 - 190, 205, 380, 270)
        pygame.draw.rect(surface, theme.PANEL, panel, border_radius=12)
        pygame.draw.rect(surface, theme.PANEL_EDGE, panel, 2, border_radius=12)
        self.username.draw(surface, now)
        self.password.draw(surface, now)
        self.login.enabled = self.signup.enabled = self.busy is None
        self.login.draw(surface)
        self.signup.draw(surface)
        if self.busy:
            _spinner(surface, (panel.centerx, panel.bottom + 34), now)
            theme.text(surface, self.busy, (panel.centerx, panel.bottom + 64), 22, theme.MUTED, "center")
        hint = "New here? Pick a name and a password (8+ characters) and press Sign up."
        theme.text(surface, hint, (self.size[0] // 2, self.size[1] - 70), 20, theme.MUTED, "center")
        services = f"login service {self.auth_url}   \u00b7   game backend {self.backend_url}"
        theme.text(surface, services, (self.size[0] // 2, self.size[1] - 40), 18, theme.DISABLED, "center")
        draw_notice(surface, self.notice)


class LobbyScreen:
    def __init__(self, size: tuple[int, int]) -> None:
        w, h = size
        self.size = size
        self.username, self.tier = "", "free"
        self.quick = Button(
            pygame.Rect(30, 110, 230, 64), "Quick play", "quick", primary=True, note="join or start a game"
        )
        self.session_name = TextField(pygame.Rect(30, 216, 230, 40), "New session name", max_length=64)
        self.create = Button(pygame.Rect(30, 266, 230, 44), "Create session", "create")
        self.matchmaking = Button(
            pygame.Rect(30, 340, 230, 54), "Matchmaking", "matchmaking", enabled=False, note="coming soon: FlexMatch"
        )
        self.realtime = Button(
            pygame.Rect(30, 404, 230, 54), "Realtime mode", "realtime", enabled=False, note="coming soon: relay fleet"
        )
        self.logout = Button(pygame.Rect(30, h - 70, 230, 44), "Log out", "logout")
        self.browser = ListView(
            pygame.Rect(290, 110, w - 320, h - 250),
            columns=(("Session", 250), ("Players", 90), ("Status", 90)),
            empty_text="No open sessions. Quick play or create one.",
        )
        self.refresh = Button(pygame.Rect(290, h - 125, 150, 44), "Refresh", "refresh")
        self.join = Button(pygame.Rect(w - 180, h - 125, 150, 44), "Join", "join", primary=True)
        self.sessions: list[SessionInfo] = []
        self.busy: str | None = None
        self.notice: Notice | None = None

    def set_player(self, username: str, tier: str) -> None:
        self.username, self.tier = username, tier

    def set_sessions(self, sessions: list[SessionInfo]) -> None:
        self.sessions = sessions
        self.browser.set_rows(
            [
                (s.name[:26], f"{s.current_players}/{s.max_players}", "full" if s.full else s.status.lower())
                for s in sessions
            ],
            ["PREMIUM" if s.premium_only else None for s in sessions],
        )

    def handle(self, event: pygame.event.Event, now: float) -> actions.Action | None:
        self.session_name.handle(event)
        picked = self.browser.handle(event, now)
        if picked == "activate" or (
            event.type == pygame.KEYDOWN and event.key == pygame.K_RETURN and not self.session_name.focused
        ):
            return self._join()
        if event.type == pygame.KEYDOWN and event.key == pygame.K_RETURN and self.session_name.focused:
            return self._create()
        for b in (self.quick, self.create, self.matchmaking, self.realtime, self.logout, self.refresh, self.join):
            pressed = b.handle(event)
            if pressed == "logout":
                return actions.LogOut()
            if self.busy:
                continue
            if pressed == "quick":
                return actions.QuickPlay()
            if pressed == "create":
                return self._create()
            if pressed == "refresh":
                return actions.Refresh()
            if pressed == "join":
                return self._join()
        return None

    def _create(self) -> actions.Action | None:
        name = self.session_name.value.strip() or f"{self.username}'s arena"
        return None if self.busy else actions.CreateSession(name[:64])

    def _join(self) -> actions.Action | None:
        if self.busy or self.browser.selected is None or self.browser.selected >= len(self.sessions):
            return None
        return actions.JoinSession(self.sessions[self.browser.selected].game_session_id)

    def draw(self, surface: pygame.Surface, now: float) -> None:
        draw_backdrop(surface, now)
        theme.text(surface, "ARENA", (30, 30), 56, theme.ACCENT, bold=True)
        theme.text(surface, "Lobby", (200, 44), 32, theme.MUTED)
        w = self.size[0]
        who = theme.text(surface, self.username, (w - 30, 40), 30, theme.TEXT, "topright")
        if self.tier == "premium":
            pill = pygame.Rect(0, 0, 86, 24)
            pill.midright = (who.left - 10, who.centery)
            pygame.draw.rect(surface, theme.GOLD_DARK, pill, border_radius=10)
            theme.text(surface, "PREMIUM", pill.center, 18, theme.GOLD, "center", bold=True)
        else:
            theme.text(surface, "free tier", (who.left - 10, who.centery), 20, theme.MUTED, "midright")
        theme.text(surface, "Server browser", (290, 84), 24, theme.MUTED)
        for b in (self.quick, self.create, self.refresh, self.join):
            b.enabled = self.busy is None
        self.join.enabled = self.join.enabled and self.browser.selected is not None
        for widget in (self.quick, self.create, self.matchmaking, self.realtime, self.logout, self.refresh, self.join):
            widget.draw(surface)
        self.session_name.draw(surface, now)
        self.browser.draw(surface)
        if self.busy:
            _spinner(surface, (465, self.size[1] - 103), now, 12)
            theme.text(surface, self.busy, (485, self.size[1] - 103), 22, theme.MUTED, "midleft")
        draw_notice(surface, self.notice)


class ConnectingScreen:
    def __init__(self, size: tuple[int, int]) -> None:
        self.size = size
        self.address = ""
        self.cancel = Button(pygame.Rect(size[0] // 2 - 80, size[1] // 2 + 80, 160, 44), "Cancel", "cancel")

    def handle(self, event: pygame.event.Event, now: float) -> actions.Action | None:
        if self.cancel.handle(event) or (event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE):
            return actions.LeaveGame()
        return None

    def draw(self, surface: pygame.Surface, now: float) -> None:
        draw_backdrop(surface, now)
        cx, cy = self.size[0] // 2, self.size[1] // 2
        _spinner(surface, (cx, cy - 40), now, 28)
        theme.text(surface, "Joining the game...", (cx, cy + 20), 36, theme.TEXT, "center")
        theme.text(surface, self.address, (cx, cy + 52), 22, theme.MUTED, "center")
        self.cancel.draw(surface)


class ResultsScreen:
    def __init__(self, size: tuple[int, int]) -> None:
        self.size = size
        self.results: ResultsView | None = None
        self.connected = True
        self.notice: Notice | None = None
        self.back = Button(
            pygame.Rect(size[0] // 2 - 100, size[1] - 80, 200, 48), "Back to lobby", "back", primary=True
        )

    def handle(self, event: pygame.event.Event, now: float) -> actions.Action | None:
        if self.back.handle(event) or (
            event.type == pygame.KEYDOWN and event.key in (pygame.K_ESCAPE, pygame.K_RETURN)
        ):
            return actions.LeaveGame()
        return None

    def draw(self, surface: pygame.Surface, now: float) -> None:
        draw_backdrop(surface, now)
        w, h = self.size
        r = self.results
        title = f"Round {r.round_number} over" if r else "Round over"
        theme.text(surface, title, (w // 2, 50), 56, theme.TEXT, "center", bold=True)
        if r and r.winner:
            theme.text(surface, f"Winner: {r.winner}", (w // 2, 96), 32, theme.GOLD, "center")
        table = pygame.Rect(120, 130, w - 240, h - 240)
        pygame.draw.rect(surface, theme.PANEL, table, border_radius=12)
        pygame.draw.rect(surface, theme.PANEL_EDGE, table, 2, border_radius=12)
        cols = (("#", 40), ("Player", 300), ("Tags", 100), ("Tagged", 100))
        x = table.x + 20
        for name, width in cols:
            theme.text(surface, name, (x, table.y + 14), 22, theme.MUTED)
            x += width
        rows = r.rows if r else ()
        for i, row in enumerate(rows[:12]):
            y = table.y + 46 + i * 28
            if row.me:
                pygame.draw.rect(
                    surface, theme.ACCENT_DARK, (table.x + 8, y - 3, table.width - 16, 26), border_radius=5
                )
            colour = theme.player_colour(row.slot, row.team)
            cells = (str(i + 1), row.name, str(row.score), str(row.deaths))
            x = table.x + 20
            for (_, width), cell in zip(cols, cells, strict=True):
                theme.text(surface, cell, (x, y), 24, colour if cell == row.name else theme.TEXT)
                x += width
        if r and r.team_scores:
            line = "   ".join(f"Team {t + 1}: {s}" for t, s in r.team_scores)
            theme.text(surface, line, (w // 2, table.bottom - 24), 24, theme.TEXT, "center")
        if not self.connected:
            status = "The session has ended."
        elif r and r.next_round_in is not None:
            status = f"Next round in {max(0, math.ceil(r.next_round_in))} s"
        else:
            status = "Waiting for the server..."
        theme.text(surface, status, (w // 2, h - 100), 24, theme.MUTED, "center")
        self.back.draw(surface)
        draw_notice(surface, self.notice, y=h - 40 - 34 - 100)


def _spinner(surface: pygame.Surface, centre: tuple[int, int], now: float, radius: int = 16) -> None:
    for i in range(8):
        a = now * 6 + i * math.pi / 4
        shade = 60 + i * 24
        pos = (centre[0] + math.cos(a) * radius, centre[1] + math.sin(a) * radius)
        pygame.draw.circle(surface, (shade // 2, shade, min(255, shade + 60)), pos, max(2, radius // 6))
