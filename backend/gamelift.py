"""The backend's only door to GameLift: boto3, run off the event loop, errors turned into ours.

Real GameLift and gamelift-local differ only in ``endpoint_url``: with one set (the emulator) the
client falls back to dummy credentials when the default chain has none; without one, boto3's
default endpoint and credential chain apply, as for any AWS service. boto3 blocks, so every call
runs in a dedicated thread pool sized like the client's connection pool; the event loop never
waits on a socket it does not own.

Only what the rest of the backend needs crosses this module's boundary: small dataclasses and the
:class:`GameLiftError` family, never boto3's dicts or botocore's exceptions.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import boto3
import botocore.exceptions
from botocore.config import Config

log = logging.getLogger("backend.gamelift")

ALIAS_CACHE_SECONDS = 60.0


class GameLiftError(Exception):
    code = "GameLiftError"


class GameSessionFull(GameLiftError):
    code = "GameSessionFullException"


class GameSessionNotActive(GameLiftError):
    code = "InvalidGameSessionStatusException"


class NotFound(GameLiftError):
    code = "NotFoundException"


class FleetCapacityExceeded(GameLiftError):
    code = "FleetCapacityExceededException"


class LimitExceeded(GameLiftError):
    code = "LimitExceededException"


class InvalidRequest(GameLiftError):
    code = "InvalidRequestException"


class Unavailable(GameLiftError):
    """GameLift could not be reached, throttled us past the retries, or failed on its side."""

    code = "Unavailable"


_BY_CODE: dict[str, type[GameLiftError]] = {
    cls.code: cls
    for cls in (GameSessionFull, GameSessionNotActive, NotFound, FleetCapacityExceeded, LimitExceeded, InvalidRequest)
}
# Other codes worth naming: the player cannot fix any of these.
_UNAVAILABLE = {
    "InternalServiceException",
    "ThrottlingException",
    "UnauthorizedException",
    "TerminalRoutingStrategyException",
}


@dataclass(frozen=True)
class GameSessionInfo:
    game_session_id: str
    fleet_id: str
    status: str
    current_players: int
    max_players: int
    name: str | None = None
    properties: dict[str, str] = field(default_factory=dict)
    ip_address: str | None = None
    dns_name: str | None = None
    port: int | None = None
    creation_time: float | None = None
    creator_id: str | None = None

    @classmethod
    def from_api(cls, gs: dict[str, Any]) -> GameSessionInfo:
        created = gs.get("CreationTime")
        return cls(
            game_session_id=gs["GameSessionId"],
            fleet_id=gs.get("FleetId", ""),
            status=gs.get("Status", ""),
            current_players=int(gs.get("CurrentPlayerSessionCount") or 0),
            max_players=int(gs.get("MaximumPlayerSessionCount") or 0),
            name=gs.get("Name"),
            properties={p["Key"]: p["Value"] for p in gs.get("GameProperties") or []},
            ip_address=gs.get("IpAddress"),
            dns_name=gs.get("DnsName"),
            port=gs.get("Port"),
            creation_time=created.timestamp() if isinstance(created, datetime) else created,
            creator_id=gs.get("CreatorId"),
        )

    @property
    def has_room(self) -> bool:
        return self.status == "ACTIVE" and self.current_players < self.max_players


@dataclass(frozen=True)
class PlayerSessionInfo:
    player_session_id: str
    player_id: str
    game_session_id: str
    status: str
    ip_address: str | None
    dns_name: str | None
    port: int | None

    @classmethod
    def from_api(cls, ps: dict[str, Any]) -> PlayerSessionInfo:
        return cls(
            player_session_id=ps["PlayerSessionId"],
            player_id=ps["PlayerId"],
            game_session_id=ps["GameSessionId"],
            status=ps.get("Status", ""),
            ip_address=ps.get("IpAddress"),
            dns_name=ps.get("DnsName"),
            port=ps.get("Port"),
        )


@dataclass(frozen=True)
class Target:
    """Where sessions live: an alias (preferred) or a fleet, and for Anywhere fleets a location."""

    alias_id: str | None = None
    fleet_id: str | None = None
    location: str | None = None

    def __post_init__(self) -> None:
        if not (self.alias_id or self.fleet_id):
            raise ValueError("configure an alias id or a fleet id")

    def params(self) -> dict[str, str]:
        where = {"AliasId": self.alias_id} if self.alias_id else {"FleetId": str(self.fleet_id)}
        if self.location:
            where["Location"] = self.location
        return where


def make_client(endpoint_url: str | None, region: str, pool: int) -> Any:
    config = Config(
        retries={"mode": "standard", "max_attempts": 3},
        connect_timeout=3,
        read_timeout=15,
        max_pool_connections=pool,
    )
    session = boto3.session.Session(region_name=region)
    credentials: dict[str, str] = {}
    if endpoint_url and session.get_credentials() is None:
        # gamelift-local accepts any signature; real GameLift never gets here (no endpoint_url).
        credentials = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}
    return session.client("gamelift", endpoint_url=endpoint_url, config=config, **credentials)


class GameLift:
    def __init__(self, client: Any, target: Target, workers: int = 16) -> None:
        self.client = client
        self.target = target
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gamelift")
        self._alias_fleet: tuple[str, float] | None = None
        self.calls = 0

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        method = getattr(self.client, operation)
        loop = asyncio.get_running_loop()
        self.calls += 1
        started = time.perf_counter()
        try:
            return await loop.run_in_executor(self._executor, functools.partial(method, **params))
        except botocore.exceptions.ClientError as exc:
            error = exc.response.get("Error", {})
            code, message = str(error.get("Code", "")), str(error.get("Message", ""))
            log.info("event=gamelift_error op=%s code=%s", operation, code)
            cls = _BY_CODE.get(code)
            if cls is not None:
                raise cls(message) from None
            if code in _UNAVAILABLE or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500:
                raise Unavailable(f"{code}: {message}") from None
            raise GameLiftError(f"{code}: {message}") from None
        except (botocore.exceptions.BotoCoreError, OSError) as exc:
            log.warning("event=gamelift_unreachable op=%s error=%s", operation, type(exc).__name__)
            raise Unavailable(type(exc).__name__) from None
        finally:
            if log.isEnabledFor(logging.DEBUG):
                log.debug("event=gamelift_call op=%s ms=%.2f", operation, (time.perf_counter() - started) * 1000)

    # -- sessions ------------------------------------------------------------------------------
    async def search_game_sessions(
        self,
        filter_expression: str | None = None,
        sort_expression: str | None = None,
        limit: int = 10,
        next_token: str | None = None,
    ) -> tuple[list[GameSessionInfo], str | None]:
        params: dict[str, Any] = {**self.target.params(), "Limit": limit}
        if filter_expression:
            params["FilterExpression"] = filter_expression
        if sort_expression:
            params["SortExpression"] = sort_expression
        if next_token:
            params["NextToken"] = next_token
        out = await self._call("search_game_sessions", **params)
        return [GameSessionInfo.from_api(gs) for gs in out.get("GameSessions", [])], out.get("NextToken")

    async def create_game_session(
        self,
        *,
        name: str,
        max_players: int,
        properties: dict[str, str],
        creator_id: str | None,
        idempotency_token: str,
    ) -> GameSessionInfo:
        params: dict[str, Any] = {
            **self.target.params(),
            "Name": name,
            "MaximumPlayerSessionCount": max_players,
            "GameProperties": [{"Key": k, "Value": v} for k, v in properties.items()],
            # boto3 retries a timed-out call; the token makes the retry return the same session.
            "IdempotencyToken": idempotency_token,
        }
        if creator_id:
            params["CreatorId"] = creator_id
        out = await self._call("create_game_session", **params)
        return GameSessionInfo.from_api(out["GameSession"])

    async def describe_game_session(self, game_session_id: str) -> GameSessionInfo | None:
        try:
            out = await self._call("describe_game_sessions", GameSessionId=game_session_id)
        except NotFound:
            return None
        sessions = out.get("GameSessions") or []
        return GameSessionInfo.from_api(sessions[0]) if sessions else None

    async def create_player_session(self, game_session_id: str, player_id: str, player_data: str) -> PlayerSessionInfo:
        out = await self._call(
            "create_player_session", GameSessionId=game_session_id, PlayerId=player_id, PlayerData=player_data
        )
        return PlayerSessionInfo.from_api(out["PlayerSession"])

    # -- where sessions live ---------------------------------------------------------------------
    async def target_fleet_id(self) -> str:
        """The fleet the alias points at now (cached briefly), to check a session is ours before joining it."""
        if self.target.fleet_id and not self.target.alias_id:
            return self.target.fleet_id
        now = time.monotonic()
        if self._alias_fleet is not None and self._alias_fleet[1] > now:
            return self._alias_fleet[0]
        out = await self._call("resolve_alias", AliasId=str(self.target.alias_id))
        fleet_id = str(out["FleetId"])
        self._alias_fleet = (fleet_id, now + ALIAS_CACHE_SECONDS)
        return fleet_id
