"""The JWKS cache: external_auth's public keys by ``kid``, refreshed when old or when a new kid shows up.

The I/O is a ``fetch`` coroutine passed in, and the clock a function, so every rule here is tested
without a network:

- a document older than ``max_age`` is refetched on the next lookup (one fetch at a time, shared
  by every waiting request); if that fails the old keys stay in use and the next try waits
  ``retry_after_failure``;
- an unknown ``kid`` triggers a refetch at once, because a rotation publishes the new key before
  tokens signed with it appear; those refetches come from a token bucket (``refresh_burst``, then
  one per ``refresh_interval``), so a stream of tokens with invented kids cannot turn the backend
  into a flood against external_auth;
- only RSA signing keys for RS256 of at least 2048 bits are taken from the document; anything else
  in it is ignored, so a key meant for another algorithm can never verify a player token.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from jwt import PyJWK
from jwt.exceptions import PyJWKError

from backend.ratelimit import TokenBuckets

log = logging.getLogger("backend.jwks")

ALGORITHM = "RS256"
MIN_RSA_BITS = 2048


class JwksUnavailable(Exception):
    """No key set has ever been fetched, and fetching one failed."""


def parse_jwks(document: Any) -> dict[str, PyJWK]:
    """The usable RS256 keys of a JWKS document, by kid."""
    keys: dict[str, PyJWK] = {}
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise ValueError("a JWKS document is an object with a 'keys' list")
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        kid = entry.get("kid")
        if not isinstance(kid, str) or not kid or entry.get("kty") != "RSA":
            continue
        if entry.get("alg", ALGORITHM) != ALGORITHM or entry.get("use", "sig") != "sig":
            continue
        try:
            jwk = PyJWK(entry, algorithm=ALGORITHM)
        except (PyJWKError, ValueError, TypeError):
            log.warning("event=jwks_key_skipped kid=%s", kid)
            continue
        if getattr(jwk.key, "key_size", 0) < MIN_RSA_BITS:
            log.warning("event=jwks_key_too_small kid=%s", kid)
            continue
        keys[kid] = jwk
    return keys


class JwksCache:
    def __init__(
        self,
        fetch: Callable[[], Awaitable[dict[str, Any]]],
        clock: Callable[[], float],
        *,
        max_age: float = 300.0,
        refresh_burst: int = 3,
        refresh_interval: float = 10.0,
        retry_after_failure: float = 5.0,
        on_fetched: Callable[[dict[str, Any], float], None] | None = None,
    ) -> None:
        self._fetch = fetch
        self._clock = clock
        self.max_age = max_age
        self.retry_after_failure = retry_after_failure
        self._on_fetched = on_fetched
        self._unknown_kid_refreshes = TokenBuckets(rate=1.0 / refresh_interval, burst=refresh_burst)
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at: float | None = None
        self._next_try = 0.0
        self._inflight: asyncio.Task[bool] | None = None
        self.fetches = 0

    def load(self, document: dict[str, Any], fetched_at: float) -> None:
        """Start from a document fetched earlier (kept in the store across restarts)."""
        self._keys = parse_jwks(document)
        self._fetched_at = fetched_at

    @property
    def kids(self) -> list[str]:
        return list(self._keys)

    async def key(self, kid: str) -> PyJWK | None:
        """The key for ``kid``, or None when external_auth does not publish it."""
        now = self._clock()
        if self._fetched_at is None or now - self._fetched_at >= self.max_age:
            if now >= self._next_try:
                await self._refresh()
            if self._fetched_at is None:
                raise JwksUnavailable("the signing keys could not be fetched")
        found = self._keys.get(kid)
        if found is not None:
            return found
        if self._unknown_kid_refreshes.take("jwks", self._clock()).allowed:
            log.info("event=jwks_unknown_kid kid=%s", kid[:64])
            await self._refresh()
            return self._keys.get(kid)
        return None

    async def _refresh(self) -> bool:
        """One fetch at a time: concurrent callers wait for the same one."""
        if self._inflight is None:
            self._inflight = asyncio.ensure_future(self._do_refresh())
        task = self._inflight
        try:
            return await asyncio.shield(task)
        finally:
            if task.done() and self._inflight is task:
                self._inflight = None

    async def _do_refresh(self) -> bool:
        self.fetches += 1
        try:
            document = await self._fetch()
            keys = parse_jwks(document)
        except Exception as exc:  # any failure leaves the old keys in place
            self._next_try = self._clock() + self.retry_after_failure
            log.warning("event=jwks_fetch_failed error=%s", type(exc).__name__)
            return False
        now = self._clock()
        self._keys, self._fetched_at = keys, now
        log.info("event=jwks_fetched kids=%s", ",".join(keys))
        if self._on_fetched is not None:
            self._on_fetched(document, now)
        return True
