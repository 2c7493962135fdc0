"""Two bots play a real game end to end: backend + external_auth + gamelift-local with a managed fleet running server/.

Everything is a real process on 127.0.0.1: gamelift-local launches ``python -m server`` (the build made by
``server.build``) as the fleet's server processes; external_auth and the backend run as services; the bots are the
client's ``Bot`` (HTTP to the services, WebSocket to the game server). The flow is ARCHITECTURE.md's flow 1:
quick play -> same session -> connect with the player session id -> play (each sees the other move) -> one leaves
-> the other leaves -> the empty session ends -> the process ends and the fleet replaces it.
"""

from __future__ import annotations

import asyncio
import importlib.util
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from client.bot import Bot
from client.config import ClientConfig
from client.match import Match
from infra.emulator.launcher import EmulatorProcess
from infra.stack.local import LocalStack, server_fleet
from tests.fixtures.example_server.harness import wait_for as poll

PROCESSES = 2


def _missing() -> str | None:
    root = Path(__file__).resolve().parents[2]
    needed = {
        "the game server's entry point (server/__main__.py)": root / "server" / "__main__.py",
        "the game server's build layout (server/build.py)": root / "server" / "build.py",
        "gamelift-local's real-process fleets (infra/emulator/fleets/launcher.py)": (
            root / "infra" / "emulator" / "fleets" / "launcher.py"
        ),
    }
    for what, path in needed.items():
        if not path.exists():
            return f"needs {what}, which is not in this tree yet"
    if importlib.util.find_spec("server.build") is None:
        return "server.build is not importable"
    return None


pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]
if (reason := _missing()) is not None:
    pytestmark.append(pytest.mark.skip(reason=reason))


def wait_for(what: str, check: Callable[[], Any], timeout: float = 60.0) -> Any:
    return poll(check, timeout=timeout, interval=0.1, what=what)


def processes(stack: LocalStack) -> list[dict[str, Any]]:
    assert stack.emulator is not None and stack.fleet is not None
    listing = stack.emulator.control(f"processes?fleetId={stack.fleet.fleet_id}")["processes"]
    return [p for p in listing if not p["simulated"]]


def active(stack: LocalStack) -> list[dict[str, Any]]:
    return [p for p in processes(stack) if p["status"] == "ACTIVE"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    from server.build import build

    workdir = tmp_path_factory.mktemp("play")
    build_dir = build(workdir / "build")
    stack = LocalStack(workdir=workdir, auth_args=["--scrypt-log2-n", "12"])
    try:
        stack.emulator = EmulatorProcess(
            str(workdir / "gamelift.db"),
            args=["--clock", "system", "--fleet-stage-seconds", "0.02", "--log-level", "WARNING"],
        ).start()
        stack.fleet = server_fleet(stack.gamelift(), build_dir, processes=PROCESSES)
        wait_for(f"{PROCESSES} real server processes to be ACTIVE", lambda: len(active(stack)) >= PROCESSES)
        stack.start_auth()
        stack.start_backend()
        yield stack
    finally:
        stack.stop()


def sees_the_other_move(match: Match) -> bool:
    return any(d > 40 for d in match.stats.others_moved.values())


def test_two_bots_quick_play_into_one_session_play_leave_and_the_process_is_replaced(stack: LocalStack) -> None:
    assert stack.backend is not None and stack.auth is not None
    config = ClientConfig(backend_url=stack.backend.url, auth_url=stack.auth.url, connect_timeout=10)
    gl = stack.gamelift()
    before = {p["processId"] for p in active(stack)}

    async def scenario() -> dict[str, Any]:
        async with (
            Bot("e2e-alice", "long enough password", config) as alice,
            Bot("e2e-bob", "long enough password", config) as bob,
        ):
            await alice.login()
            await bob.login()
            seat_a = await alice.quick_play()
            seat_b = await bob.quick_play()
            assert seat_a.game_session_id == seat_b.game_session_id, "quick play should fill the open session"
            await alice.join(seat_a)
            await bob.join(seat_b)
            # Both fly; each must see the other's ship move (through snapshots, interpolated).
            await asyncio.gather(
                alice.play(rounds=None, seconds=20, until=sees_the_other_move),
                bob.play(rounds=None, seconds=20, until=sees_the_other_move),
            )
            assert sees_the_other_move(alice.match) and sees_the_other_move(bob.match)
            assert alice.match.players[bob.match.my_id].name == "e2e-bob"
            assert alice.match.stats.snapshots > 3 and alice.match.stats.max_correction < 30
            hosting = [p for p in processes(stack) if p["gameSessionId"] == seat_a.game_session_id]
            assert len(hosting) == 1 and hosting[0]["status"] == "ACTIVE" and hosting[0]["osPid"]

            # Alice leaves: her player session completes; Bob sees her go and plays on.
            await alice.leave()
            alice_id = alice.match.my_id
            await bob.play(rounds=None, seconds=10, until=lambda m: alice_id not in m.players)
            assert alice_id not in bob.match.players and bob.match.closed is None
            wait_for(
                "alice's player session to complete",
                lambda: (
                    gl.describe_player_sessions(PlayerSessionId=seat_a.player_session_id)["PlayerSessions"][0]["Status"]
                    == "COMPLETED"
                ),
                timeout=15,
            )
            # Bob leaves too: the session is empty.
            await bob.leave()
            return {"seat": seat_a, "process": hosting[0], "alice": alice.report(), "bob": bob.report()}

    outcome = asyncio.run(scenario())
    seat, hosting = outcome["seat"], outcome["process"]
    assert outcome["alice"].ok and outcome["bob"].ok, (outcome["alice"].summary(), outcome["bob"].summary())

    # The empty session ends, the process that hosted it exits, and the fleet launches a fresh one in its place.
    wait_for(
        "the empty game session to end",
        lambda: (
            gl.describe_game_sessions(GameSessionId=seat.game_session_id)["GameSessions"][0]["Status"]
            in ("TERMINATED", "TERMINATING")
        ),
        timeout=30,
    )
    wait_for(
        "the hosting process to be gone",
        lambda: all(p["processId"] != hosting["processId"] for p in active(stack)),
        timeout=30,
    )
    replaced = wait_for(
        "a replacement process",
        lambda: [p for p in active(stack) if p["processId"] not in before] if len(active(stack)) >= PROCESSES else [],
        timeout=60,
    )
    assert replaced and all(p["gameSessionId"] is None for p in replaced)


def test_the_window_plays_a_live_game_with_bots_and_draws_it(stack: LocalStack, tmp_path: Path) -> None:
    """The pygame client (dummy video driver, its network thread) quick-plays into a real server next to two bots."""
    import os
    import threading

    import pygame

    from client import app_state as st
    from client.app import App
    from client.runner import NetworkThread
    from client.ui import actions

    assert stack.backend is not None and stack.auth is not None
    config = ClientConfig(backend_url=stack.backend.url, auth_url=stack.auth.url, connect_timeout=10)
    stop = threading.Event()

    async def bots() -> None:
        async with (
            Bot("e2e-bot-1", "long enough password", config) as b1,
            Bot("e2e-bot-2", "long enough password", config) as b2,
        ):
            for b in (b1, b2):
                await b.login()
                await b.join(await b.quick_play())
            while not stop.is_set():
                await asyncio.gather(b1.play(rounds=None, seconds=0.5), b2.play(rounds=None, seconds=0.5))

    bot_thread = threading.Thread(target=lambda: asyncio.run(bots()), daemon=True)
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    pygame.display.init()
    pygame.font.init()
    network = NetworkThread().start()
    try:
        app = App(config, pygame.display.set_mode((800, 600)), network)

        def frames_until(what: str, predicate: Callable[[], bool], seconds: float = 30.0) -> None:
            deadline = time.monotonic() + seconds
            while not predicate():
                assert time.monotonic() < deadline, f"{what}: stuck on {app.state.screen} ({app.state.notice})"
                app.step(time.monotonic())
                time.sleep(1 / 60)

        bot_thread.start()
        app.act(actions.SignUp("e2e-window", "long enough password"))
        frames_until("lobby", lambda: app.state.screen is st.Screen.LOBBY and not app.pending)
        wait_for("the bots' session", lambda: any(p["gameSessionId"] for p in active(stack)), timeout=20)
        app.act(actions.QuickPlay())
        frames_until("playing", lambda: app.state.screen is st.Screen.PLAYING)
        match = app.match
        assert match is not None
        frames_until("two other ships seen moving", lambda: len(match.stats.others_moved) >= 2)
        frames_until("a second of play", lambda: match.stats.inputs >= 30)
        hud = match.hud(time.monotonic())
        assert hud.link.value == "connected" and hud.players == 3 and hud.ping_ms is not None
        app.step(time.monotonic())
        shot = tmp_path / "live-game.png"
        pygame.image.save(app.surface, str(shot))
        image = pygame.image.load(str(shot))
        colours = {tuple(image.get_at((x, y)))[:3] for x in range(0, 800, 5) for y in range(0, 600, 5)}
        assert len(colours) > 12
        app.act(actions.LeaveGame())
        assert app.state.screen is st.Screen.LOBBY
        frames_until("the lobby to settle", lambda: not app.pending)
        network.submit(app.api.close()).result(5)
    finally:
        stop.set()
        bot_thread.join(10)
        network.stop()
        pygame.display.quit()
