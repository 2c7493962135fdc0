"""The client's HTTP side and the window's flow against the real services (gamelift-local, external_auth, backend).

The fleet here runs the emulator's simulated processes, which accept no game connections, so
joining a seat fails: that is the "server unreachable" path a player must be told about in words.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Iterator

import pygame
import pytest

from client import app_state as st
from client.api import GameApi
from client.app import App
from client.config import ClientConfig
from client.errors import ApiError, ServiceUnreachable
from client.runner import NetworkThread
from client.ui import actions
from infra.stack.local import LocalStack

PASSWORD = "long enough password"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with LocalStack(processes=4, auth_args=["--scrypt-log2-n", "12"], workdir=tmp_path_factory.mktemp("cs")) as s:
        yield s


def api(stack: LocalStack) -> GameApi:
    assert stack.backend is not None and stack.auth is not None
    return GameApi(stack.backend.url, stack.auth.url, timeout=30)


def test_sign_up_log_in_and_every_lobby_call(stack: LocalStack) -> None:
    async def scenario() -> None:
        async with api(stack) as a:
            await a.sign_up("client-one", PASSWORD)
            login = await a.login("client-one", PASSWORD)
            assert login.player_id.startswith("player-") and login.tier == "free"
            me = await a.me()
            assert me.username == "client-one" and me.tier == "free" and "skin.default" in me.entitlements
            seat = await a.quick_play()
            assert seat.player_session_id.startswith("psess-") and seat.port and seat.url.startswith("ws://")
            info, created = await a.create_session("client test arena", max_players=4)
            assert info.name == "client test arena" and created.placement == "created"
            sessions = await a.list_sessions()
            assert any(s.game_session_id == info.game_session_id for s in sessions)
        async with api(stack) as b:
            await b.sign_up_or_login("client-two", PASSWORD)
            joined = await b.join_session(info.game_session_id)
            assert (
                joined.game_session_id == info.game_session_id and joined.player_session_id != created.player_session_id
            )

    asyncio.run(scenario())


def test_errors_come_back_as_sentences_a_player_understands(stack: LocalStack) -> None:
    async def scenario() -> None:
        async with api(stack) as a:
            await a.sign_up("client-three", PASSWORD)
            with pytest.raises(ApiError, match="username is taken"):
                await a.sign_up("client-three", PASSWORD)
            with pytest.raises(ApiError, match="Wrong username or password") as wrong:
                await a.login("client-three", "not the password")
            assert wrong.value.status == 401 and wrong.value.request_id
            with pytest.raises(ApiError, match="username must be"):
                await a.sign_up("x", PASSWORD)
            with pytest.raises(ApiError, match="log in"):
                await a.quick_play()  # no token yet
            await a.login("client-three", PASSWORD)
            a.login_info = type(a.login_info)("forged.token.value", "player-x", "client-three", "free", 0)
            with pytest.raises(ApiError, match="expired") as expired:
                await a.quick_play()
            assert expired.value.code == "invalid_token"
        async with GameApi("http://127.0.0.1:9", "http://127.0.0.1:9", timeout=5) as nowhere:
            with pytest.raises(ServiceUnreachable, match="Cannot reach the login service"):
                await nowhere.login("a", "b")

    asyncio.run(scenario())


def test_the_window_logs_in_quick_plays_and_explains_an_unreachable_server(stack: LocalStack) -> None:
    """Drives the real App frame by frame (dummy video driver) with its network thread against the services."""
    assert stack.backend is not None and stack.auth is not None
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    pygame.display.init()
    pygame.font.init()
    network = NetworkThread().start()
    try:
        config = ClientConfig(backend_url=stack.backend.url, auth_url=stack.auth.url, connect_timeout=3)
        app = App(config, pygame.display.set_mode((800, 600)), network)

        def frames_until(predicate: Callable[[], bool], seconds: float = 30.0) -> None:
            deadline = time.monotonic() + seconds
            while not predicate():
                assert time.monotonic() < deadline, f"stuck on {app.state.screen}: {app.state.notice}"
                app.step(time.monotonic())
                time.sleep(0.01)

        app.act(actions.SignUp("client-window", PASSWORD))
        frames_until(lambda: app.state.screen is st.Screen.LOBBY and not app.lobby.busy and not app.pending)
        assert app.lobby.username == "client-window"
        app.act(actions.LogIn("client-window", "wrong password"))  # ignored: not on the login screen
        app.act(actions.QuickPlay())
        frames_until(lambda: app.state.screen is st.Screen.CONNECTING)
        # The simulated server process accepts no connections: back to the lobby, told why.
        frames_until(lambda: app.state.screen is st.Screen.LOBBY and app.state.notice is not None)
        assert app.state.notice.tone is st.Tone.ERROR
        assert "game server" in app.state.notice.text
        app.act(actions.LogOut())
        assert app.state.screen is st.Screen.LOGIN
        app.act(actions.LogIn("client-window", "wrong password"))
        frames_until(lambda: app.login_screen.notice is not None)
        assert "Wrong username or password" in app.login_screen.notice.text
        network.submit(app.api.close()).result(5)
    finally:
        network.stop()
        pygame.display.quit()
