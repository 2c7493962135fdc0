"""One injectable clock and timer queue for every time-dependent transition.

Fleet activation, reservation time-outs, matchmaking and placements all wait on
this scheduler instead of calling ``asyncio.sleep`` themselves. With the system
clock the timers fire in real time; with the manual clock nothing moves until a
test (or the ``/_emulator/clock`` control API) advances time, so tests can walk a
fleet through a thirty-minute activation in microseconds and never sleep.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


class SystemClock:
    """Wall-clock time; what a running emulator uses by default."""

    manual = False

    def now(self) -> float:
        return time.time()


class ManualClock:
    """Time that only moves when told to, for deterministic tests."""

    manual = True

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start

    def now(self) -> float:
        return self._now

    def set(self, value: float) -> None:
        self._now = max(self._now, value)


Clock = SystemClock | ManualClock


@dataclass(order=True)
class Timer:
    when: float
    seq: int
    callback: Callable[[], None] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True


class Scheduler:
    """A heap of timers driven by one asyncio task.

    Callbacks are plain functions that run on the event loop thread, one batch at
    a time; ``after_batch`` runs after each batch so the store can commit what the
    callbacks changed in one transaction.
    """

    def __init__(self, clock: Clock, after_batch: Callable[[], None] | None = None) -> None:
        self.clock = clock
        # (when, seq, timer): tuples compare in C; seq keeps equal times in scheduling order.
        self._heap: list[tuple[float, int, Timer]] = []
        self._seq = itertools.count()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._prompt: asyncio.Handle | None = None
        self.after_batch = after_batch

    def call_at(self, when: float, callback: Callable[[], None]) -> Timer:
        timer = Timer(when, next(self._seq), callback)
        heapq.heappush(self._heap, (when, timer.seq, timer))
        if self._heap[0][2] is timer:
            if when <= self.clock.now() and self._task is not None and self._prompt is None:
                # Due now (call_soon): run on the next loop turn, ahead of the group commit that
                # acknowledges the request that scheduled it, instead of after the task's wake-up hops.
                # So a simulated server's activation lands before CreateGameSession's answer, as it
                # would on a server that calls ActivateGameSession at once.
                self._prompt = asyncio.get_running_loop().call_soon(self._run_prompted)
            else:
                self._wake.set()
        return timer

    def _run_prompted(self) -> None:
        self._prompt = None
        self.run_due()
        if self._heap:
            self._wake.set()  # the task re-arms its wait for the next timer

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        return self.call_at(self.clock.now() + max(0.0, delay), callback)

    def call_soon(self, callback: Callable[[], None]) -> Timer:
        return self.call_at(self.clock.now(), callback)

    def clear(self) -> None:
        for _, _, timer in self._heap:
            timer.cancel()
        self._heap.clear()

    def pending(self) -> int:
        return sum(1 for _, _, t in self._heap if not t.cancelled)

    def run_due(self) -> int:
        """Fire every timer whose time has come; returns how many fired."""
        fired = 0
        now = self.clock.now()
        while self._heap and self._heap[0][0] <= now:
            timer = heapq.heappop(self._heap)[2]
            if timer.cancelled:
                continue
            fired += 1
            try:
                timer.callback()
            except Exception:
                log.exception("timer callback failed")
        if fired and self.after_batch is not None:
            self.after_batch()
        return fired

    def advance(self, seconds: float) -> int:
        """Move a manual clock forward, firing timers in time order as it passes them.

        Timers scheduled by callbacks inside the window fire too, at their own
        time, so a chain of transitions (NEW -> DOWNLOADING -> ... -> ACTIVE)
        completes within one call.
        """
        if not isinstance(self.clock, ManualClock):
            raise TypeError("only a manual clock can be advanced")
        target = self.clock.now() + seconds
        fired = 0
        while self._heap and self._heap[0][0] <= target:
            self.clock.set(self._heap[0][0])
            fired += self.run_due()
        self.clock.set(target)
        fired += self.run_due()
        return fired

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="scheduler")

    async def stop(self) -> None:
        if self._prompt is not None:
            self._prompt.cancel()
            self._prompt = None
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def _run(self) -> None:
        while True:
            self.run_due()
            timeout: float | None = None
            if self._heap:
                delay = self._heap[0][0] - self.clock.now()
                if delay <= 0:
                    timeout = 0.0
                elif not self.clock.manual:
                    timeout = delay
            self._wake.clear()
            if timeout == 0.0:
                await asyncio.sleep(0)
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), timeout)
            except TimeoutError:
                pass
