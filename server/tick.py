"""The fixed-rate tick loop, and the numbers the health check reports.

The loop keeps a fixed schedule (tick n is due at start + n * dt) instead of sleeping dt after each tick, so the
simulation keeps real time on average. When it falls behind by more than :data:`MAX_CATCH_UP` ticks (the machine
stalled) it gives up the missed ticks rather than running them back to back, and counts them.

Health (:meth:`TickStats.healthy`): the loop ticked recently (it is alive) and is not overloaded (most recent
ticks fit in their budget and it is not skipping ticks). That is what the GameLift health check reports: a process
that stops ticking is marked unhealthy and, after three reports, replaced.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger("server.tick")

MAX_CATCH_UP = 5  # ticks behind before the schedule is reset
STALL_SECONDS = 2.0  # no tick for this long: the loop is not alive
OVERLOAD_FRACTION = 0.25  # more than this share of recent ticks over budget: overloaded


@dataclass
class TickStats:
    """Recent tick durations (work only, not the sleep) and the lateness of the loop."""

    budget: float
    window: int = 300
    durations: deque[float] = field(default_factory=deque)
    lateness: deque[float] = field(default_factory=deque)  # how late each tick started against its schedule
    ticks: int = 0
    skipped: int = 0
    recent_skips: deque[float] = field(default_factory=deque)  # monotonic times of schedule resets
    last_tick_at: float = 0.0
    running: bool = False

    def record(self, duration: float, at: float, late: float = 0.0) -> None:
        self.ticks += 1
        self.last_tick_at = at
        self.durations.append(duration)
        self.lateness.append(late)
        if len(self.durations) > self.window:
            self.durations.popleft()
            self.lateness.popleft()

    def record_skip(self, ticks: int, at: float) -> None:
        self.skipped += ticks
        self.recent_skips.append(at)

    def percentile(self, q: float) -> float:
        if not self.durations:
            return 0.0
        ordered = sorted(self.durations)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def overloaded(self, now: float) -> bool:
        while self.recent_skips and now - self.recent_skips[0] > 10.0:
            self.recent_skips.popleft()
        if self.recent_skips:
            return True
        if not self.durations:
            return False
        over = sum(1 for d in self.durations if d > self.budget)
        return over > OVERLOAD_FRACTION * len(self.durations)

    def alive(self, now: float) -> bool:
        return self.running and now - self.last_tick_at < STALL_SECONDS

    def healthy(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        return self.alive(now) and not self.overloaded(now)


class TickLoop:
    """Calls ``tick()`` ``rate`` times a second until :meth:`stop`. An exception in a tick is logged and ends the
    loop (stats then report it dead, so the health check fails): a broken simulation must not limp on."""

    def __init__(self, tick: Callable[[], None], rate: int) -> None:
        self._tick = tick
        self.dt = 1.0 / rate
        self.stats = TickStats(budget=self.dt)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.stats.running = True
        self.stats.last_tick_at = time.monotonic()
        self._task = asyncio.get_running_loop().create_task(self._run(), name="tick-loop")

    async def stop(self) -> None:
        self.stats.running = False
        task, self._task = self._task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass

    @property
    def done(self) -> bool:
        return self._task is None or self._task.done()

    async def _run(self) -> None:
        clock = time.monotonic
        due = clock()
        try:
            while self.stats.running:
                late = clock() - due
                started = time.perf_counter()
                self._tick()
                now = clock()
                self.stats.record(time.perf_counter() - started, now, max(0.0, late))
                due += self.dt
                behind = now - due
                if behind > MAX_CATCH_UP * self.dt:
                    missed = int(behind / self.dt)
                    self.stats.record_skip(missed, now)
                    log.warning("event=tick_behind missed_ticks=%d behind_ms=%.1f", missed, behind * 1000)
                    due = now
                await asyncio.sleep(max(0.0, due - clock()))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("event=tick_failed")
            self.stats.running = False
