"""From the world to snapshots, and which base each player's next snapshot is encoded against. Pure.

The tick loop builds one :class:`~server.protocol.Snapshot` per snapshot tick (:func:`world_snapshot`) and hands it
to every connection. Each connection's :class:`DeltaTracker` remembers what it sent and what the client
acknowledged, and picks the base: the newest acknowledged snapshot still remembered, else none (a full snapshot).
:class:`SnapshotFrames` encodes the body once per distinct base, so 64 players acking the same tick cost one
encoding, not 64.
"""

from __future__ import annotations

from server.game.model import GameEvent, Ship, World
from server.game.simulation import time_left_ticks
from server.protocol import (
    SNAPSHOT_HISTORY,
    PickupState,
    PlayerInfo,
    ProjectileState,
    ShipState,
    Snapshot,
    encode_snapshot,
    encode_snapshot_body,
)


def world_snapshot(world: World, events: tuple[GameEvent, ...] = ()) -> Snapshot:
    """Everything a player sees at ``world.tick``; ``events`` are those since the previous snapshot."""
    ships = {
        s.id: ShipState(s.motion.x, s.motion.y, s.motion.vx, s.motion.vy, s.aim, int(s.flags), s.score, s.deaths)
        for s in world.ships.values()
    }
    projectiles = {p.id: ProjectileState(p.owner, p.x, p.y, p.vx, p.vy, p.spawn_tick)
                   for p in world.projectiles.values()}
    pickups = {p.index: PickupState(p.kind, p.x, p.y, p.active) for p in world.pickups}
    return Snapshot(tick=world.tick, phase=world.phase, round=world.round, time_left_ticks=time_left_ticks(world),
                    ships=ships, projectiles=projectiles, pickups=pickups,
                    team_scores=dict(enumerate(world.team_scores)), events=tuple(events))


def player_info(ship: Ship, player_id: str, tier: str) -> PlayerInfo:
    return PlayerInfo(id=ship.id, player_id=player_id, name=ship.name, team=ship.team, skin=ship.cosmetic.skin,
                      trail=ship.cosmetic.trail, tier=tier)


class DeltaTracker:
    """One connection's view of delta encoding: snapshots sent (by tick) and the newest one the client acked."""

    def __init__(self, history: int = SNAPSHOT_HISTORY) -> None:
        self.history = history
        self.sent: dict[int, Snapshot] = {}
        self.acked = 0

    def ack(self, tick: int) -> None:
        """The client holds snapshot ``tick``. Acks for ticks never sent (or forgotten) are ignored: a client cannot
        make the server encode against a base it never had."""
        if tick > self.acked and tick in self.sent:
            self.acked = tick
            for old in [t for t in self.sent if t < tick]:
                del self.sent[old]

    def base(self) -> Snapshot | None:
        return self.sent.get(self.acked) if self.acked else None

    def record(self, snapshot: Snapshot) -> None:
        self.sent[snapshot.tick] = snapshot
        if len(self.sent) > self.history:
            # The client is not acking: forget the oldest; once the acked base is gone, snapshots go out full.
            oldest = min(self.sent)
            del self.sent[oldest]
            if oldest == self.acked:
                self.acked = 0


class SnapshotFrames:
    """Encodes one snapshot for many recipients, sharing the body among those with the same base."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self._bodies: dict[int, bytes] = {}
        self.encodings = 0

    def frame(self, base: Snapshot | None, ack_seq: int) -> bytes:
        key = base.tick if base is not None else 0
        body = self._bodies.get(key)
        if body is None:
            body = self._bodies[key] = encode_snapshot_body(self.snapshot, base)
            self.encodings += 1
        return encode_snapshot(self.snapshot, base, ack_seq, body)
