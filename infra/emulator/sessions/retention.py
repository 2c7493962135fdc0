"""Keys that fall due a fixed time after an event, swept by one timer: how ended game sessions age out.

The real service keeps an ended game session (and so its idempotency token) for
30 days and its logs for 14, then deletes them. A long-running emulator ends
game sessions at benchmark rates, so the bookkeeping per ended session has to
be O(1) and must not fill the scheduler's heap: sessions end in time order and
share one retention period, so their due times come in order too. A deque of
(due, key) in that order, with one scheduler timer armed for its head, serves
them all; the sweep purges everything due, then re-arms for the next head.

Nothing is ever cancelled: the owner's ``on_due`` checks that the key still
deserves its fate (it may have been purged already, or reused by a newer
resource), which costs less than keeping the queue exact.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from infra.emulator.clock import Scheduler, Timer

log = logging.getLogger("gamelift_local.retention")


class RetentionQueue:
    """Calls ``on_due(key)`` once the emulator clock reaches the due time the key was added with."""

    def __init__(self, scheduler: Scheduler, on_due: Callable[[str], None]) -> None:
        self._scheduler = scheduler
        self._on_due = on_due
        self._due: deque[tuple[float, str]] = deque()
        self._timer: Timer | None = None

    def __len__(self) -> int:
        return len(self._due)

    def add(self, key: str, due: float) -> None:
        """Queue ``key``; callers add in due order (ends in time order, one period).

        A key added out of order (a system clock stepped back) waits behind its
        predecessors: it is swept late, never early.
        """
        self._due.append((due, key))
        if self._timer is None:
            self._timer = self._scheduler.call_at(due, self.sweep)

    def extend(self, entries: Iterable[tuple[float, str]]) -> None:
        """Queue many (due, key) pairs, already in due order, without arming a timer (``sweep`` arms it)."""
        self._due.extend(entries)

    def sweep(self) -> int:
        """Hand every due key to ``on_due``, then arm the timer for the next; returns how many were due.

        The scheduler calls it when the head falls due; the owner calls it after
        a restart, so what fell due while the emulator was down goes at once.
        """
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        due = self._due
        now = self._scheduler.clock.now()
        swept = 0
        while due and due[0][0] <= now:
            key = due.popleft()[1]
            swept += 1
            try:
                self._on_due(key)
            except Exception:
                # One failing purge must not strand the rest of the queue.
                log.exception("retention of %s failed", key)
        if due:
            self._timer = self._scheduler.call_at(due[0][0], self.sweep)
        return swept

    def clear(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._due.clear()
