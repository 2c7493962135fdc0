"""Drawing other ships in the past so their motion is smooth.

Snapshots arrive 20 times a second, with jitter; drawing each ship where the last snapshot put it
would stutter. Instead every ship is drawn where it was ``delay`` seconds ago (about 100 ms: two
snapshot intervals), between the two snapshots around that moment. The price is that others are
seen slightly late; the server compensates nothing here, which is the honest trade-off of a
simple authoritative server.

A ship keeps its last known state when snapshots stop (no guessing ahead beyond a short
extrapolation cap), and leaves when a snapshot no longer lists it.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

S = TypeVar("S")


def lerp(a: float, b: float, t: float) -> float:
    return a + (b - a) * t


def lerp_angle(a: float, b: float, t: float) -> float:
    """Interpolate angles (radians) the short way round."""
    diff = (b - a + math.pi) % (2 * math.pi) - math.pi
    return a + diff * t


class InterpolationBuffer(Generic[S]):
    """Timed states of one entity, and the state at any time between them."""

    def __init__(self, blend: Callable[[S, S, float], S], capacity: int = 32, max_extrapolation: float = 0.05):
        self._blend = blend
        self._capacity = capacity
        self.max_extrapolation = max_extrapolation
        self.times: list[float] = []
        self.states: list[S] = []

    def __len__(self) -> int:
        return len(self.times)

    def push(self, time: float, state: S) -> bool:
        """Add a state; one not newer than the latest is ignored (duplicate or reordered)."""
        if self.times and time <= self.times[-1]:
            return False
        self.times.append(time)
        self.states.append(state)
        if len(self.times) > self._capacity:
            del self.times[0], self.states[0]
        return True

    def sample(self, time: float) -> S | None:
        if not self.times:
            return None
        if time <= self.times[0]:
            return self.states[0]
        if time >= self.times[-1]:
            if len(self.times) < 2 or self.max_extrapolation <= 0:
                return self.states[-1]
            # A little past the newest snapshot (one late packet): continue the last motion briefly.
            ahead = min(time - self.times[-1], self.max_extrapolation)
            span = self.times[-1] - self.times[-2]
            return self._blend(self.states[-2], self.states[-1], 1.0 + ahead / span)
        i = bisect.bisect_right(self.times, time)
        t0, t1 = self.times[i - 1], self.times[i]
        return self._blend(self.states[i - 1], self.states[i], (time - t0) / (t1 - t0))

    def discard_before(self, time: float) -> None:
        """Forget states no sample at or after ``time`` can need (keeps one before it)."""
        i = bisect.bisect_right(self.times, time) - 1
        if i > 0:
            del self.times[:i], self.states[:i]


class Interpolator(Generic[S]):
    """Interpolation buffers for every entity a snapshot lists, keyed by entity id."""

    def __init__(self, blend: Callable[[S, S, float], S], delay: float = 0.1) -> None:
        self._blend = blend
        self.delay = delay
        self.buffers: dict[int, InterpolationBuffer[S]] = {}

    def push(self, time: float, states: dict[int, S]) -> None:
        """One snapshot: ``states`` is every entity it lists; entities it omits are gone."""
        for gone in set(self.buffers) - set(states):
            del self.buffers[gone]
        for entity_id, state in states.items():
            buffer = self.buffers.get(entity_id)
            if buffer is None:
                buffer = self.buffers[entity_id] = InterpolationBuffer(self._blend)
            buffer.push(time, state)

    def sample(self, now: float, ids: Iterable[int] | None = None) -> dict[int, S]:
        """Every entity's state at ``now - delay`` (``now`` in server time)."""
        at = now - self.delay
        out: dict[int, S] = {}
        for entity_id in self.buffers if ids is None else ids:
            buffer = self.buffers.get(entity_id)
            if buffer is None:
                continue
            state = buffer.sample(at)
            if state is not None:
                out[entity_id] = state
            buffer.discard_before(at - 0.5)
        return out
