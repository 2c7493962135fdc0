"""The player's subscription, from external_auth's service endpoint, cached briefly.

The call is signed with the backend's own service key (``external_auth.service_auth``, an HMAC
over the request), never with the player's token: a player token can only prove who the player
is, and must not open the service API. Answers are cached for ``cache_seconds`` so quick play does
not pay a round trip per request. When external_auth cannot be reached the verified token's
``tier`` claim stands in (with no entitlements) and the profile says so (``source: "token"``):
the token is signed by the same authority and lives only minutes.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import aiohttp

from backend.errors import Unauthorized
from backend.player_data import PlayerProfile
from backend.tokens import Player
from external_auth.service_auth import sign

log = logging.getLogger("backend.subscriptions")


class SubscriptionClient:
    def __init__(
        self,
        http: Callable[[], aiohttp.ClientSession],
        base_url: str,
        key_id: str,
        secret: str,
        *,
        cache_seconds: float = 30.0,
        max_entries: int = 50_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._http = http
        self.base_url = base_url.rstrip("/")
        self.key_id = key_id
        self.secret = secret
        self.cache_seconds = cache_seconds
        self.max_entries = max_entries
        self.clock = clock
        self._cache: OrderedDict[str, tuple[float, PlayerProfile]] = OrderedDict()
        self.lookups = 0

    async def profile(self, player: Player, request_id: str | None = None) -> PlayerProfile:
        now = self.clock()
        cached = self._cache.get(player.player_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            profile = _profile(await self._fetch(player.player_id, request_id), player)
        except Unauthorized:
            raise
        except Exception as exc:  # unreachable, timed out, refused, or a malformed answer
            log.warning(
                "event=subscription_fallback player_id=%s error=%s", player.player_id, type(exc).__name__,
                extra={"request_id": request_id},
            )
            return PlayerProfile(player.player_id, player.username, player.username, player.tier, [], None, "token")
        self._cache[player.player_id] = (now + self.cache_seconds, profile)
        self._cache.move_to_end(player.player_id)
        while len(self._cache) > self.max_entries:
            self._cache.popitem(last=False)
        return profile

    def forget(self, player_id: str) -> None:
        self._cache.pop(player_id, None)

    async def _fetch(self, player_id: str, request_id: str | None) -> dict[str, Any]:
        if not self.secret:
            raise RuntimeError("no service secret configured")
        path = f"/v1/service/players/{player_id}/subscription"
        headers = sign(self.key_id, self.secret, "GET", path, b"", self.clock())
        if request_id:
            headers["X-Request-Id"] = request_id
        self.lookups += 1
        timeout = aiohttp.ClientTimeout(total=3)
        async with self._http().get(self.base_url + path, headers=headers, timeout=timeout) as response:
            if response.status == 404:
                # A valid token for an account external_auth no longer knows.
                raise Unauthorized("unknown player")
            response.raise_for_status()
            document = await response.json()
        if not isinstance(document, dict) or document.get("playerId") != player_id:
            raise ValueError("subscription answer does not match the player")
        return document


def _profile(document: dict[str, Any], player: Player) -> PlayerProfile:
    tier = document.get("tier")
    if tier not in ("free", "premium"):
        raise ValueError(f"unknown tier {tier!r}")
    items = [str(i) for i in document.get("entitlements") or [] if isinstance(i, str)]
    until = document.get("premiumUntil")
    return PlayerProfile(
        player_id=player.player_id,
        username=str(document.get("username") or player.username),
        display_name=str(document.get("displayName") or document.get("username") or player.username),
        tier=tier,
        entitlements=items,
        premium_until=float(until) if isinstance(until, int | float) else None,
        source="service",
    )
