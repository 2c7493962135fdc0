"""The player's HTTP calls: external_auth (sign-up, login) and the backend (seats and sessions).

Routes and payloads follow ``backend/openapi.json`` and ``external_auth/app.py``. The client never
sends who it is or what it owns: the token says who, external_auth says what (tier, cosmetics), and
that reaches the game server as PlayerData through the backend and GameLift.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aiohttp

from client.errors import ApiError, ServiceUnreachable


@dataclass(frozen=True)
class Login:
    token: str
    player_id: str
    username: str
    tier: str
    expires_in: int


@dataclass(frozen=True)
class Seat:
    """Where to play: connect to ``ip:port`` and join with ``player_session_id``."""

    game_session_id: str
    player_session_id: str
    ip: str | None
    port: int | None
    dns_name: str | None
    placement: str
    tier: str

    @classmethod
    def from_api(cls, body: dict[str, Any]) -> Seat:
        return cls(
            game_session_id=body["gameSessionId"],
            player_session_id=body["playerSessionId"],
            ip=body.get("ip"),
            port=body.get("port"),
            dns_name=body.get("dnsName"),
            placement=body.get("placement", "joined"),
            tier=body.get("tier", "free"),
        )

    @property
    def host(self) -> str:
        return self.ip or self.dns_name or "127.0.0.1"

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}/"


@dataclass(frozen=True)
class SessionInfo:
    """One row of the server browser."""

    game_session_id: str
    name: str
    status: str
    current_players: int
    max_players: int
    premium_only: bool

    @classmethod
    def from_api(cls, body: dict[str, Any]) -> SessionInfo:
        return cls(
            game_session_id=body["gameSessionId"],
            name=body.get("name") or body["gameSessionId"].rsplit("/", 1)[-1],
            status=body.get("status", "ACTIVE"),
            current_players=int(body.get("currentPlayers", 0)),
            max_players=int(body.get("maxPlayers", 0)),
            premium_only=bool(body.get("premiumOnly", False)),
        )

    @property
    def full(self) -> bool:
        return self.max_players > 0 and self.current_players >= self.max_players


@dataclass(frozen=True)
class Profile:
    player_id: str
    username: str
    display_name: str
    tier: str
    entitlements: list[str]


class GameApi:
    """One player's view of both services; holds the token after login.

    Needs a running event loop (aiohttp); the window calls it through ``client.runner``.
    """

    def __init__(self, backend_url: str, auth_url: str, timeout: float = 45.0) -> None:
        self.backend_url, self.auth_url = backend_url.rstrip("/"), auth_url.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.login_info: Login | None = None
        self._http: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> GameApi:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None:
            self._http = aiohttp.ClientSession(
                timeout=self.timeout, headers={"User-Agent": "gamelift-reference-client"}
            )
        return self._http

    async def _call(
        self, service: str, base: str, method: str, path: str, body: Any = None, *, auth: bool = False
    ) -> Any:
        headers = {}
        if auth:
            if self.login_info is None:
                raise ApiError(401, "missing_token", "not logged in")
            headers["Authorization"] = f"Bearer {self.login_info.token}"
        data = None if body is None else json.dumps(body)
        if data is not None:
            headers["Content-Type"] = "application/json"
        try:
            async with self._session().request(method, base + path, data=data, headers=headers) as response:
                raw = await response.read()
                status, response_headers = response.status, response.headers
        except (TimeoutError, aiohttp.ClientConnectionError, OSError):
            raise ServiceUnreachable(service, base) from None
        try:
            answer = json.loads(raw) if raw else None
        except ValueError:
            answer = None
        if status >= 400:
            error = (answer or {}).get("error", {}) if isinstance(answer, dict) else {}
            retry = response_headers.get("Retry-After")
            raise ApiError(
                status,
                str(error.get("code", f"http_{status}")),
                str(error.get("message", raw[:200].decode(errors="replace"))),
                error.get("requestId") or response_headers.get("X-Request-Id"),
                float(retry) if retry and retry.isdigit() else None,
            )
        return answer

    # -- external_auth ---------------------------------------------------------------------------
    async def sign_up(self, username: str, password: str, display_name: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"username": username, "password": password}
        if display_name:
            body["displayName"] = display_name
        return await self._call("login service", self.auth_url, "POST", "/v1/accounts", body)

    async def login(self, username: str, password: str) -> Login:
        body = await self._call(
            "login service", self.auth_url, "POST", "/v1/login", {"username": username, "password": password}
        )
        self.login_info = Login(
            token=body["accessToken"],
            player_id=body["playerId"],
            username=username,
            tier=body.get("tier", "free"),
            expires_in=int(body.get("expiresIn", 0)),
        )
        return self.login_info

    async def sign_up_or_login(self, username: str, password: str) -> Login:
        """Log in, creating the account first if it does not exist (bots, and the demo).

        Sign-up comes first: "taken" costs the service no password hashing, and trying to log in to
        an account that does not exist yet would be a failed login, which external_auth throttles
        per client address (many bots from one machine would soon be refused).
        """
        try:
            await self.sign_up(username, password)
        except ApiError as exc:
            if exc.code != "username_taken":
                raise
        return await self.login(username, password)

    def logout(self) -> None:
        self.login_info = None

    # -- backend ---------------------------------------------------------------------------------
    async def me(self) -> Profile:
        body = await self._call("game backend", self.backend_url, "GET", "/v1/me", auth=True)
        subscription = body.get("subscription", {})
        return Profile(
            player_id=body["playerId"],
            username=body.get("username", ""),
            display_name=body.get("displayName", ""),
            tier=subscription.get("tier", "free"),
            entitlements=list(subscription.get("entitlements", [])),
        )

    async def quick_play(self) -> Seat:
        return Seat.from_api(await self._call("game backend", self.backend_url, "POST", "/v1/quickplay", {}, auth=True))

    async def list_sessions(self, *, include_full: bool = True, limit: int = 20) -> list[SessionInfo]:
        path = f"/v1/sessions?includeFull={'true' if include_full else 'false'}&limit={limit}"
        body = await self._call("game backend", self.backend_url, "GET", path, auth=True)
        return [SessionInfo.from_api(s) for s in body.get("sessions", [])]

    async def create_session(
        self, name: str, *, max_players: int | None = None, premium_only: bool = False
    ) -> tuple[SessionInfo, Seat]:
        body: dict[str, Any] = {"name": name, "premiumOnly": premium_only}
        if max_players is not None:
            body["maxPlayers"] = max_players
        answer = await self._call("game backend", self.backend_url, "POST", "/v1/sessions", body, auth=True)
        return SessionInfo.from_api(answer["session"]), Seat.from_api(answer["seat"])

    async def join_session(self, game_session_id: str) -> Seat:
        answer = await self._call(
            "game backend", self.backend_url, "POST", "/v1/sessions/join", {"gameSessionId": game_session_id}, auth=True
        )
        return Seat.from_api(answer)
