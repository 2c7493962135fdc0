"""One game as the client sees it: fed the server's messages, asked for inputs and for frames to draw.

Shared by the window and the bots. It holds:

- the snapshot history (delta snapshots are applied to the base they name; the newest tick is acked
  in every input);
- the own ship, predicted with the game's own movement step (``server.game.advance_motion``) and
  reconciled on every snapshot (``client.prediction``);
- every other ship, interpolated ``interpolation_delay`` in the past (``client.interpolation``), on
  a server clock estimated from snapshot arrival times (``client.clock``);
- round state, the kill feed, ping, and what happened (for the bots' reports and tests).

Pure with respect to I/O: messages come in with their receive time, inputs and views go out.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

from client.app_state import ConnectionClosed, Event, RoundEnded, RoundStarted
from client.clock import PingMeter, ServerClock
from client.intent import Intent
from client.interpolation import Interpolator, lerp, lerp_angle
from client.net import Closed, Received, round_trip
from client.prediction import CorrectionSmoother, Predictor
from client.steering import Body, Field
from client.view import FrameView, HudView, Link, PickupView, ResultRow, ResultsView, ShipView, ShotView
from server import protocol
from server.game import EventKind, Motion, Phase, PickupKind, Rules, ShipFlag, advance_motion
from server.game.units import aim_to_radians, radians_to_aim

# No snapshot for this long and the HUD says the link is lagging.
LAG_AFTER = 0.5
FEED_SECONDS = 6.0


@dataclass(frozen=True)
class Command:
    """What the predictor replays: the movement part of an input, and whether a speed boost was on."""

    move_x: int
    move_y: int
    boosted: bool


def blend_ships(a: protocol.ShipState, b: protocol.ShipState, t: float) -> protocol.ShipState:
    """A ship between two snapshots. Across a tag or a respawn it does not slide: it is where it was, then
    where it is."""
    if (a.flags ^ b.flags) & ShipFlag.ALIVE or math.hypot(b.x - a.x, b.y - a.y) > 200:
        return a if t < 1.0 else b
    aim = lerp_angle(aim_to_radians(a.aim), aim_to_radians(b.aim), t)
    newer = b if t >= 0.5 else a
    return protocol.ShipState(
        lerp(a.x, b.x, t),
        lerp(a.y, b.y, t),
        lerp(a.vx, b.vx, t),
        lerp(a.vy, b.vy, t),
        radians_to_aim(aim),
        newer.flags,
        b.score,
        b.deaths,
    )


@dataclass
class MatchStats:
    snapshots: int = 0
    full_snapshots: int = 0
    inputs: int = 0
    corrections: int = 0  # reconciliations that moved the own ship
    max_correction: float = 0.0
    tags: int = 0
    deaths: int = 0
    rounds_seen: list[int] = field(default_factory=list)
    # Distance each other ship was seen to travel (snapshot to snapshot): "did we see them move?"
    others_moved: dict[int, float] = field(default_factory=dict)
    missing_bases: int = 0


class Match:
    def __init__(self, welcome: protocol.Welcome, *, interpolation_delay: float = 0.1) -> None:
        # Movement tunables are the protocol's defaults (the server cannot change them per session);
        # sizes and rates come from WELCOME.
        self.rules = Rules(
            tick_rate=welcome.tick_rate,
            snapshot_rate=welcome.snapshot_rate,
            arena_width=float(welcome.arena_width),
            arena_height=float(welcome.arena_height),
            max_players=welcome.max_players,
        )
        self.welcome = welcome
        self.my_id = welcome.your_id
        self.game_session_id = welcome.game_session_id
        self.teams = welcome.teams
        self.players: dict[int, protocol.PlayerInfo] = {p.id: p for p in welcome.players}
        self.names: dict[int, str] = {p.id: p.name for p in welcome.players}
        self.phase = welcome.phase
        self.round = welcome.round
        self.rounds = welcome.rounds
        self.time_left_ticks = 0
        self.history = protocol.SnapshotHistory()
        self.server_clock = ServerClock()
        self.ping = PingMeter()
        self.predictor: Predictor[Motion, Command] | None = None
        self.smoother = CorrectionSmoother()
        self.interpolator: Interpolator[protocol.ShipState] = Interpolator(blend_ships, interpolation_delay)
        self.seq = 0
        self.aim = 0.0
        self.results: protocol.RoundEnd | None = None
        self.results_at = 0.0
        self.closing: protocol.ServerClosing | None = None
        self.closed: Closed | None = None
        self.last_snapshot_at: float | None = None
        self.feed: deque[tuple[float, str]] = deque(maxlen=8)
        self.tagged_at: dict[int, float] = {}
        self.stats = MatchStats()
        self._last_smooth = 0.0
        self._was_alive = False

    # -- incoming --------------------------------------------------------------------------------
    def handle(self, item: Received | Closed) -> list[Event]:
        """Apply one received item; the app-level events it causes (round started/ended, closed)."""
        if isinstance(item, Closed):
            self.closed = item
            return [ConnectionClosed(item.message, item.expected)]
        message, at = item.message, item.at
        if isinstance(message, protocol.SnapshotDelta):
            return self._snapshot(message, at)
        if isinstance(message, protocol.Pong):
            self.ping.sample(round_trip(message.client_time_ms, at))
        elif isinstance(message, protocol.PlayerJoined):
            self.players[message.player.id] = message.player
            self.names[message.player.id] = message.player.name
            self._say(at, f"{message.player.name} joined")
        elif isinstance(message, protocol.PlayerLeft):
            info = self.players.pop(message.id, None)
            if info is not None:
                why = {protocol.LeaveReason.DISCONNECTED: " (connection lost)"}.get(message.reason, "")
                self._say(at, f"{info.name} left{why}")
        elif isinstance(message, protocol.RoundStart):
            self.phase, self.round, self.rounds = Phase.PLAYING, message.round, message.rounds
            self.time_left_ticks = message.seconds * self.rules.tick_rate
            self.results = None
            self.stats.rounds_seen.append(message.round)
            self._was_alive = False  # every ship is placed anew: take the next snapshot as is
            self._say(at, f"Round {message.round} of {message.rounds}: go!")
            return [RoundStarted()]
        elif isinstance(message, protocol.RoundEnd):
            self.results, self.results_at = message, at
            self.phase = Phase.OVER if message.final else Phase.RESULTS
            return [RoundEnded(self.results_view(at))]
        elif isinstance(message, protocol.ServerClosing):
            self.closing = message
            text = message.message or "The game server is closing"
            self._say(at, f"{text} ({message.seconds} s)")
        elif isinstance(message, protocol.Welcome):
            pass  # handled at construction; the connection queues it first
        return []

    def _snapshot(self, delta: protocol.SnapshotDelta, at: float) -> list[Event]:
        previous = self.history.latest
        try:
            snapshot = self.history.receive(delta)
        except protocol.DeltaBaseMissing:
            # Keep acking the newest snapshot held; the server falls back to a full one.
            self.stats.missing_bases += 1
            return []
        latest = self.history.latest
        if latest is not None and snapshot.tick < latest.tick:
            return []  # out of order: the base for future deltas, nothing to show
        self.stats.snapshots += 1
        self.stats.full_snapshots += delta.full
        self.last_snapshot_at = at
        self.server_clock.observe(snapshot.tick / self.rules.tick_rate, at)
        events: list[Event] = []
        was_playing = self.phase is Phase.PLAYING
        self.phase, self.time_left_ticks = snapshot.phase, snapshot.time_left_ticks
        if snapshot.round > self.round:
            self.round = snapshot.round
        if snapshot.phase is Phase.PLAYING and not was_playing and self.results is not None:
            # ROUND_START lost or not sent: the snapshot says a round is on.
            self.results = None
            events.append(RoundStarted())
        self._track_movement(previous, snapshot)
        others = {i: s for i, s in snapshot.ships.items() if i != self.my_id}
        self.interpolator.push(snapshot.tick / self.rules.tick_rate, others)
        self._reconcile(snapshot)
        for event in snapshot.events:
            self._event(event, at)
        return events

    def _reconcile(self, snapshot: protocol.Snapshot) -> None:
        mine = snapshot.ships.get(self.my_id)
        if mine is None:
            self.predictor = None
            return
        motion = Motion(mine.x, mine.y, mine.vx, mine.vy)
        if not mine.flags & ShipFlag.ALIVE:
            self._was_alive = False
            if self.predictor is not None:
                self.predictor.reset(motion, snapshot.ack_seq)
            return
        if self.predictor is None or not self._was_alive:
            # Joining, or back from a tag at a spawn point: start from the server's word, nothing to correct.
            self.predictor = Predictor(self._step, motion, _position)
            self.predictor.acked = snapshot.ack_seq
            self._was_alive = True
            return
        before = _position(self.predictor.state)
        result = self.predictor.reconcile(motion, snapshot.ack_seq)
        if result.error > 0.01:
            self.stats.corrections += 1
            self.stats.max_correction = max(self.stats.max_correction, result.error)
            self.smoother.correct(before, _position(self.predictor.state))

    def _step(self, motion: Motion, command: Command) -> Motion:
        return advance_motion(motion, command.move_x, command.move_y, self.rules, command.boosted)

    def _track_movement(self, previous: protocol.Snapshot | None, snapshot: protocol.Snapshot) -> None:
        if previous is None:
            return
        for ship_id, ship in snapshot.ships.items():
            old = previous.ships.get(ship_id)
            if ship_id != self.my_id and old is not None and ship.flags & ShipFlag.ALIVE:
                moved = math.hypot(ship.x - old.x, ship.y - old.y)
                if moved < 200:  # not a respawn
                    self.stats.others_moved[ship_id] = self.stats.others_moved.get(ship_id, 0.0) + moved

    def _event(self, event: protocol.GameEvent, at: float) -> None:
        a, b = self.names.get(event.a, f"player {event.a}"), self.names.get(event.b, f"player {event.b}")
        if event.kind is EventKind.TAGGED:
            if event.a == self.my_id:
                self.stats.tags += 1
            if event.b == self.my_id:
                self.stats.deaths += 1
            self.tagged_at[event.b] = at
            self._say(at, f"{a} tagged {b}")
        elif event.kind is EventKind.BLOCKED:
            self._say(at, f"{b}'s shield blocked {a}")
        elif event.kind is EventKind.PICKUP:
            self._say(at, f"{a} took {'a shield' if event.b == PickupKind.SHIELD else 'a speed boost'}")

    def _say(self, at: float, text: str) -> None:
        self.feed.append((at, text))

    # -- outgoing --------------------------------------------------------------------------------
    def make_input(self, intent: Intent) -> protocol.Input:
        """The next INPUT for ``intent``, applied to the predicted ship at the same time."""
        intent = intent.clamped()
        self.seq += 1
        move_x, move_y = round(intent.move_x * 127), round(intent.move_y * 127)
        self.aim = intent.aim
        if self.predictor is not None and self.alive:
            self.predictor.predict(self.seq, Command(move_x, move_y, self.boosted))
        self.stats.inputs += 1
        return protocol.Input(
            seq=self.seq,
            ack_tick=self.history.ack_tick,
            move_x=move_x,
            move_y=move_y,
            aim=radians_to_aim(intent.aim),
            buttons=protocol.BUTTON_FIRE if intent.fire else 0,
        )

    # -- views -----------------------------------------------------------------------------------
    @property
    def me(self) -> protocol.ShipState | None:
        latest = self.history.latest
        return latest.ships.get(self.my_id) if latest else None

    @property
    def alive(self) -> bool:
        me = self.me
        return bool(me and me.flags & ShipFlag.ALIVE)

    @property
    def boosted(self) -> bool:
        me = self.me
        return bool(me and me.flags & ShipFlag.BOOST)

    @property
    def score(self) -> int:
        me = self.me
        return me.score if me else 0

    def server_time(self, now: float) -> float:
        estimate = self.server_clock.now(now)
        if estimate is not None:
            return estimate
        return self.welcome.tick / self.rules.tick_rate

    def link(self, now: float) -> Link:
        if self.closed is not None:
            return Link.CLOSED
        if self.last_snapshot_at is None:
            return Link.CONNECTING
        return Link.LAGGING if now - self.last_snapshot_at > LAG_AFTER else Link.OK

    def my_position(self, now: float) -> tuple[float, float] | None:
        """Where to draw the own ship: the prediction plus the easing-out of the last correction."""
        me = self.me
        if me is None:
            return None
        if self.predictor is None or not me.flags & ShipFlag.ALIVE:
            return me.x, me.y
        dx, dy = self.smoother.advance(max(0.0, now - self._last_smooth))
        self._last_smooth = now
        state = self.predictor.state
        return state.x + dx, state.y + dy

    def frame(self, now: float) -> FrameView:
        latest = self.history.latest
        server_now = self.server_time(now)
        ships: list[ShipView] = []
        if latest is not None:
            for ship_id, state in self.interpolator.sample(server_now).items():
                ships.append(self._ship_view(ship_id, state, state.x, state.y, aim_to_radians(state.aim), now))
            mine = latest.ships.get(self.my_id)
            position = self.my_position(now)
            if mine is not None and position is not None:
                ships.append(self._ship_view(self.my_id, mine, *position, self.aim, now))
        return FrameView(
            arena_width=self.rules.arena_width,
            arena_height=self.rules.arena_height,
            ships=tuple(ships),
            shots=tuple(self._shots(latest, server_now)) if latest else (),
            pickups=tuple(
                PickupView(i, p.x, p.y, "shield" if p.kind == PickupKind.SHIELD else "speed")
                for i, p in (latest.pickups.items() if latest else ())
                if p.active
            ),
            hud=self.hud(now),
            feed=tuple(text for at, text in self.feed if now - at < FEED_SECONDS),
        )

    def _ship_view(
        self, ship_id: int, state: protocol.ShipState, x: float, y: float, angle: float, now: float
    ) -> ShipView:
        info = self.players.get(ship_id)
        respawn = 0.0
        if not state.flags & ShipFlag.ALIVE:
            respawn = max(0.0, self.rules.respawn_delay - (now - self.tagged_at.get(ship_id, now)))
        return ShipView(
            id=ship_id,
            name=info.name if info else self.names.get(ship_id, f"player {ship_id}"),
            x=x,
            y=y,
            angle=angle,
            slot=ship_id,
            team=info.team if info and info.team >= 0 else None,
            skin=info.skin if info else "default",
            trail=info.trail if info else "none",
            alive=bool(state.flags & ShipFlag.ALIVE),
            shielded=bool(state.flags & ShipFlag.SHIELD),
            boosted=bool(state.flags & ShipFlag.BOOST),
            me=ship_id == self.my_id,
            score=state.score,
            respawn_in=respawn,
        )

    def _shots(self, latest: protocol.Snapshot, server_now: float) -> list[ShotView]:
        """Projectiles move in straight lines from where they were fired; the own ship's shots are drawn at
        the present (next to the predicted ship), everyone else's at the interpolation time (next to theirs)."""
        out = []
        lifetime = self.rules.projectile_lifetime
        for pid, p in latest.projectiles.items():
            at = server_now if p.owner == self.my_id else server_now - self.interpolator.delay
            age = at - p.spawn_tick / self.rules.tick_rate
            if age < 0 or age > lifetime:
                continue
            x, y = p.x + p.vx * age, p.y + p.vy * age
            if 0 <= x <= self.rules.arena_width and 0 <= y <= self.rules.arena_height:
                out.append(ShotView(pid, x, y, math.atan2(p.vy, p.vx), p.owner))
        return out

    def round_left(self, now: float) -> float | None:
        if self.phase is not Phase.PLAYING:
            return None
        since = now - self.last_snapshot_at if self.last_snapshot_at is not None else 0.0
        return max(0.0, self.time_left_ticks / self.rules.tick_rate - since)

    def hud(self, now: float) -> HudView:
        latest = self.history.latest
        return HudView(
            ping_ms=self.ping.millis,
            tick=latest.tick if latest else self.welcome.tick,
            players=len(latest.ships) if latest else len(self.players),
            max_players=self.rules.max_players,
            score=self.score,
            round_left=self.round_left(now),
            link=self.link(now),
            team_scores=tuple(sorted(latest.team_scores.items())) if latest and self.teams else (),
            corrections=self.stats.corrections,
        )

    def results_view(self, now: float) -> ResultsView | None:
        r = self.results
        if r is None:
            return None
        rows = tuple(
            ResultRow(
                name=self.names.get(p.id, f"player {p.id}"),
                score=p.score,
                tags=p.score,
                deaths=p.deaths,
                team=p.team if p.team >= 0 else None,
                slot=p.id,
                me=p.id == self.my_id,
            )
            for p in r.players
        )
        if r.winner_team >= 0:
            winner = self.teams[r.winner_team] if r.winner_team < len(self.teams) else f"Team {r.winner_team + 1}"
        elif r.winner_player >= 0:
            winner = self.names.get(r.winner_player, f"player {r.winner_player}")
        else:
            winner = "a tie" if rows and rows[0].score > 0 else None
        next_in = None if r.final else max(0.0, r.next_round_in - (now - self.results_at))
        return ResultsView(rows, winner, tuple(enumerate(r.team_scores)), next_in, r.round)

    def bot_view(self, now: float) -> tuple[Body, list[Body], list[Body], Field]:
        """The world as the steering AI sees it (the same view a player gets)."""
        frame = self.frame(now)
        me_view = frame.me
        state = self.predictor.state if self.predictor is not None else None
        me = Body(
            self.my_id,
            me_view.x if me_view else self.rules.arena_width / 2,
            me_view.y if me_view else self.rules.arena_height / 2,
            state.vx if state else 0.0,
            state.vy if state else 0.0,
            me_view.team if me_view else None,
            bool(me_view and me_view.alive),
        )
        latest = self.history.latest
        others = []
        for ship in frame.ships:
            if ship.me:
                continue
            raw = latest.ships.get(ship.id) if latest else None
            others.append(
                Body(ship.id, ship.x, ship.y, raw.vx if raw else 0.0, raw.vy if raw else 0.0, ship.team, ship.alive)
            )
        pickups = [Body(p.id, p.x, p.y) for p in frame.pickups]
        arena = Field(self.rules.arena_width, self.rules.arena_height, self.rules.projectile_speed)
        return me, others, pickups, arena


def _position(motion: Motion) -> tuple[float, float]:
    return motion.x, motion.y
