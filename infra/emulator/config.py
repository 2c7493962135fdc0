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
    # "fast": API calls on a lean HTTP/1.1 path (front.py), the rest handed to aiohttp;
    # "aiohttp": aiohttp serves everything (slower; for comparison and debugging).
    http_front: str = field(default_factory=lambda: _env("HTTP_FRONT", "fast"))
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
    # An ended game session, with its player sessions and idempotency token, is deleted this long
    # after its TerminationTime (the real service: 30 days) ...
    game_session_retention_seconds: float = field(
        default_factory=lambda: float(_env("GAME_SESSION_RETENTION_SECONDS", "2592000"))
    )
    # ... and its logs (GetGameSessionLogUrl) this long after it (14 days).
    game_session_log_retention_seconds: float = field(
        default_factory=lambda: float(_env("GAME_SESSION_LOG_RETENTION_SECONDS", "1209600"))
    )
    # -- server processes (fleets/launcher.py) and the server SDK endpoint (sdk_endpoint/) --
    # "auto": a launch path that is an executable file of a build with local files runs as a real OS
    # process, anything else is simulated; "simulated": never launch; "real": like auto, but a local
    # build whose launch path is missing fails fleet validation (FLEET_VALIDATION_LAUNCH_PATH_NOT_FOUND).
    processes: str = field(default_factory=lambda: _env("PROCESSES", "auto"))
    # A launched process must call InitSDK (connect) within this (the real service: 5 minutes) ...
    sdk_init_timeout_seconds: float = field(default_factory=lambda: float(_env("SDK_INIT_TIMEOUT_SECONDS", "300")))
    # ... and ProcessReady within this after InitSDK (5 minutes).
    process_ready_timeout_seconds: float = field(
        default_factory=lambda: float(_env("PROCESS_READY_TIMEOUT_SECONDS", "300"))
    )
    # From the TerminateProcess push to a force-kill (OnProcessTerminate: "about five minutes").
    process_termination_seconds: float = field(
        default_factory=lambda: float(_env("PROCESS_TERMINATION_SECONDS", "300"))
    )
    # From ProcessEnding to the process's exit (SERVER_PROCESS_PROCESS_EXIT_TIMEOUT: 30 s).
    process_exit_timeout_seconds: float = field(
        default_factory=lambda: float(_env("PROCESS_EXIT_TIMEOUT_SECONDS", "30"))
    )
    # After the ActivateServerProcess reply, the process takes game sessions at its first heartbeat or
    # after this delay, whichever comes first (the official SDKs ignore an earlier CreateGameSession).
    sdk_ready_delay_seconds: float = field(default_factory=lambda: float(_env("SDK_READY_DELAY_SECONDS", "1")))
    # A heartbeat is missed when none arrives within this window (the SDKs beat every 60 +/- 10 s) ...
    health_check_window_seconds: float = field(
        default_factory=lambda: float(_env("HEALTH_CHECK_WINDOW_SECONDS", "70"))
    )
    # ... and a process is unhealthy after this many consecutive missed heartbeats or false reports.
    unhealthy_threshold: int = field(default_factory=lambda: int(_env("UNHEALTHY_THRESHOLD", "3")))
    # A fleet of real processes stays ACTIVATING until one reports ready; after this it goes to ERROR.
    fleet_activation_timeout_seconds: float = field(
        default_factory=lambda: float(_env("FLEET_ACTIVATION_TIMEOUT_SECONDS", "600"))
    )
    # Push RefreshConnection (a new auth token) to every connected process this often; 0 = never.
    sdk_refresh_connection_seconds: float = field(
        default_factory=lambda: float(_env("SDK_REFRESH_CONNECTION_SECONDS", "0"))
    )
    # wss:// for the SDK endpoint on this port (-1: off, 0: any free port), with a self-signed
    # certificate generated under data_dir unless tls_cert/tls_key name one (the C++ SDK needs wss://).
    tls_port: int = field(default_factory=lambda: int(_env("TLS_PORT", "-1")))
    tls_cert: str = field(default_factory=lambda: _env("TLS_CERT", ""))
    tls_key: str = field(default_factory=lambda: _env("TLS_KEY", ""))
    # Emulator seconds between scaling-policy evaluations: the "minute" of EvaluationPeriods
    # and of the ten-minute wait after a policy changes capacity.
    scaling_interval_seconds: float = field(default_factory=lambda: float(_env("SCALING_INTERVAL_SECONDS", "60")))

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
