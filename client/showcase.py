"""Real frames of every screen without any server: for the screenshot test and ``python -m client --screenshots DIR``.

The game frame is not a mock-up: a world is built and stepped with the server's own simulation
(``server.game``), its snapshots are encoded and decoded with the real protocol, and fed to a
``Match`` exactly as a connection would; the frame drawn is what a player would see.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pygame

from client import app_state as st
from client.api import SessionInfo
from client.app import App
from client.config import ClientConfig
from client.intent import Intent
from client.match import Match
from client.net import Received
from server import protocol
from server.game import Cosmetic, ShipInput, add_player, new_world, step
from server.game.units import aim_to_radians, radians_to_aim
from server.snapshots import DeltaTracker, player_info, world_snapshot

SCREENS = ("login", "lobby", "connecting", "game", "results")


def scripted_match(
    ticks: int = 75, players: int = 5, on_tick: Callable[[Match, float], None] | None = None
) -> tuple[Match, float]:
    """A Match that has watched ``ticks`` ticks of a real simulated game, and the local time it is at.

    ``on_tick`` is called after every tick (to draw frames as a window would).
    """
    world = new_world()
    looks = [Cosmetic("gold", "sparks"), Cosmetic(), Cosmetic(), Cosmetic("gold", "sparks"), Cosmetic()]
    names = ["ripley", "Dallas", "Kestrel", "Nova", "Bishop", "Vasquez", "Hicks", "Newt"]
    ships = [add_player(world, names[i], cosmetic=looks[i % len(looks)]) for i in range(players)]
    me = ships[0]
    # Gather the ships near the middle so one camera view holds a fight.
    for i, ship in enumerate(ships):
        angle = i * 2 * math.pi / players
        ship.motion = type(ship.motion)(800 + 170 * math.cos(angle), 500 + 150 * math.sin(angle))
    infos = tuple(
        player_info(s, f"player-{s.id:032x}", "premium" if s.cosmetic.skin == "gold" else "free") for s in ships
    )
    welcome = protocol.Welcome(
        your_id=me.id,
        game_session_id="arn:aws:gamelift:us-west-2::gamesession/fleet-1/gsess-showcase",
        tick=world.tick,
        tick_rate=world.rules.tick_rate,
        snapshot_rate=world.rules.snapshot_rate,
        arena_width=int(world.rules.arena_width),
        arena_height=int(world.rules.arena_height),
        max_players=world.rules.max_players,
        phase=world.phase,
        round=world.round,
        rounds=world.rules.rounds,
        round_seconds=int(world.rules.round_seconds),
        results_seconds=int(world.rules.results_seconds),
        players=infos,
    )
    match = Match(welcome)
    tracker = DeltaTracker()
    period = 1.0 / world.rules.tick_rate
    local = 100.0
    events: list[protocol.GameEvent] = []
    seq_ack = 0
    for tick in range(1, ticks + 1):
        local += period
        inputs = {}
        for ship in ships:
            # Each ship chases a point circling the middle: a tight fight that stays in one camera view.
            t = tick * period * 0.8 + ship.id * 2 * math.pi / players
            goal = (800 + 200 * math.cos(t), 500 + 140 * math.sin(t))
            move = (goal[0] - ship.motion.x, goal[1] - ship.motion.y)
            length = math.hypot(*move) or 1.0
            gain = min(1.0, length / 60)
            target = ships[(ships.index(ship) + 1) % players].motion
            aim = math.atan2(target.y - ship.motion.y, target.x - ship.motion.x)
            inputs[ship.id] = ShipInput(
                round(move[0] / length * 127 * gain),
                round(move[1] / length * 127 * gain),
                radians_to_aim(aim),
                tick > ticks - 18 and tick % 6 == ship.id,
            )
        intent = Intent(inputs[me.id].move_x / 127, inputs[me.id].move_y / 127, aim_to_radians(inputs[me.id].aim))
        sent = match.make_input(intent)
        outcome = step(world, inputs)
        seq_ack = sent.seq
        events.extend(outcome.events)
        if tick % (world.rules.tick_rate // world.rules.snapshot_rate) == 0 or tick == 1:
            snapshot = world_snapshot(world, tuple(events))
            events.clear()
            frame = protocol.encode_snapshot(snapshot, tracker.base(), seq_ack)
            tracker.record(snapshot)
            tracker.ack(match.history.ack_tick)
            match.handle(Received(protocol.decode_server(frame), local))
        if tick == 20:
            match.handle(Received(protocol.Pong(int((local - 0.038) * 1000) & 0xFFFFFFFF, tick), local))
        if on_tick is not None:
            on_tick(match, local)
    return match, local


def results_view(match: Match, now: float) -> None:
    players = tuple(
        protocol.PlayerScore(i, -1, score, deaths)
        for i, score, deaths in ((3, 7, 2), (0, 5, 3), (1, 4, 4), (2, 2, 5), (4, 1, 6))
        if i in match.names
    )
    match.handle(Received(protocol.RoundEnd(1, 3, False, 10, players, (), -1, 3), now))


def render_all(directory: Path, size: tuple[int, int] = (800, 600)) -> dict[str, Path]:
    """One PNG per screen in ``directory``; returns screen name -> file."""
    directory.mkdir(parents=True, exist_ok=True)
    pygame.display.init()
    pygame.font.init()
    surface = pygame.display.set_mode(size) if pygame.display.get_init() else pygame.Surface(size)
    config = ClientConfig(width=size[0], height=size[1])
    app = App(config, surface, network=None)
    out: dict[str, Path] = {}

    def shot(name: str, now: float) -> None:
        app.draw(now)
        path = directory / f"{name}.png"
        pygame.image.save(surface, str(path))
        out[name] = path

    app.login_screen.username.value = "ripley"
    app.login_screen.password.value = "secret-password"
    app.login_screen.password.focused, app.login_screen.username.focused = True, False
    shot("login", 1.0)

    app.dispatch(st.LoggedIn("ripley", "premium"))
    app.lobby.set_sessions(
        [
            SessionInfo("gsess-1", "Friday night arena", "ACTIVE", 5, 16, False),
            SessionInfo("gsess-2", "Gold pilots only", "ACTIVE", 3, 8, True),
            SessionInfo("gsess-3", "ripley's arena", "ACTIVE", 16, 16, False),
            SessionInfo("gsess-4", "Practice", "ACTIVATING", 0, 4, False),
        ]
    )
    app.lobby.browser.selected = 0
    app.lobby.session_name.value = "Late shift"
    shot("lobby", 2.0)

    app.dispatch(st.SeatGranted("gsess-1", "127.0.0.1:33430"))
    app.connecting.address = "127.0.0.1:33430"
    shot("connecting", 3.0)

    app.dispatch(st.Joined())

    def draw_tick(match: Match, local: float) -> None:
        # Frames drawn as the game goes, so trails have a history, as they would in play.
        app.match = match
        app.draw(local)

    match, now = scripted_match(on_tick=draw_tick)
    shot("game", now)

    results_view(match, now)
    app.results.results = match.results_view(now + 3)
    app.dispatch(st.RoundEnded(app.results.results))
    shot("results", now + 3)
    return out
