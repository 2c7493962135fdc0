"""Deadlines a fixed time after creation: activation and reservation time-outs.

Every game session starts a GameSessionActivationTimeoutSeconds clock and every
player session a 60-second reservation clock; nearly all of them are cancelled
within moments (the session activates, the player connects). One scheduler
timer each would leave hundreds of thousands of cancelled timers in the heap at
benchmark rates. Instead, keys that share a duration queue in creation order,
which is deadline order, so one scheduler timer per distinct duration, armed
for the head of its queue, serves them all, and cancelling is an O(1) removal.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from infra.emulator.clock import Scheduler, Timer

log = logging.getLogger("gamelift_local.expiry")


class ExpiryQueue:
    """Calls ``on_expire(key)`` when a key's deadline passes, unless it was discarded first."""

    def __init__(self, scheduler: Scheduler, on_expire: Callable[[str], None]) -> None:
        self._scheduler = scheduler
        self._on_expire = on_expire
        self._queues: dict[float, OrderedDict[str, float]] = {}
        self._duration_of: dict[str, float] = {}
        self._timers: dict[float, Timer] = {}

    def add(self, key: str, deadline: float, duration: float) -> None:
        """Queue ``key``; keys of one duration must come in deadline order (creation order does)."""
        if key in self._duration_of:
            self.discard(key)
        queue = self._queues.get(duration)
        if queue is None:
            queue = self._queues[duration] = OrderedDict()
        queue[key] = deadline
        self._duration_of[key] = duration
        if duration not in self._timers:
            self._arm(duration, deadline)

    def discard(self, key: str) -> None:
        duration = self._duration_of.pop(key, None)
        if duration is not None:
            self._queues[duration].pop(key, None)

    def __contains__(self, key: str) -> bool:
        return key in self._duration_of

    def __len__(self) -> int:
        return len(self._duration_of)

    def clear(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        self._queues.clear()
        self._duration_of.clear()

    def _arm(self, duration: float, when: float) -> None:
        self._timers[duration] = self._scheduler.call_at(when, lambda: self._fire(duration))

    def _fire(self, duration: float) -> None:
        self._timers.pop(duration, None)
        queue = self._queues.get(duration)
        if not queue:
            return
        now = self._scheduler.clock.now()
        while queue:
            key, deadline = next(iter(queue.items()))
            if deadline > now:
                self._arm(duration, deadline)
                return
            queue.popitem(last=False)
            del self._duration_of[key]
            try:
                self._on_expire(key)
            except Exception:
                # One failing expiry must not strand the rest of the queue.
                log.exception("expiry of %s failed", key)
