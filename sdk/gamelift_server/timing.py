"""Every interval the SDK uses, with the official defaults, in one configurable place.

Tests shrink them; the defaults are the official SDKs' (server-sdk.md §2.5). The Go SDK also reads a few unprefixed
environment variables in Go duration syntax (``HEALTHCHECK_INTERVAL=5s``); :meth:`Timings.from_environment` honours the
same ones, so a process launched by gamelift-local can be told to heartbeat faster without code changes.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass

log = logging.getLogger("gamelift_server")

ENV_HEALTHCHECK_INTERVAL = "HEALTHCHECK_INTERVAL"
ENV_HEALTHCHECK_MAX_JITTER = "HEALTHCHECK_MAX_JITTER"
ENV_HEALTHCHECK_TIMEOUT = "HEALTHCHECK_TIMEOUT"
ENV_SERVICE_CALL_TIMEOUT = "SERVICE_CALL_TIMEOUT"
ENV_DISCONNECT_WEBSOCKET_TIMEOUT = "DISCONNECT_WEBSOCKET_TIMEOUT"

_ENV_FIELDS = {
    ENV_HEALTHCHECK_INTERVAL: "heartbeat_interval",
    ENV_HEALTHCHECK_MAX_JITTER: "heartbeat_jitter",
    ENV_HEALTHCHECK_TIMEOUT: "health_check_timeout",
    ENV_SERVICE_CALL_TIMEOUT: "request_timeout",
    ENV_DISCONNECT_WEBSOCKET_TIMEOUT: "refresh_close_delay",
}


@dataclass(frozen=True)
class Timings:
    """Seconds, all of them.

    - heartbeat_interval ± heartbeat_jitter: time between HeartbeatServerProcess requests (60 ± 10). The jitter
      spreads a fleet's heartbeats so thousands of processes started together do not beat in step.
    - health_check_timeout: budget for on_health_check before reporting unhealthy (50 = interval - max jitter, so the
      answer is always sent before the next heartbeat is due).
    - request_timeout: wait for a reply (20); activate_timeout for ActivateServerProcess (Go: 6).
    - timeout_reconnect_threshold: consecutive request timeouts that mean the socket is half-open, so reconnect (2).
    - connect_retries, connect_backoff_initial, connect_backoff_max, connect_timeout: handshake retries
      (C++/C#: 7 retries after the first try, waiting 4 s doubling to 32 s; 20 s per handshake).
    - refresh_close_delay: after RefreshConnection, how long the old socket stays open to drain (Go: 5).
    """

    heartbeat_interval: float = 60.0
    heartbeat_jitter: float = 10.0
    health_check_timeout: float = 50.0
    request_timeout: float = 20.0
    activate_timeout: float = 6.0
    timeout_reconnect_threshold: int = 2
    connect_retries: int = 7
    connect_backoff_initial: float = 4.0
    connect_backoff_max: float = 32.0
    connect_timeout: float = 20.0
    refresh_close_delay: float = 5.0

    def next_heartbeat_delay(self, rng: random.Random) -> float:
        """interval + uniform(-jitter, +jitter), never negative."""
        jitter = rng.uniform(-self.heartbeat_jitter, self.heartbeat_jitter) if self.heartbeat_jitter > 0 else 0.0
        return max(0.0, self.heartbeat_interval + jitter)

    def connect_delays(self) -> list[float]:
        """Waits before each retry of a failed handshake: initial, doubling, capped."""
        return [min(self.connect_backoff_max, self.connect_backoff_initial * 2**n) for n in range(self.connect_retries)]

    def with_environment(self, environ: Mapping[str, str]) -> Timings:
        """These timings with Go's test knobs applied; an unparsable value is logged and ignored, as in Go."""
        changes: dict[str, float] = {}
        for variable, name in _ENV_FIELDS.items():
            raw = environ.get(variable, "")
            if not raw:
                continue
            seconds = parse_go_duration(raw)
            if seconds is None:
                log.warning("event=invalid_timing_env variable=%s value=%r", variable, raw)
                continue
            changes[name] = seconds
        return dataclasses.replace(self, **changes) if changes else self


_GO_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_go_duration(text: str) -> float | None:
    """Seconds from Go duration syntax ("1m30s", "250ms", "0"); None when it is not one."""
    text = text.strip()
    if text == "0":
        return 0.0
    sign = -1.0 if text.startswith("-") else 1.0
    body = text.lstrip("+-")
    if not body:
        return None
    total, position = 0.0, 0
    for match in _GO_DURATION_PART.finditer(body):
        if match.start() != position:
            return None
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        position = match.end()
    return sign * total if position == len(body) else None
