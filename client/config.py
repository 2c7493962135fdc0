"""Where the client finds its services and how it plays: CLI flags over ``CLIENT_*`` variables over defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def _env(name: str, default: str) -> str:
    return os.environ.get(f"CLIENT_{name}", default)


@dataclass
class ClientConfig:
    backend_url: str = field(default_factory=lambda: _env("BACKEND_URL", "http://127.0.0.1:9082"))
    auth_url: str = field(default_factory=lambda: _env("AUTH_URL", "http://127.0.0.1:9081"))
    # HTTP calls give up after this long; quick play may create a session, which takes a few seconds.
    http_timeout: float = field(default_factory=lambda: float(_env("HTTP_TIMEOUT", "45")))
    # Opening the game server's WebSocket and being accepted.
    connect_timeout: float = field(default_factory=lambda: float(_env("CONNECT_TIMEOUT", "10")))
    # How far in the past other ships are drawn: two snapshot intervals at 20 Hz, so one lost
    # snapshot still leaves two to interpolate between.
    interpolation_delay: float = field(default_factory=lambda: float(_env("INTERPOLATION_DELAY", "0.1")))
    width: int = field(default_factory=lambda: int(_env("WIDTH", "800")))
    height: int = field(default_factory=lambda: int(_env("HEIGHT", "600")))
    fps: int = field(default_factory=lambda: int(_env("FPS", "60")))
    log_level: str = field(default_factory=lambda: _env("LOG_LEVEL", "WARNING"))

    def __post_init__(self) -> None:
        self.backend_url = self.backend_url.rstrip("/")
        self.auth_url = self.auth_url.rstrip("/")
