"""Settings of one emulator instance, from CLI flags and GAMELIFT_LOCAL_* variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def _env(name: str, default: str) -> str:
    return os.environ.get(f"GAMELIFT_LOCAL_{name}", default)


@dataclass
class EmulatorConfig:
    host: str = field(default_factory=lambda: _env("HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: int(_env("PORT", "9080")))
    # SQLite file; ":memory:" keeps nothing across restarts.
    database: str = field(default_factory=lambda: _env("DATABASE", ".gamelift-local/state.db"))
    # The emulator is one region of one account: every request is served from
    # the same state whatever region it was signed for, and ARNs carry these.
    region: str = field(default_factory=lambda: _env("REGION", "us-west-2"))
    account_id: str = field(default_factory=lambda: _env("ACCOUNT_ID", "123456789012"))
    # "system" (wall clock) or "manual" (moves only through /_emulator/clock).
    clock: str = field(default_factory=lambda: _env("CLOCK", "system"))
    # "none": accept any SigV4 signature as sent; "sigv4": verify against ``keys``.
    auth: str = field(default_factory=lambda: _env("AUTH", "none"))
    keys: dict[str, str] = field(default_factory=dict)
    # Reject handler output that strays from the model (tests turn this on).
    strict: bool = field(default_factory=lambda: _env("STRICT", "0") == "1")
    # Seconds each fleet activation stage (DOWNLOADING, VALIDATING, ...) takes.
    fleet_stage_seconds: float = field(default_factory=lambda: float(_env("FLEET_STAGE_SECONDS", "0.2")))
    # Address reported to game clients for server processes.
    public_ip: str = field(default_factory=lambda: _env("PUBLIC_IP", "127.0.0.1"))
    # DNS name reported beside public_ip.
    public_dns: str = field(default_factory=lambda: _env("PUBLIC_DNS", "localhost"))
    # The URL clients reach this emulator at (its SDK WebSocket endpoint, log
    # URLs); filled in once the server is listening, when port 0 was asked for.
    advertised_url: str = field(default_factory=lambda: _env("ADVERTISED_URL", ""))
    # Root of instance directories, logs and uploaded builds.
    data_dir: str = field(default_factory=lambda: _env("DATA_DIR", ".gamelift-local"))
    # Where the real service would have limits, so do we (LimitExceededException).
    max_fleets: int = field(default_factory=lambda: int(_env("MAX_FLEETS", "100")))
    # How long a player session stays RESERVED before it times out (60 s in the
    # real service, not adjustable there; adjustable here for slow local starts).
    player_session_reservation_seconds: float = field(
        default_factory=lambda: float(_env("PLAYER_SESSION_RESERVATION_SECONDS", "60"))
    )

    @staticmethod
    def parse_keys(text: str) -> dict[str, str]:
        """``AK1:SK1,AK2:SK2`` into a key table."""
        keys = {}
        for pair in filter(None, (p.strip() for p in text.split(","))):
            access, _, secret = pair.partition(":")
            if not access or not secret:
                raise ValueError(f"key pair {pair!r} is not ACCESS_KEY:SECRET_KEY")
            keys[access] = secret
        return keys
