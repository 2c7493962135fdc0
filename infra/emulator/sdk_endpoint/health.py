"""A server process's health as the service judges it from heartbeats. Pure.

The SDKs send HeartbeatServerProcess right after ProcessReady and then every 60 +/- 10 s, reporting what the
game's OnHealthCheck said. The docs: a process that "continues to report as unhealthy or doesn't respond for three
consecutive health checks" is shut down. So a false report and a window without any heartbeat both count as one bad
check; a true report clears the count; ``threshold`` consecutive bad checks make the process unhealthy (once).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class HealthTracker:
    window: float  # seconds a heartbeat may take before it counts as missed
    threshold: int  # consecutive bad checks that make a process unhealthy
    deadline: float  # when the current window ends without a heartbeat
    bad: int = 0
    unhealthy: bool = False
    beats: int = 0

    @classmethod
    def starting(cls, now: float, window: float, threshold: int) -> HealthTracker:
        return cls(window=window, threshold=max(1, threshold), deadline=now + window)

    def heartbeat(self, healthy: bool, now: float) -> bool:
        """Record a report; True when it makes the process unhealthy."""
        self.beats += 1
        self.deadline = now + self.window
        if healthy:
            self.bad = 0
            return False
        return self._bad_check()

    def due(self, now: float) -> bool:
        return not self.unhealthy and now >= self.deadline

    def missed(self, now: float) -> bool:
        """The window ran out with no heartbeat (call when ``due``); True when that makes the process unhealthy."""
        self.deadline = max(self.deadline, now - self.window) + self.window
        return self._bad_check()

    def _bad_check(self) -> bool:
        if self.unhealthy:
            return False
        self.bad += 1
        if self.bad >= self.threshold:
            self.unhealthy = True
            return True
        return False
