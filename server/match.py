"""One game session's running game: the world, the players in it, their inputs, and what each is sent. No sockets.

:class:`Match` sits between the simulation (:mod:`server.game`) and the connections (:mod:`server.net`). A
connection is anything with the :class:`Outbox` shape (``send`` never blocks: it queues or refuses), which is also
how the benchmark drives a Match with thousands of simulated players and no network.

Each tick (:meth:`Match.tick`):
1. every player's oldest queued input is applied (a player with none repeats their last one: a late packet should
   not stop a ship dead);
2. the world steps once;
3. round transitions become ROUND_START / ROUND_END messages for everyone;
4. on snapshot ticks (SNAPSHOT_RATE of TICK_RATE) one snapshot is built and each player gets it delta-encoded
   against the last one they acknowledged, with the seq of their last applied input.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from server import protocol
from server.game import (
    GameEvent,
    GameFull,
    Phase,
    PlayerProfile,
    RoundResults,
    Rules,
    ShipInput,
    TeamPlan,
    TickOutcome,
    World,
    add_player,
    choose_team,
    new_world,
    remove_player,
    step,
)
from server.protocol import CloseCode, LeaveReason
from server.snapshots import DeltaTracker, SnapshotFrames, player_info, world_snapshot

log = logging.getLogger("server.match")

# Inputs waiting to be applied per player. One is applied per tick; beyond this backlog (200 ms at 30 Hz) the
# oldest are dropped, so a client whose clock runs fast cannot bank movement.
INPUT_BACKLOG = 6
MAX_EVENTS_PER_SNAPSHOT = 255


class Outbox(Protocol):
    """Where a player's frames go. ``send`` must not block; ``droppable`` frames (snapshots) may be skipped when
    the player is behind (return False), others must be queued or the player dropped."""

    def send(self, frame: bytes, droppable: bool = False) -> bool: ...

    def close(self, code: CloseCode, detail: str = "") -> None: ...


@dataclass(frozen=True)
class Seat:
    """A player the service accepted: their player session id, GameLift PlayerId, and PlayerData."""

    player_session_id: str
    player_id: str
    player_data: str = ""


@dataclass
class Player:
    ship_id: int
    seat: Seat
    profile: PlayerProfile
    outbox: Outbox
    inputs: deque[protocol.Input] = field(default_factory=lambda: deque(maxlen=INPUT_BACKLOG))
    last_input: ShipInput = field(default_factory=ShipInput)
    last_queued_seq: int = 0
    applied_seq: int = 0
    tracker: DeltaTracker = field(default_factory=DeltaTracker)
    skipped_snapshots: int = 0

    def info(self, world: World) -> protocol.PlayerInfo:
        return player_info(world.ships[self.ship_id], self.seat.player_id, self.profile.tier)


class Match:
    """A game session's game. ``on_over`` is called once, after the final round's results went out."""

    def __init__(self, game_session_id: str, rules: Rules, plan: TeamPlan,
                 on_over: Callable[[], None] | None = None,
                 simulate: Callable[[World, dict[int, ShipInput]], TickOutcome] = step) -> None:
        """``simulate`` is :func:`server.game.step`; the benchmark swaps in an empty step for its baseline."""
        self.game_session_id = game_session_id
        self.simulate = simulate
        self.rules = rules
        self.plan = plan
        self.world = new_world(rules, plan.names)
        self.players: dict[int, Player] = {}
        self.on_over = on_over
        self.pending_events: list[GameEvent] = []
        self.snapshots_sent = 0
        self.bytes_sent = 0

    # --- players --------------------------------------------------------------------------------------------------

    @property
    def full(self) -> bool:
        return len(self.players) >= self.rules.max_players

    def join(self, seat: Seat, profile: PlayerProfile, outbox: Outbox) -> Player:
        """Put an accepted player in the arena: WELCOME to them, PLAYER_JOINED to everyone else.
        Raises GameFull when there is no slot."""
        team = choose_team(self.plan, seat.player_id, (s.team for s in self.world.ships.values()))
        ship = add_player(self.world, profile.name, team, profile.cosmetic)
        player = Player(ship.id, seat, profile, outbox)
        self.players[ship.id] = player
        info = player.info(self.world)
        self._send(player, protocol.encode_server(self.welcome(ship.id)))
        self.broadcast(protocol.PlayerJoined(info), exclude=ship.id)
        log.info("event=player_joined game_session_id=%s player_session_id=%s player_id=%s ship=%d team=%d "
                 "skin=%s trail=%s tier=%s players=%d", self.game_session_id, seat.player_session_id,
                 seat.player_id, ship.id, ship.team, ship.cosmetic.skin, ship.cosmetic.trail, profile.tier,
                 len(self.players))
        return player

    def leave(self, player: Player, reason: LeaveReason) -> None:
        """Take a player out; their slot opens for the next one (FlexMatch backfill hooks in here later)."""
        if self.players.get(player.ship_id) is not player:
            return
        del self.players[player.ship_id]
        remove_player(self.world, player.ship_id)
        self.broadcast(protocol.PlayerLeft(player.ship_id, reason))
        log.info("event=player_left game_session_id=%s player_session_id=%s player_id=%s ship=%d reason=%s "
                 "players=%d", self.game_session_id, player.seat.player_session_id, player.seat.player_id,
                 player.ship_id, reason.name, len(self.players))

    def welcome(self, ship_id: int) -> protocol.Welcome:
        world, rules = self.world, self.rules
        return protocol.Welcome(
            your_id=ship_id, game_session_id=self.game_session_id, tick=world.tick, tick_rate=rules.tick_rate,
            snapshot_rate=rules.snapshot_rate, arena_width=round(rules.arena_width),
            arena_height=round(rules.arena_height), max_players=rules.max_players, phase=world.phase,
            round=world.round, rounds=rules.rounds, round_seconds=round(rules.round_seconds),
            results_seconds=round(rules.results_seconds), teams=world.teams,
            players=tuple(p.info(world) for p in self.players.values()))

    # --- what players send ------------------------------------------------------------------------------------------

    def on_message(self, player: Player, message: protocol.ClientMessage) -> None:
        if isinstance(message, protocol.Input):
            player.tracker.ack(message.ack_tick)
            if message.seq <= player.last_queued_seq:
                return  # a replay or a reordering: never applied twice
            player.last_queued_seq = message.seq
            player.inputs.append(message)
        elif isinstance(message, protocol.Ping):
            self._send(player, protocol.encode_server(protocol.Pong(message.client_time_ms,
                                                                    self.world.tick & 0xFFFFFFFF)))
        elif isinstance(message, protocol.Join):
            player.outbox.close(CloseCode.PROTOCOL_ERROR, "already joined")

    # --- the tick -------------------------------------------------------------------------------------------------

    def tick(self) -> None:
        inputs: dict[int, ShipInput] = {}
        for ship_id, player in self.players.items():
            if player.inputs:
                command = player.inputs.popleft()
                player.applied_seq = command.seq
                player.last_input = ShipInput(command.move_x, command.move_y, command.aim, command.fire)
            inputs[ship_id] = player.last_input
        was_over = self.world.phase is Phase.OVER
        outcome = self.simulate(self.world, inputs)
        self.pending_events.extend(outcome.events)
        if outcome.round_ended is not None:
            self._announce_results(outcome.round_ended)
        if outcome.round_started:
            self.broadcast(protocol.RoundStart(outcome.round_started, self.rules.rounds,
                                               round(self.rules.round_seconds), self.world.tick))
            log.info("event=round_started game_session_id=%s round=%d of=%d players=%d", self.game_session_id,
                     outcome.round_started, self.rules.rounds, len(self.players))
        if self.is_snapshot_tick(self.world.tick):
            self.send_snapshots()
        if self.world.phase is Phase.OVER and not was_over and self.on_over is not None:
            self.on_over()

    def is_snapshot_tick(self, tick: int) -> bool:
        rate, tick_rate = self.rules.snapshot_rate, self.rules.tick_rate
        return (tick * rate) // tick_rate != ((tick - 1) * rate) // tick_rate

    def send_snapshots(self) -> None:
        events = tuple(self.pending_events[-MAX_EVENTS_PER_SNAPSHOT:])
        self.pending_events.clear()
        snapshot = world_snapshot(self.world, events)
        frames = SnapshotFrames(snapshot)
        for player in list(self.players.values()):
            frame = frames.frame(player.tracker.base(), player.applied_seq)
            if player.outbox.send(frame, droppable=True):
                player.tracker.record(snapshot)
                player.skipped_snapshots = 0
                self.bytes_sent += len(frame)
            else:
                player.skipped_snapshots += 1
        self.snapshots_sent += 1

    def _announce_results(self, results: RoundResults) -> None:
        message = protocol.RoundEnd(
            round=results.round, rounds=self.rules.rounds, final=results.final,
            next_round_in=0 if results.final else round(self.rules.results_seconds),
            players=tuple(protocol.PlayerScore(r.id, r.team, r.score, r.deaths) for r in results.players),
            team_scores=results.team_scores, winner_team=results.winner_team, winner_player=results.winner_player)
        self.broadcast(message)
        standings = " ".join(f"{r.id}:{r.score}/{r.deaths}" for r in results.players)
        log.info("event=round_ended game_session_id=%s round=%d final=%s winner_team=%d winner_player=%d "
                 "team_scores=%s standings=%s", self.game_session_id, results.round, results.final,
                 results.winner_team, results.winner_player, list(results.team_scores), standings or "-")

    # --- sending --------------------------------------------------------------------------------------------------

    def broadcast(self, message: protocol.ServerMessage, exclude: int | None = None) -> None:
        frame = protocol.encode_server(message)
        for ship_id, player in list(self.players.items()):
            if ship_id != exclude:
                self._send(player, frame)

    def _send(self, player: Player, frame: bytes) -> None:
        if player.outbox.send(frame):
            self.bytes_sent += len(frame)


__all__ = ["INPUT_BACKLOG", "GameFull", "Match", "Outbox", "Player", "Seat"]
