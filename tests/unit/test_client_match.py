"""One game as the client sees it, fed real protocol frames from the server's own simulation."""

from __future__ import annotations

import math

import pytest

from client.app_state import ConnectionClosed, RoundEnded, RoundStarted
from client.intent import Intent
from client.match import Match, blend_ships
from client.net import Closed, Received
from client.view import Link
from server import protocol
from server.game import Cosmetic, Phase, ShipFlag, ShipInput, World, add_player, new_world, step
from server.game.units import radians_to_aim
from server.snapshots import DeltaTracker, player_info, world_snapshot

PERIOD = 1 / 30


class Server:
    """The server's side, minimal: a world, one delta tracker for the one client, frames out."""

    def __init__(self, players: int = 3) -> None:
        self.world: World = new_world()
        self.ships = [
            add_player(self.world, f"p{i}", cosmetic=Cosmetic("gold", "sparks") if i == 1 else Cosmetic())
            for i in range(players)
        ]
        self.tracker = DeltaTracker()
        self.acked_seq = 0
        self.local = 50.0
        self.events: list[protocol.GameEvent] = []
        self.tick({})  # the first tick starts the round (and places every ship)
        self.events.clear()

    def welcome(self, me: int = 0) -> protocol.Welcome:
        w = self.world
        return protocol.Welcome(
            your_id=self.ships[me].id, game_session_id="gsess-test", tick=w.tick, tick_rate=w.rules.tick_rate,
            snapshot_rate=w.rules.snapshot_rate, arena_width=int(w.rules.arena_width),
            arena_height=int(w.rules.arena_height), max_players=w.rules.max_players, phase=w.phase, round=w.round,
            rounds=w.rules.rounds, round_seconds=int(w.rules.round_seconds),
            results_seconds=int(w.rules.results_seconds),
            players=tuple(player_info(s, f"player-{s.id}", "free") for s in self.ships),
        )  # fmt: skip

    def tick(self, inputs: dict[int, ShipInput]) -> None:
        self.local += PERIOD
        self.events.extend(step(self.world, inputs).events)

    def frame(self, ack_tick: int) -> Received:
        self.tracker.ack(ack_tick)
        snapshot = world_snapshot(self.world, tuple(self.events))
        self.events.clear()
        data = protocol.encode_snapshot(snapshot, self.tracker.base(), self.acked_seq)
        self.tracker.record(snapshot)
        return Received(protocol.decode_server(data), self.local)


def play(server: Server, match: Match, ticks: int, intent: Intent, others: ShipInput | None = None) -> list:
    """The client sends one input per tick; the server applies it at once and snapshots every 3 ticks."""
    events = []
    me = match.my_id
    for i in range(ticks):
        sent = match.make_input(intent)
        server.acked_seq = sent.seq
        inputs = {me: ShipInput(sent.move_x, sent.move_y, sent.aim, sent.fire)}
        for ship in server.ships:
            if ship.id != me:
                inputs[ship.id] = others or ShipInput(60, -40, 0, False)
        server.tick(inputs)
        if i % 3 == 2:
            events += match.handle(server.frame(match.history.ack_tick))
    return events


def joined(players: int = 3) -> tuple[Server, Match]:
    server = Server(players)
    match = Match(server.welcome())
    match.handle(server.frame(0))
    return server, match


def test_the_first_snapshot_is_full_and_later_ones_are_deltas_against_what_was_acked() -> None:
    server, match = joined()
    play(server, match, 30, Intent(1, 0))
    assert match.stats.full_snapshots == 1 and match.stats.snapshots == 11
    assert match.make_input(Intent()).ack_tick == match.history.latest.tick


def test_the_own_ship_is_predicted_and_the_server_agrees() -> None:
    server, match = joined()
    start = match.my_position(server.local)
    play(server, match, 45, Intent(1.0, 0.5))
    after = match.my_position(server.local)
    assert after[0] > start[0] + 50 and after[1] > start[1]
    assert match.stats.corrections == 0  # same step, same fixed point: no correction ever


def test_a_server_that_disagrees_is_followed_with_a_smoothed_correction() -> None:
    server, match = joined()
    play(server, match, 12, Intent(1, 0))
    # The server moves our ship (a knock-back the client cannot predict).
    me = server.world.ships[match.my_id]
    me.motion = type(me.motion)(me.motion.x - 20, me.motion.y)
    play(server, match, 3, Intent(1, 0))
    assert match.stats.corrections >= 1
    assert match.stats.max_correction >= 10
    assert match.predictor.state.x == server.world.ships[match.my_id].motion.x


def test_other_ships_are_interpolated_in_the_past_and_their_movement_is_noticed() -> None:
    server, match = joined()
    play(server, match, 60, Intent())
    frame = match.frame(server.local)
    others = [s for s in frame.ships if not s.me]
    assert len(others) == 2
    other = server.world.ships[others[0].id]
    # Drawn about 100 ms (3 ticks) behind the server: it moves at a steady pace, so it is not where it is now.
    assert (others[0].x, others[0].y) != (other.motion.x, other.motion.y)
    assert math.dist((others[0].x, others[0].y), (other.motion.x, other.motion.y)) < 60
    assert all(d > 50 for d in match.stats.others_moved.values()) and len(match.stats.others_moved) == 2


def test_the_frame_carries_cosmetics_from_the_server_and_the_hud() -> None:
    server, match = joined()
    play(server, match, 9, Intent())
    match.handle(Received(protocol.Pong(int((server.local - 0.05) * 1000) & 0xFFFFFFFF, 1), server.local))
    frame = match.frame(server.local)
    gold = [s for s in frame.ships if s.skin == "gold"]
    assert len(gold) == 1 and gold[0].trail == "sparks"
    assert frame.hud.ping_ms == 50 and frame.hud.tick == server.world.tick
    assert frame.hud.players == 3 and frame.hud.link is Link.OK
    assert frame.hud.round_left == pytest.approx(server.world.rules.round_seconds - 8 / 30, abs=0.1)
    assert match.link(server.local + 2) is Link.LAGGING


def test_round_end_and_start_reach_the_app_with_results_named() -> None:
    server, match = joined()
    me = match.my_id
    end = protocol.RoundEnd(1, 3, False, 10, (protocol.PlayerScore(me, -1, 4, 1),), (), -1, me)
    (event,) = match.handle(Received(end, server.local))
    assert isinstance(event, RoundEnded)
    results = match.results_view(server.local + 4)
    assert results.winner == "p0" and results.rows[0].me and results.next_round_in == pytest.approx(6)
    (event,) = match.handle(Received(protocol.RoundStart(2, 3, 180, server.world.tick), server.local))
    assert isinstance(event, RoundStarted) and match.results is None


def test_a_closed_connection_becomes_a_message_for_the_player() -> None:
    _, match = joined()
    closed = Closed(4031, "game over", "The game is over. Thanks for playing!", True, 0.0)
    (event,) = match.handle(closed)
    assert event == ConnectionClosed("The game is over. Thanks for playing!", True)
    assert match.link(0.0) is Link.CLOSED


def test_a_delta_without_its_base_is_skipped_until_a_full_snapshot_comes() -> None:
    server, match = joined()
    server.tick({})
    lost = server.frame(match.history.ack_tick)  # never delivered
    server.tick({})
    server.tracker.acked = lost.message.tick  # the server thinks we hold it
    orphan = server.frame(lost.message.tick)
    assert match.handle(orphan) == [] and match.stats.missing_bases == 1


def test_tags_are_counted_and_shown_in_the_feed() -> None:
    server, match = joined(players=2)
    me, other = server.ships[0], server.ships[1]
    me.motion = type(me.motion)(600.0, 500.0)
    other.motion = type(other.motion)(800.0, 500.0)
    other.shield_ticks = 0
    server.world.phase = Phase.PLAYING
    server.world.phase_ticks = 1000
    aim = radians_to_aim(0.0)
    for _ in range(20):
        sent = match.make_input(Intent(0, 0, 0.0, True))
        server.acked_seq = sent.seq
        server.tick({me.id: ShipInput(0, 0, aim, True), other.id: ShipInput(0, 0, 0, False)})
        match.handle(server.frame(match.history.ack_tick))
    assert match.stats.tags >= 1
    assert any("p0 tagged p1" in line for line in match.frame(server.local).feed)


def test_ships_do_not_slide_across_the_map_when_they_respawn() -> None:
    a = protocol.ShipState(100.0, 100.0, 0, 0, 0, 0, 0, 1)  # tagged
    b = protocol.ShipState(1400.0, 900.0, 0, 0, 0, int(ShipFlag.ALIVE), 0, 1)  # back, elsewhere
    assert blend_ships(a, b, 0.5) == a and blend_ships(a, b, 1.0) == b
    c = protocol.ShipState(110.0, 100.0, 0, 0, 65000, int(ShipFlag.ALIVE), 0, 0)
    d = protocol.ShipState(120.0, 100.0, 0, 0, 500, int(ShipFlag.ALIVE), 0, 0)
    mid = blend_ships(c, d, 0.5)
    assert mid.x == pytest.approx(115.0) and (mid.aim > 65000 or mid.aim < 500)  # aim crosses zero the short way
