"""Estimates of the server's clock and of the round trip, from snapshots and pongs.

Interpolation draws other ships at "server time now minus a delay", so the client needs server
time, not its own. Every snapshot says which tick it was made at; the gap between that and the
local receive time is a noisy sample of the clock offset (network jitter only ever makes a
snapshot late, never early). The estimate follows samples slowly so jitter does not shake the
picture, and jumps when it is far off (first snapshot, a stall, a laptop waking up).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ServerClock:
    # How much of each new sample to take; small: a smooth estimate over ~10 snapshots.
    gain: float = 0.1
    # Further off than this and the estimate jumps instead of drifting.
    snap: float = 0.25
    offset: float | None = None

    def observe(self, server_time: float, local_time: float) -> None:
        sample = server_time - local_time
        if self.offset is None or abs(sample - self.offset) > self.snap:
            self.offset = sample
        else:
            self.offset += self.gain * (sample - self.offset)

    def now(self, local_time: float) -> float | None:
        """Server time at ``local_time``, as far as the latest snapshots tell; None before the first."""
        return None if self.offset is None else local_time + self.offset


@dataclass
class PingMeter:
    """Round-trip time for the HUD: the last sample and a smoothed one (pongs echo the sender's clock)."""

    gain: float = 0.2
    last: float | None = None
    smoothed: float | None = None
    samples: int = 0

    def sample(self, rtt: float) -> None:
        rtt = max(0.0, rtt)
        self.last, self.samples = rtt, self.samples + 1
        self.smoothed = rtt if self.smoothed is None else self.smoothed + self.gain * (rtt - self.smoothed)

    @property
    def millis(self) -> int | None:
        return None if self.smoothed is None else round(self.smoothed * 1000)
