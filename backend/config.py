"""Settings of one backend instance, from CLI flags and ``BACKEND_*`` variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def _env(name: str, default: str) -> str:
    return os.environ.get(f"BACKEND_{name}", default)


def _optional(name: str) -> str | None:
    return os.environ.get(f"BACKEND_{name}") or None


@dataclass
class BackendConfig:
    host: str = field(default_factory=lambda: _env("HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: int(_env("PORT", "9082")))
    # SQLite: the last JWKS fetched (so a restart verifies tokens while external_auth is down) and
    # each player's last seat.
    database: str = field(default_factory=lambda: _env("DATABASE", ".backend/backend.db"))

    # -- external_auth ---------------------------------------------------------------------------
    auth_url: str = field(default_factory=lambda: _env("AUTH_URL", "http://127.0.0.1:9081"))
    # Defaults to <auth_url>/.well-known/jwks.json.
    jwks_url: str | None = field(default_factory=lambda: _optional("JWKS_URL"))
    issuer: str = field(default_factory=lambda: _env("ISSUER", "gamelift-reference-auth"))
    audience: str = field(default_factory=lambda: _env("AUDIENCE", "gamelift-reference-backend"))
    # Clock skew tolerated on exp/nbf/iat.
    leeway_seconds: float = field(default_factory=lambda: float(_env("LEEWAY_SECONDS", "10")))
    # A JWKS is refetched after this long, and at once on an unknown kid (rate-limited below).
    jwks_max_age_seconds: float = field(default_factory=lambda: float(_env("JWKS_MAX_AGE_SECONDS", "300")))
    # Unknown-kid refetches: a burst, then one per interval, so forged kids cannot flood external_auth.
    jwks_refresh_burst: int = field(default_factory=lambda: int(_env("JWKS_REFRESH_BURST", "3")))
    jwks_refresh_interval_seconds: float = field(
        default_factory=lambda: float(_env("JWKS_REFRESH_INTERVAL_SECONDS", "10"))
    )
    # The backend's own credential for external_auth's service endpoint.
    service_key_id: str = field(default_factory=lambda: _env("SERVICE_KEY_ID", "backend"))
    service_secret: str = field(default_factory=lambda: _env("SERVICE_SECRET", ""))
    subscription_cache_seconds: float = field(default_factory=lambda: float(_env("SUBSCRIPTION_CACHE_SECONDS", "30")))

    # -- GameLift --------------------------------------------------------------------------------
    # None: the default AWS endpoint and credential chain (real GameLift).
    gamelift_endpoint_url: str | None = field(default_factory=lambda: _optional("GAMELIFT_ENDPOINT_URL"))
    region: str = field(default_factory=lambda: _env("REGION", os.environ.get("AWS_REGION", "us-west-2")))
    # Where players are seated: an alias (preferred: fleets can be swapped behind it) or a fleet.
    alias_id: str | None = field(default_factory=lambda: _optional("ALIAS_ID"))
    fleet_id: str | None = field(default_factory=lambda: _optional("FLEET_ID"))
    # Needed for Anywhere fleets; None: the fleet's home Region.
    location: str | None = field(default_factory=lambda: _optional("LOCATION"))
    max_players: int = field(default_factory=lambda: int(_env("MAX_PLAYERS", "8")))
    # GameProperties put on every session the backend creates, "key=value,key=value" (e.g. the game
    # server's roundSeconds=60); the backend's own access/origin properties take precedence.
    session_properties: dict[str, str] = field(
        default_factory=lambda: parse_properties(_env("SESSION_PROPERTIES", ""))
    )
    quickplay_strategy: str = field(default_factory=lambda: _env("QUICKPLAY_STRATEGY", "search-or-create"))
    quickplay_attempts: int = field(default_factory=lambda: int(_env("QUICKPLAY_ATTEMPTS", "6")))
    # How long a new game session may take to go ACTIVE before quick play gives up.
    activation_timeout_seconds: float = field(default_factory=lambda: float(_env("ACTIVATION_TIMEOUT_SECONDS", "30")))
    # Threads for boto3 calls (boto3 is blocking); also the HTTP connection pool size.
    gamelift_workers: int = field(default_factory=lambda: int(_env("GAMELIFT_WORKERS", "16")))

    # -- the edge --------------------------------------------------------------------------------
    rate_limit_per_second: float = field(default_factory=lambda: float(_env("RATE_LIMIT_PER_SECOND", "2")))
    rate_limit_burst: int = field(default_factory=lambda: int(_env("RATE_LIMIT_BURST", "10")))
    max_body_bytes: int = field(default_factory=lambda: int(_env("MAX_BODY_BYTES", "16384")))
    log_level: str = field(default_factory=lambda: _env("LOG_LEVEL", "INFO"))

    def resolved_jwks_url(self) -> str:
        return self.jwks_url or self.auth_url.rstrip("/") + "/.well-known/jwks.json"


def parse_properties(text: str) -> dict[str, str]:
    """``key=value,key=value`` into GameProperties; a pair without ``=`` is an error."""
    properties = {}
    for pair in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"session property {pair!r} is not key=value")
        properties[key.strip()] = value.strip()
    return properties
