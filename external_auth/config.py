"""Settings of one external_auth instance, from CLI flags and ``EXTERNAL_AUTH_*`` variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from external_auth.client_address import Network, parse_networks
from external_auth.throttle import ThrottlePolicy


def _env(name: str, default: str) -> str:
    return os.environ.get(f"EXTERNAL_AUTH_{name}", default)


def parse_credentials(text: str) -> dict[str, str]:
    """``ID:SECRET[,ID:SECRET]`` into a table of service credentials."""
    table: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in text.split(","))):
        key_id, _, secret = pair.partition(":")
        if not key_id or not secret:
            raise ValueError(f"credential {key_id or pair!r} is not ID:SECRET")
        if len(secret) < 16:
            # A short shared secret is guessable offline from any captured signature.
            raise ValueError(f"the secret of credential {key_id!r} is shorter than 16 characters")
        table[key_id] = secret
    return table


def login_policy_from_env() -> ThrottlePolicy:
    d = ThrottlePolicy()
    return ThrottlePolicy(
        max_failures=int(_env("LOGIN_MAX_FAILURES", str(d.max_failures))),
        base_delay=float(_env("LOGIN_BASE_DELAY_SECONDS", str(d.base_delay))),
        max_delay=float(_env("LOGIN_MAX_DELAY_SECONDS", str(d.max_delay))),
        address_max_failures=int(_env("LOGIN_ADDRESS_MAX_FAILURES", str(d.address_max_failures))),
        address_window=float(_env("LOGIN_ADDRESS_WINDOW_SECONDS", str(d.address_window))),
    )


@dataclass
class AuthConfig:
    host: str = field(default_factory=lambda: _env("HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: int(_env("PORT", "9081")))
    # SQLite file; accounts, subscriptions and signing keys survive a restart.
    database: str = field(default_factory=lambda: _env("DATABASE", ".external-auth/auth.db"))
    # What tokens say in ``iss`` and ``aud``; the backend checks both.
    issuer: str = field(default_factory=lambda: _env("ISSUER", "gamelift-reference-auth"))
    audience: str = field(default_factory=lambda: _env("AUDIENCE", "gamelift-reference-backend"))
    # Player tokens are short-lived: the tier inside one is at most this stale.
    token_ttl_seconds: int = field(default_factory=lambda: int(_env("TOKEN_TTL_SECONDS", "900")))
    # How long a key replaced by a rotation stays in the JWKS: tokens it signed must still verify
    # until they expire, plus the verifiers' leeway.
    rollover_seconds: int = field(default_factory=lambda: int(_env("ROLLOVER_SECONDS", "960")))
    rsa_key_bits: int = field(default_factory=lambda: int(_env("RSA_KEY_BITS", "2048")))
    # Service-to-service credentials (``ID:SECRET``): who may read subscriptions (the backend),
    # and who may rotate signing keys. Empty disables the endpoints (503), never opens them.
    service_keys: dict[str, str] = field(default_factory=lambda: parse_credentials(_env("SERVICE_KEYS", "")))
    admin_keys: dict[str, str] = field(default_factory=lambda: parse_credentials(_env("ADMIN_KEYS", "")))
    # How far a signed service request's timestamp may be from our clock.
    service_clock_skew_seconds: int = field(default_factory=lambda: int(_env("SERVICE_CLOCK_SKEW_SECONDS", "60")))
    # scrypt cost (N = 2**log2_n); 2**15 with r=8 uses 32 MiB and tens of milliseconds per hash.
    scrypt_log2_n: int = field(default_factory=lambda: int(_env("SCRYPT_LOG2_N", "15")))
    # Login throttling (external_auth/throttle.py): LOGIN_MAX_FAILURES (5) consecutive failures of one
    # username from one address, then a back-off from LOGIN_BASE_DELAY_SECONDS (1) doubling to
    # LOGIN_MAX_DELAY_SECONDS (900); and LOGIN_ADDRESS_MAX_FAILURES (20) failures per
    # LOGIN_ADDRESS_WINDOW_SECONDS (300) from one address across usernames. 0 failures turns a limit off.
    login: ThrottlePolicy = field(default_factory=login_policy_from_env)
    # Proxies (addresses or CIDR blocks) whose X-Forwarded-For names the client; empty: the header is ignored.
    trusted_proxies: tuple[Network, ...] = field(default_factory=lambda: parse_networks(_env("TRUSTED_PROXIES", "")))
    max_body_bytes: int = field(default_factory=lambda: int(_env("MAX_BODY_BYTES", "16384")))
    log_level: str = field(default_factory=lambda: _env("LOG_LEVEL", "INFO"))
