"""Identifier and ARN formats, as the real service prints them.

Kept in one place so that every resource's id looks like GameLift's
(``fleet-<uuid>``, ``psess-<uuid>``, game session ids that are ARNs) and tests
can swap in a deterministic source.
"""

from __future__ import annotations

import itertools
import os
import secrets
import uuid
from dataclasses import dataclass

# UUIDs minted per os.urandom call.
_UUID_BATCH = 128
# The variant nibble of a random UUID (binary 10xx), from any hex digit.
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def _random_uuids(count: int) -> list[str]:
    """``count`` version-4 UUID strings from one read of the OS CSPRNG (122 random bits each, as uuid4)."""
    digits = os.urandom(16 * count).hex()
    out = []
    for at in range(0, 32 * count, 32):
        h = digits[at : at + 32]
        out.append(f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}")
    return out


class _UuidPool:
    """Random UUIDs minted in batches, because the emulator mints several per request.

    ``uuid.uuid4()`` costs a system call and a UUID object per id; a batch read
    of ``os.urandom`` gives the same randomness for a fraction of that. Taking
    one is a ``list.pop``, atomic under the GIL, so threads never share an id;
    a forked child starts with an empty pool so it never repeats its parent's.
    """

    def __init__(self) -> None:
        self._ready: list[str] = []

    def take(self) -> str:
        try:
            return self._ready.pop()
        except IndexError:
            fresh = _random_uuids(_UUID_BATCH)
            self._ready = fresh
            return fresh.pop()

    def forget(self) -> None:
        self._ready = []


_POOL = _UuidPool()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_POOL.forget)


class RandomIds:
    """UUID4-based ids, the production default."""

    def uuid(self) -> str:
        return _POOL.take()

    def hex(self, length: int) -> str:
        return secrets.token_hex((length + 1) // 2)[:length]


class SequentialIds:
    """Predictable ids for tests that compare whole outputs."""

    def __init__(self) -> None:
        self._n = itertools.count(1)

    def uuid(self) -> str:
        return str(uuid.UUID(int=next(self._n)))

    def hex(self, length: int) -> str:
        return format(next(self._n), f"0{length}x")[-length:]


@dataclass(frozen=True)
class Arns:
    """Builds ARNs for the emulator's one region and account."""

    region: str
    account_id: str

    def resource(self, kind: str, resource_id: str) -> str:
        return f"arn:aws:gamelift:{self.region}:{self.account_id}:{kind}/{resource_id}"

    def game_session(self, fleet_id: str, session_key: str, location: str | None = None) -> str:
        # Game session ARNs carry no account, as the real ones do; sessions in a
        # remote location carry that location between fleet id and key.
        if location and location != self.region:
            return f"arn:aws:gamelift:{self.region}::gamesession/{fleet_id}/{location}/{session_key}"
        return f"arn:aws:gamelift:{self.region}::gamesession/{fleet_id}/{session_key}"


class IdFactory:
    """Every id the emulator mints, in the real formats."""

    def __init__(self, arns: Arns, source: RandomIds | SequentialIds | None = None) -> None:
        self.arns = arns
        self.source = source or RandomIds()
        # Request ids are UUID-shaped like AWS's, but minted from a random per-process prefix and a
        # counter: unique, greppable in logs, and a tenth of uuid4's cost on every request.
        prefix = secrets.token_hex(10)
        self._request_prefix = f"{prefix[:8]}-{prefix[8:12]}-4{prefix[12:15]}-a{prefix[15:18]}-"
        self._requests = itertools.count(1)

    def prefixed(self, prefix: str) -> str:
        return f"{prefix}-{self.source.uuid()}"

    def instance_id(self) -> str:
        return f"i-{self.source.hex(17)}"

    def request_id(self) -> str:
        return f"{self._request_prefix}{next(self._requests):012x}"
