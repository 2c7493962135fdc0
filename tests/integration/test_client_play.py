"""Bots over real sockets against the real game server code (``server.match`` + ``server.net``), without GameLift.

A small stand-in for the server's GameLift wiring accepts a fixed set of player session ids (the
real server asks GameLift); everything else is the server's own: the match, its tick loop,
connections, limits and close codes. The bots are the client's own ``Bot``: connection, match,
prediction, interpolation, steering.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from websockets.asyncio.server import ServerConnection

from client.api import Seat
from client.bot import Bot
from client.config import ClientConfig
from client.errors import ConnectionFailed
from client.match import Match
from server import protocol
from server.game import Rules, profile_from_player_data
from server.game.teams import TeamPlan
from server.match import Match as ServerMatch
from server.match import Seat as ServerSeat
from server.net import Connection, Refused, listen, read_messages, receive_join
from server.protocol import CloseCode
from server.tick import TickLoop


class LocalGame:
    """A game session on 127.0.0.1 whose seats are handed out by the test instead of GameLift."""

    def __init__(self, rules: Rules) -> None:
        self.match = ServerMatch("gsess-local", rules, TeamPlan())
        self.loop = TickLoop(self.match.tick, rules.tick_rate)
        self.seats: dict[str, str] = {}
        self.used: set[str] = set()
        self.connections: list[Connection] = []
        self.port = 0

    def seat(self, name: str, tier: str = "free") -> Seat:
        psid = f"psess-{name}"
        entitlements = ["skin.gold", "trail.sparks"] if tier == "premium" else []
        self.seats[psid] = json.dumps({"v": 1, "playerId": f"player-{name}", "name": name, "tier": tier,
                                       "entitlements": entitlements})  # fmt: skip
        return Seat("gsess-local", psid, "127.0.0.1", self.port, None, "joined", tier)

    async def handler(self, ws: ServerConnection) -> None:
        try:
            join = await receive_join(ws)
            if join.player_session_id in self.used:
                raise Refused(CloseCode.PLAYER_SESSION_IN_USE)
            if join.player_session_id not in self.seats:
                raise Refused(CloseCode.PLAYER_SESSION_UNKNOWN)
        except Refused as refused:
            await ws.close(int(refused.code), protocol.close_reason(refused.code, refused.detail))
            return
        self.used.add(join.player_session_id)
        data = self.seats[join.player_session_id]
        connection = Connection(ws)
        self.connections.append(connection)
        seat = ServerSeat(join.player_session_id, json.loads(data)["playerId"], data)
        player = self.match.join(seat, profile_from_player_data(data, seat.player_id), connection)
        reason = await read_messages(ws, connection, lambda m: self.match.on_message(player, m))
        self.match.leave(player, reason)
        connection.close(CloseCode.NORMAL)  # the writer task ends with the close
        await connection.wait_closed()

    async def shut_down(self) -> None:
        self.match.broadcast(protocol.ServerClosing(CloseCode.SERVER_SHUTTING_DOWN, 1, "Maintenance"))
        for connection in self.connections:
            connection.close(CloseCode.SERVER_SHUTTING_DOWN, "maintenance", flush=True)


@asynccontextmanager
async def serving(rules: Rules) -> AsyncIterator[LocalGame]:
    """A LocalGame listening on a free port with its tick loop running, stopped and closed afterwards."""
    local = LocalGame(rules)
    listener = await listen(local.handler, "127.0.0.1", [0])
    local.port = listener.port
    local.loop.start()
    try:
        yield local
    finally:
        await local.loop.stop()
        listener.close()
        await listener.wait_closed()


def bot(name: str) -> Bot:
    return Bot(name, "unused-password", ClientConfig(backend_url="http://127.0.0.1:9", auth_url="http://127.0.0.1:9"))


def saw_others_move(match: Match) -> bool:
    return len(match.stats.others_moved) >= 1 and all(d > 30 for d in match.stats.others_moved.values())


def run(coro: object) -> object:
    return asyncio.run(coro)  # type: ignore[arg-type]


def test_two_bots_play_a_round_see_each_other_move_and_one_leaves() -> None:
    async def scenario() -> None:
        async with (
            serving(Rules(round_seconds=3.0, results_seconds=1.0, rounds=2)) as local,
            bot("alice") as alice,
            bot("bob") as bob,
        ):
            await alice.join(local.seat("alice", tier="premium"))
            await bob.join(local.seat("bob"))
            await asyncio.gather(
                alice.play(rounds=None, seconds=10, until=saw_others_move),
                bob.play(rounds=None, seconds=10, until=saw_others_move),
            )
            assert alice.match is not None and bob.match is not None
            assert saw_others_move(alice.match) and saw_others_move(bob.match)
            # Cosmetics come from PlayerData (via the server), not from the client: bob sees alice's gold.
            alice_id = alice.match.my_id
            assert bob.match.players[alice_id].skin == "gold" and bob.match.players[alice_id].trail == "sparks"
            # Both finish round 1 (3 s) and see the results.
            await asyncio.gather(alice.play(rounds=1, seconds=10), bob.play(rounds=1, seconds=10))
            assert alice.rounds_finished == 1 and bob.rounds_finished == 1
            results = bob.match.results_view(0.0)
            assert results is not None and {r.name for r in results.rows} == {"alice", "bob"}
            # Prediction held: the server ran the same step on the same inputs.
            for b in (alice, bob):
                stats = b.match.stats
                assert stats.snapshots > 40 and stats.inputs > 60
                assert b.match.ping.millis is not None and b.match.ping.millis < 200
            # Alice leaves; bob sees her go and plays on alone.
            await alice.leave()
            left = alice.report()
            assert left.ok and left.closed == "You left the game."
            await bob.play(rounds=None, seconds=5, until=lambda m: alice_id not in m.players)
            assert alice_id not in bob.match.players
            assert any("alice left" in text for _, text in bob.match.feed)
            await bob.play(rounds=None, seconds=0.5)
            assert bob.match.closed is None and bob.report().others_seen == ["alice"]  # seen, now gone
            assert [s.name for s in bob.match.frame(time.monotonic()).ships] == ["bob"]

    run(scenario())


def test_forged_and_reused_seats_are_refused_in_words_and_the_game_goes_on() -> None:
    async def scenario() -> None:
        async with (
            serving(Rules()) as local,
            bot("carol") as carol,
            bot("mallory") as mallory,
            bot("eve") as eve,
        ):
            seat = local.seat("carol")
            await carol.join(seat)
            forged = Seat("gsess-local", "psess-forged", "127.0.0.1", local.port, None, "joined", "free")
            with pytest.raises(ConnectionFailed, match="did not recognise your seat"):
                await mallory.join(forged)
            with pytest.raises(ConnectionFailed, match="already used"):
                await eve.join(seat)
            before = carol.match.stats.snapshots
            await carol.play(rounds=None, seconds=1.0)
            assert carol.match.closed is None and carol.match.stats.snapshots >= before + 15

    run(scenario())


def test_a_server_shutting_down_is_told_to_the_player_as_news() -> None:
    async def scenario() -> None:
        async with serving(Rules()) as local, bot("dave") as dave:
            await dave.join(local.seat("dave"))
            await dave.play(rounds=None, seconds=0.5)
            await local.shut_down()
            await dave.play(rounds=None, seconds=5)
            assert dave.match.closed is not None
            assert dave.match.closed.message == "The game server is shutting down." and dave.match.closed.expected
            assert any("Maintenance" in text for _, text in dave.match.feed)

    run(scenario())


def test_nothing_listening_is_a_clear_failure() -> None:
    async def scenario() -> None:
        async with bot("frank") as frank:
            seat = Seat("gsess-x", "psess-x", "127.0.0.1", 9, None, "joined", "free")
            with pytest.raises(ConnectionFailed, match="Cannot reach the game server"):
                await frank.join(seat)

    run(scenario())
