"""The pygame window: screens on the main thread, networking on ``client.runner``'s loop.

Each frame: handle pygame events (screens turn them into actions), collect finished network
work (futures polled with ``done()``, never waited on), drain the game connection's queue into
the match, send inputs at the server's tick rate, draw. The app state machine
(``client.app_state``) decides which screen shows; this module only wires actions and results
to it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import pygame

from client import app_state as st
from client.api import GameApi, Login, Seat
from client.config import ClientConfig
from client.errors import ApiError, ClientError
from client.input_map import InputMapper
from client.intent import IDLE, Intent
from client.match import Match
from client.net import GameConnection
from client.runner import NetworkThread
from client.ui import actions
from client.ui.arena import ArenaRenderer
from client.ui.menus import ConnectingScreen, LobbyScreen, LoginScreen, ResultsScreen

log = logging.getLogger("client.app")

# Inputs a slow frame may send at once to catch up; beyond that the backlog is dropped.
MAX_INPUTS_PER_FRAME = 3


@dataclass
class Pending:
    future: Future[Any]
    on_done: Callable[[Any], None]
    on_error: Callable[[BaseException], None]


class App:
    def __init__(self, config: ClientConfig, surface: pygame.Surface, network: NetworkThread | None = None) -> None:
        self.config = config
        self.surface = surface
        self.size = surface.get_size()
        self.network = network
        self.api = GameApi(config.backend_url, config.auth_url, config.http_timeout)
        self.state = st.AppState()
        self.login_screen = LoginScreen(self.size, config.auth_url, config.backend_url)
        self.lobby = LobbyScreen(self.size)
        self.connecting = ConnectingScreen(self.size)
        self.results = ResultsScreen(self.size)
        self.arena = ArenaRenderer(self.size)
        self.inputs = InputMapper()
        self.connection: GameConnection | None = None
        self.match: Match | None = None
        self.pending: list[Pending] = []
        self.running = True
        self._input_clock = 0.0
        self._last_frame: float | None = None

    # -- state ---------------------------------------------------------------------------------
    def dispatch(self, event: st.Event) -> None:
        try:
            self.state = st.transition(self.state, event)
        except st.InvalidTransition as exc:
            log.debug("event=ignored %s", exc)
            return
        notice = self.state.notice
        self.login_screen.notice = notice if self.state.screen is st.Screen.LOGIN else None
        self.lobby.notice = notice if self.state.screen is st.Screen.LOBBY else None
        self.results.notice = notice if self.state.screen is st.Screen.RESULTS else None
        self.results.connected = self.state.connected
        if self.state.screen is st.Screen.LOBBY and self.state.username:
            self.lobby.set_player(self.state.username, self.state.tier or "free")

    # -- network work --------------------------------------------------------------------------
    def submit(self, coro: Any, on_done: Callable[[Any], None], on_error: Callable[[BaseException], None]) -> None:
        if self.network is None:
            coro.close()
            on_error(ClientError("No network in this mode."))
            return
        self.pending.append(Pending(self.network.submit(coro), on_done, on_error))

    def poll(self) -> None:
        for item in [p for p in self.pending if p.future.done()]:
            self.pending.remove(item)
            error = item.future.exception()
            if error is None:
                item.on_done(item.future.result())
            else:
                item.on_error(error)

    def _failed(self, screen: LoginScreen | LobbyScreen) -> Callable[[BaseException], None]:
        def handle(error: BaseException) -> None:
            screen.busy = None
            if isinstance(error, ApiError) and error.code in ("invalid_token", "missing_token"):
                self.dispatch(st.LoggedOut(error.message))
                return
            message = error.message if isinstance(error, ClientError) else f"Unexpected error: {error!r}"
            if not isinstance(error, ClientError):
                log.error("event=unexpected_error", exc_info=error)
            if self.state.screen is st.Screen.LOGIN:
                self.login_screen.notice = st.Notice(message, st.Tone.ERROR)
            else:
                self.dispatch(st.RequestFailed(message))

        return handle

    # -- actions -------------------------------------------------------------------------------
    def act(self, action: actions.Action) -> None:
        match action:
            case actions.LogIn(username=username, password=password):
                self.login_screen.busy = "Logging in..."
                self.submit(self.api.login(username, password), self._logged_in, self._failed(self.login_screen))
            case actions.SignUp(username=username, password=password):
                self.login_screen.busy = "Creating your account..."
                self.submit(self._sign_up(username, password), self._logged_in, self._failed(self.login_screen))
            case actions.Refresh():
                self.lobby.busy = "Loading sessions..."
                self.submit(self.api.list_sessions(), self._listed, self._failed(self.lobby))
            case actions.QuickPlay():
                self.lobby.busy = "Finding a game..."
                self.submit(self.api.quick_play(), self._seated, self._failed(self.lobby))
            case actions.CreateSession(name=name):
                self.lobby.busy = "Starting a new session..."
                self.submit(self.api.create_session(name), lambda pair: self._seated(pair[1]), self._failed(self.lobby))
            case actions.JoinSession(game_session_id=gsid):
                self.lobby.busy = "Taking a seat..."
                self.submit(self.api.join_session(gsid), self._seated, self._failed(self.lobby))
            case actions.LogOut():
                self.api.logout()
                self.dispatch(st.LoggedOut())
            case actions.LeaveGame():
                self._leave()
            case actions.Quit():
                self.running = False

    async def _sign_up(self, username: str, password: str) -> Login:
        await self.api.sign_up(username, password)
        return await self.api.login(username, password)

    def _logged_in(self, login: Login) -> None:
        self.login_screen.busy = None
        self.login_screen.password.value = ""
        self.dispatch(st.LoggedIn(login.username, login.tier))
        self.act(actions.Refresh())

    def _listed(self, sessions: list[Any]) -> None:
        self.lobby.busy = None
        self.lobby.set_sessions(sessions)

    def _seated(self, seat: Seat) -> None:
        self.lobby.busy = None
        if seat.port is None:
            self.dispatch(st.RequestFailed("The game server has no address yet. Try again."))
            return
        self.dispatch(st.SeatGranted(seat.game_session_id, f"{seat.host}:{seat.port}"))
        self.connecting.address = f"{seat.host}:{seat.port}"
        connection = GameConnection(seat.url, seat.player_session_id, connect_timeout=self.config.connect_timeout)
        self.connection = connection

        async def connect() -> Any:
            welcome = await connection.open()
            connection.start()
            return welcome

        def joined(welcome: Any) -> None:
            if self.connection is not connection or self.state.screen is not st.Screen.CONNECTING:
                self._close_connection(connection)  # the player cancelled meanwhile
                return
            self.match = Match(welcome, interpolation_delay=self.config.interpolation_delay)
            connection.inbox.get_nowait()  # the WELCOME the match was built from
            self._input_clock = 0.0
            self.dispatch(st.Joined())

        def failed(error: BaseException) -> None:
            if self.connection is connection:
                self.connection = None
            message = error.message if isinstance(error, ClientError) else f"Could not join: {error!r}"
            self.dispatch(st.ConnectionClosed(message, expected=False))

        self.submit(connect(), joined, failed)

    def _leave(self) -> None:
        if self.connection is not None:
            self._close_connection(self.connection)
        self.connection, self.match = None, None
        self.dispatch(st.Leave())
        if self.state.screen is st.Screen.LOBBY:
            self.act(actions.Refresh())

    def _close_connection(self, connection: GameConnection) -> None:
        if self.network is not None:
            self.network.submit(connection.close())

    # -- the frame -----------------------------------------------------------------------------
    def handle_event(self, event: pygame.event.Event, now: float) -> None:
        if event.type == pygame.QUIT:
            self.act(actions.Quit())
            return
        screen = self.state.screen
        action: actions.Action | None = None
        if screen is st.Screen.LOGIN:
            action = self.login_screen.handle(event, now)
        elif screen is st.Screen.LOBBY:
            action = self.lobby.handle(event, now)
        elif screen is st.Screen.CONNECTING:
            action = self.connecting.handle(event, now)
        elif screen is st.Screen.RESULTS:
            action = self.results.handle(event, now)
        elif screen is st.Screen.PLAYING:
            if event.type == pygame.MOUSEMOTION:
                self.inputs.mouse_moved(now)
            if event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE:
                action = actions.LeaveGame()
        if action is not None:
            self.act(action)

    def pump_game(self, now: float, dt: float) -> None:
        """Receive what the connection queued, and send this frame's share of inputs."""
        connection, match = self.connection, self.match
        if connection is None or match is None:
            return
        while not connection.inbox.empty():
            for event in match.handle(connection.inbox.get_nowait()):
                if isinstance(event, st.RoundEnded):
                    self.results.results = match.results_view(now)
                self.dispatch(event)
                if isinstance(event, st.ConnectionClosed):
                    self.connection = None
                    if self.state.screen is st.Screen.LOBBY:
                        self.match = None
                        self.act(actions.Refresh())
                    return
        if self.state.screen is st.Screen.RESULTS:
            self.results.results = match.results_view(now)
        period = 1.0 / match.rules.tick_rate
        self._input_clock = min(self._input_clock + dt, period * MAX_INPUTS_PER_FRAME)
        while self._input_clock >= period:
            self._input_clock -= period
            intent = self._intent(now)
            if self.network is not None:
                self.network.call_soon(connection.send, match.make_input(intent))

    def _intent(self, now: float) -> Intent:
        if self.state.screen is not st.Screen.PLAYING:
            return IDLE  # results or leaving: keep the input stream (acks) going, do nothing
        pressed = pygame.key.get_pressed()
        fire = pygame.mouse.get_pressed()[0]
        return self.inputs.intent(
            lambda k: bool(pressed[k]), pygame.mouse.get_pos(), fire, self.arena.me_on_screen, now
        )

    def draw(self, now: float) -> None:
        screen = self.state.screen
        if screen is st.Screen.LOGIN:
            self.login_screen.draw(self.surface, now)
        elif screen is st.Screen.LOBBY:
            self.lobby.draw(self.surface, now)
        elif screen is st.Screen.CONNECTING:
            self.connecting.draw(self.surface, now)
        elif screen is st.Screen.PLAYING and self.match is not None:
            self.arena.draw(self.surface, self.match.frame(now), now)
        elif screen is st.Screen.RESULTS:
            self.results.draw(self.surface, now)

    def step(self, now: float) -> None:
        """One frame without waiting: events, network results, game traffic, drawing."""
        dt = 0.0 if self._last_frame is None else now - self._last_frame
        self._last_frame = now
        for event in pygame.event.get():
            self.handle_event(event, now)
        self.poll()
        self.pump_game(now, dt)
        self.draw(now)

    def run(self) -> int:
        clock = pygame.time.Clock()
        try:
            while self.running:
                self.step(time.monotonic())
                pygame.display.flip()
                clock.tick(self.config.fps)
        finally:
            if self.connection is not None and self.network is not None:
                self.network.submit(self.connection.close()).result(timeout=3)
            if self.network is not None:
                self.network.submit(self.api.close()).result(timeout=3)
        return 0


def main(config: ClientConfig, username: str | None = None, password: str | None = None) -> int:
    pygame.init()
    pygame.display.set_caption("Arena - GameLift reference client")
    surface = pygame.display.set_mode((config.width, config.height))
    network = NetworkThread().start()
    app = App(config, surface, network)
    if username:
        app.login_screen.username.value = username
    if username and password:
        app.act(actions.LogIn(username, password))
    try:
        return app.run()
    finally:
        network.stop()
        pygame.quit()
