"""The JWKS cache's rules, with a counting fetch function and a hand-moved clock."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from backend.jwks import JwksCache, JwksUnavailable, parse_jwks
from external_auth.keys import new_key

KEY_A = new_key(2048, 0.0)
KEY_B = new_key(2048, 0.0)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Source:
    """What external_auth would serve; counts fetches, can fail, can be slow."""

    def __init__(self, *keys: Any) -> None:
        self.document: dict[str, Any] = {"keys": [k.public_jwk() for k in keys]}
        self.fetches = 0
        self.fail = False
        self.delay = 0.0

    async def __call__(self) -> dict[str, Any]:
        self.fetches += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail:
            raise ConnectionError("down")
        return self.document


def cache(source: Source, clock: Clock, **kw: Any) -> JwksCache:
    return JwksCache(source, clock, **{"max_age": 300, "refresh_burst": 2, "refresh_interval": 10, **kw})


def test_the_first_lookup_fetches_and_later_ones_use_the_cache() -> None:
    source, clock = Source(KEY_A), Clock()
    jwks = cache(source, clock)

    async def run() -> None:
        assert (await jwks.key(KEY_A.kid)) is not None
        assert (await jwks.key(KEY_A.kid)) is not None

    asyncio.run(run())
    assert source.fetches == 1


def test_an_unknown_kid_refetches_at_once_and_finds_a_rotated_key() -> None:
    source, clock = Source(KEY_A), Clock()
    jwks = cache(source, clock)

    async def run() -> None:
        await jwks.key(KEY_A.kid)
        source.document = {"keys": [KEY_B.public_jwk(), KEY_A.public_jwk()]}  # rotation
        assert (await jwks.key(KEY_B.kid)) is not None
        assert (await jwks.key(KEY_A.kid)) is not None  # the old key still verifies during the rollover

    asyncio.run(run())
    assert source.fetches == 2


def test_unknown_kid_refetches_are_rate_limited() -> None:
    source, clock = Source(KEY_A), Clock()
    jwks = cache(source, clock, refresh_burst=2, refresh_interval=10)

    async def run() -> None:
        await jwks.key(KEY_A.kid)
        for n in range(50):
            assert (await jwks.key(f"invented-{n}")) is None
        assert source.fetches == 1 + 2  # the first fetch, then the burst
        clock.now += 10
        assert (await jwks.key("invented-again")) is None
        assert source.fetches == 4  # one more token after the interval

    asyncio.run(run())


def test_an_old_document_is_refetched_and_a_failed_refetch_keeps_the_old_keys() -> None:
    source, clock = Source(KEY_A), Clock()
    jwks = cache(source, clock, max_age=300, retry_after_failure=5)

    async def run() -> None:
        await jwks.key(KEY_A.kid)
        clock.now += 301
        source.fail = True
        assert (await jwks.key(KEY_A.kid)) is not None
        assert source.fetches == 2
        assert (await jwks.key(KEY_A.kid)) is not None
        assert source.fetches == 2  # waits retry_after_failure before trying again
        clock.now += 5
        source.fail = False
        await jwks.key(KEY_A.kid)
        assert source.fetches == 3

    asyncio.run(run())


def test_with_no_keys_ever_fetched_a_failure_is_unavailable_not_unknown() -> None:
    source, clock = Source(KEY_A), Clock()
    source.fail = True
    jwks = cache(source, clock)
    with pytest.raises(JwksUnavailable):
        asyncio.run(jwks.key(KEY_A.kid))


def test_concurrent_lookups_share_one_fetch() -> None:
    source, clock = Source(KEY_A), Clock()
    source.delay = 0.05
    jwks = cache(source, clock)

    async def run() -> list[Any]:
        return await asyncio.gather(*(jwks.key(KEY_A.kid) for _ in range(20)))

    assert all(k is not None for k in asyncio.run(run()))
    assert source.fetches == 1


def test_a_stored_document_is_used_without_fetching() -> None:
    source, clock = Source(), Clock()
    jwks = cache(source, clock)
    jwks.load({"keys": [KEY_A.public_jwk()]}, fetched_at=clock.now - 10)
    assert asyncio.run(jwks.key(KEY_A.kid)) is not None
    assert source.fetches == 0


def test_only_rs256_signing_keys_of_2048_bits_or_more_are_taken() -> None:
    small = new_key(1024, 0.0).public_jwk()
    wrong_alg = {**KEY_A.public_jwk(), "alg": "HS256", "kid": "hs"}
    wrong_use = {**KEY_A.public_jwk(), "use": "enc", "kid": "enc"}
    symmetric = {"kty": "oct", "kid": "oct", "k": "c2VjcmV0"}
    no_kid = {k: v for k, v in KEY_B.public_jwk().items() if k != "kid"}
    keys = parse_jwks({"keys": [small, wrong_alg, wrong_use, symmetric, no_kid, "junk", KEY_A.public_jwk()]})
    assert list(keys) == [KEY_A.kid]
    with pytest.raises(ValueError):
        parse_jwks({"no": "keys"})
