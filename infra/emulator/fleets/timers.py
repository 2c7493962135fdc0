"""Named timers on the emulator's scheduler, so a resource has at most one pending transition.

Re-arming a key replaces its timer; deleting a resource cancels what it had
pending. Callbacks still check the state they expect when they fire, so a
timer that slips through a race does nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from infra.emulator.clock import Scheduler, Timer


class KeyedTimers:
    def __init__(self, scheduler: Scheduler) -> None:
        self.scheduler = scheduler
        self._timers: dict[str, Timer] = {}

    def arm(self, key: str, when: float, callback: Callable[[], None]) -> None:
        self.cancel(key)

        def fire() -> None:
            self._timers.pop(key, None)
            callback()

        self._timers[key] = self.scheduler.call_at(when, fire)

    def cancel(self, key: str) -> None:
        timer = self._timers.pop(key, None)
        if timer is not None:
            timer.cancel()

    def cancel_prefix(self, prefix: str) -> None:
        for key in [k for k in self._timers if k.startswith(prefix)]:
            self.cancel(key)

    def pending(self, key: str) -> bool:
        return key in self._timers

    def clear(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
