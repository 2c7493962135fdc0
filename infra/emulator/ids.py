"""Identifier and ARN formats, as the real service prints them.

Kept in one place so that every resource's id looks like GameLift's
(``fleet-<uuid>``, ``psess-<uuid>``, game session ids that are ARNs) and tests
can swap in a deterministic source.
"""

from __future__ import annotations

import itertools
import secrets
import uuid
from dataclasses import dataclass


class RandomIds:
    """UUID4-based ids, the production default."""

    def uuid(self) -> str:
        return str(uuid.uuid4())

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
