"""Client-side prediction of the player's own ship, with reconciliation and input replay.

The server is the authority, but waiting a round trip to see your own ship move feels broken. So
the client runs the same simulation step the server runs (``server.game``) on its own inputs as
it sends them, and keeps every input the server has not yet confirmed. When a snapshot says "this
is your ship after input N", the client starts again from that state and replays inputs N+1...
on top: if client and server agree, nothing visible happens; if they disagree (a hit, a wall, a
pickup the client did not know about), the ship moves to where the server says it must be.

A correction is not shown as a jump: ``CorrectionSmoother`` keeps the visual gap between the old
and new prediction and lets it decay over a tenth of a second. Large gaps (a respawn, a teleport)
snap at once.

Generic over the state and command types so it is tested with a toy step; ``client.match`` plugs
in the game's real step.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

S = TypeVar("S")
C = TypeVar("C")


@dataclass(frozen=True)
class Reconciliation:
    # Inputs applied again on top of the server's state.
    replayed: int
    # How far the new prediction is from the old one (0 when the server agreed).
    error: float
    # Inputs the server confirmed by this snapshot (dropped from the buffer).
    acknowledged: int


class Predictor(Generic[S, C]):
    """The own ship's predicted state and the inputs the server has not confirmed yet."""

    def __init__(
        self,
        step: Callable[[S, C], S],
        state: S,
        position: Callable[[S], tuple[float, float]],
        capacity: int = 256,
    ) -> None:
        self._step = step
        self._position = position
        self.state = state
        # (sequence number, command), oldest first; bounded so a server that never answers cannot grow it.
        self.pending: deque[tuple[int, C]] = deque(maxlen=capacity)
        self.acked = 0

    def predict(self, seq: int, command: C) -> S:
        """Apply one input locally, as it is sent, and remember it for replay."""
        if self.pending and seq <= self.pending[-1][0]:
            raise ValueError(f"input sequence {seq} is not after {self.pending[-1][0]}")
        self.pending.append((seq, command))
        self.state = self._step(self.state, command)
        return self.state

    def reconcile(self, authoritative: S, acked_seq: int) -> Reconciliation:
        """Start over from the server's state after input ``acked_seq`` and replay what came later.

        A snapshot older than one already applied (``acked_seq`` below the last) changes nothing:
        snapshots can arrive out of order only through a bug, but it must not rewind the ship.
        """
        if acked_seq < self.acked:
            return Reconciliation(0, 0.0, 0)
        before = self._position(self.state)
        dropped = 0
        while self.pending and self.pending[0][0] <= acked_seq:
            self.pending.popleft()
            dropped += 1
        self.acked = acked_seq
        state = authoritative
        for _, command in self.pending:
            state = self._step(state, command)
        self.state = state
        after = self._position(state)
        return Reconciliation(len(self.pending), math.dist(before, after), dropped)

    def reset(self, state: S, acked_seq: int | None = None) -> None:
        """Take the server's state as is and forget pending inputs (death, respawn, a new round)."""
        self.state = state
        self.pending.clear()
        if acked_seq is not None:
            self.acked = max(self.acked, acked_seq)


@dataclass
class CorrectionSmoother:
    """A visual offset that hides small reconciliation corrections by easing them out."""

    # Time constant of the decay: after ~3 of these the correction is invisible.
    tau: float = 0.06
    # Corrections bigger than this are real teleports (respawn): show them at once.
    snap_distance: float = 60.0
    dx: float = 0.0
    dy: float = 0.0

    def correct(self, before: tuple[float, float], after: tuple[float, float]) -> None:
        dx, dy = before[0] - after[0] + self.dx, before[1] - after[1] + self.dy
        if math.hypot(dx, dy) > self.snap_distance:
            self.dx = self.dy = 0.0
        else:
            self.dx, self.dy = dx, dy

    def advance(self, dt: float) -> tuple[float, float]:
        """Decay by ``dt`` seconds; the offset to add to the predicted position when drawing."""
        keep = math.exp(-max(0.0, dt) / self.tau)
        self.dx *= keep
        self.dy *= keep
        if abs(self.dx) < 0.01 and abs(self.dy) < 0.01:
            self.dx = self.dy = 0.0
        return self.dx, self.dy
