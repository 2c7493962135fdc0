"""Login throttling: make online password guessing slow, without handing anyone a lockout button.

Two limits, both counted in failed logins and both checked before any password is looked at:

* **Per (username, client address)**: the first ``max_failures`` consecutive failures cost nothing
  (people mistype). After that, the next attempt must wait ``base_delay`` after the last failure,
  doubling with every further failure up to ``max_delay``. With the defaults (5 failures, 1 s,
  15 min) one address gets about 15 guesses at one account in the first 17 minutes, then 4 an
  hour: roughly 110 on the first day and 96 a day after, hopeless against any password that is
  not on a short list. A successful login clears the pair.
* **Per client address, across all usernames**: at most ``address_max_failures`` failures in any
  ``address_window`` seconds (default 20 in 5 minutes), then every login from that address waits
  until the oldest of them leaves the window. This is what catches credential stuffing and
  password spraying (one likely password against many names), which the first limit never sees
  because every pair is new. Players behind one NAT share the budget: 20 failures in 5 minutes
  is far more than their typos make, and successful logins never count.

Why not lock an account after N failures, as many services do? Because then anyone who knows a
player's username could lock that player out, from anywhere, for as long as they keep guessing
wrong on purpose: a denial-of-service button for every account. Here failures slow down only the
address they came from, so the player at home is not affected by a guesser elsewhere. The price
is that a guesser with many addresses (a botnet) gets many budgets; the answer to that is
outside a throttle (breached-password checks at sign-up, second factors, risk scoring).

Each attempt counts as a failure from the moment it is admitted until ``succeeded`` says
otherwise: checking a password takes tens of milliseconds off the event loop, and a burst of
concurrent guesses must not all pass the check before the first of them is recorded.

State lives in memory only: a restart forgets every failure (handing a guesser a fresh start),
and several instances behind a load balancer each count their own; a shared store would be the
next step. Memory is bounded: a pair with no failure for ``forget_after`` seconds (or an address
whose failures have all left the window) is forgotten, and each table keeps at most
``max_entries`` entries, dropping the least recently failed first, so a guesser cycling random
usernames cannot grow it without limit (and one address can add only ``address_max_failures``
pairs per window anyway).

Pure: no I/O, and time comes from the injected clock (monotonic in the service, a manual one in
the tests).
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import math
from array import array
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

DAY = 86400.0
# An attempt's username can be any string the body holds (16 KiB by default); the tables keep a
# fixed-size digest of it instead, so a long name costs what a short one does.
_DIGEST_BYTES = 16


class Limit(StrEnum):
    """Which limit refused an attempt."""

    PAIR = "username_at_address"
    ADDRESS = "address"


@dataclass(frozen=True)
class ThrottlePolicy:
    # Consecutive failures of one (username, address) before the back-off starts; 0 turns the limit off.
    max_failures: int = 5
    # The first back-off, doubled with each further failure, never above max_delay (seconds).
    base_delay: float = 1.0
    max_delay: float = 900.0
    # Failures from one address, any usernames, within address_window seconds; 0 turns the limit off.
    address_max_failures: int = 20
    address_window: float = 300.0
    # A pair with no failure for this long starts afresh (never sooner than max_delay).
    forget_after: float = DAY
    # Per table (pairs, addresses); both full hold about 45 MB.
    max_entries: int = 50_000

    def __post_init__(self) -> None:
        if self.max_failures < 0 or self.address_max_failures < 0:
            raise ValueError("login failure limits must be >= 0 (0 turns a limit off)")
        if not 0 < self.base_delay <= self.max_delay:
            raise ValueError("login back-off must have 0 < base delay <= max delay")
        if self.address_window <= 0 or self.forget_after <= 0:
            raise ValueError("login throttle windows must be > 0 seconds")
        if self.max_entries < 1:
            raise ValueError("the login throttle must keep at least one entry")

    def delay_after(self, failures: int) -> float:
        """How long after the last of ``failures`` consecutive failures the next attempt must wait."""
        if self.max_failures == 0 or failures < self.max_failures:
            return 0.0
        # The exponent is clamped so a long-running guesser cannot overflow the float.
        return min(self.max_delay, self.base_delay * 2.0 ** min(failures - self.max_failures, 64))


@dataclass(frozen=True)
class Admission:
    """The answer to "may this login attempt go ahead?"; hand it back to ``succeeded`` if it did."""

    wait: float  # 0.0: go ahead; otherwise seconds until an attempt could
    limit: Limit | None  # which limit refused it (the one with the longer wait)
    pair: tuple[bytes, str]
    at: float

    @property
    def allowed(self) -> bool:
        return self.wait <= 0.0

    @property
    def retry_after(self) -> int:
        """``wait`` in whole seconds, rounded up (``Retry-After``): waiting that long is always enough."""
        return math.ceil(self.wait)


@dataclass(slots=True)
class _Failures:
    count: int
    last: float


def address_key(address: str) -> str:
    """What counts as one client address.

    IPv6 addresses are grouped by /64, the block one subscriber usually gets: otherwise each
    guess could come from a new address of the same line. An IPv4-mapped IPv6 address is the
    IPv4 address it maps.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]  # not an IP (a Unix socket peer): one bucket for whatever it is
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def _username_key(username: str) -> bytes:
    # Usernames are unique ignoring case, so "Alice" and "ALICE" are one account to guess at.
    # surrogatepass: JSON may carry lone surrogates, which plain UTF-8 refuses to encode.
    folded = username.casefold().encode("utf-8", "surrogatepass")
    return hashlib.blake2b(folded, digest_size=_DIGEST_BYTES).digest()


class LoginThrottle:
    def __init__(self, policy: ThrottlePolicy, clock: Callable[[], float]) -> None:
        self.policy = policy
        self.clock = clock
        # Both ordered least recently failed first, which is the order they are forgotten in.
        self._pairs: OrderedDict[tuple[bytes, str], _Failures] = OrderedDict()
        # Failure times per address, oldest first: a float array is a quarter of the memory of a deque.
        self._addresses: OrderedDict[str, array[float]] = OrderedDict()

    def admit(self, username: str, address: str) -> Admission:
        """Refuse (with the wait) or admit this attempt; an admitted attempt counts as a failure."""
        now = self.clock()
        self._forget(now)
        pair = (_username_key(username), address_key(address))
        pair_wait, address_wait = self._pair_wait(pair, now), self._address_wait(pair[1], now)
        if pair_wait > 0.0 or address_wait > 0.0:
            # A refused attempt is not a failure: nothing was checked, and the wait stays honest.
            limit = Limit.PAIR if pair_wait >= address_wait else Limit.ADDRESS
            return Admission(max(pair_wait, address_wait), limit, pair, now)
        self._record_failure(pair, now)
        return Admission(0.0, None, pair, now)

    def succeeded(self, admission: Admission) -> None:
        """The admitted attempt had the right password: clear its pair and take back its failure."""
        self._pairs.pop(admission.pair, None)
        marks = self._addresses.get(admission.pair[1])
        if marks is not None:
            with contextlib.suppress(ValueError):  # already left the window, or the entry was evicted
                marks.remove(admission.at)

    @property
    def tracked(self) -> tuple[int, int]:
        """How many (pairs, addresses) are remembered."""
        return len(self._pairs), len(self._addresses)

    def _pair_wait(self, pair: tuple[bytes, str], now: float) -> float:
        failures = self._pairs.get(pair)
        if failures is None:
            return 0.0
        return max(0.0, failures.last + self.policy.delay_after(failures.count) - now)

    def _address_wait(self, address: str, now: float) -> float:
        marks = self._addresses.get(address)
        if marks is None:
            return 0.0
        expired = 0
        while expired < len(marks) and now - marks[expired] >= self.policy.address_window:
            expired += 1
        del marks[:expired]
        if len(marks) < self.policy.address_max_failures:
            return 0.0
        return marks[0] + self.policy.address_window - now

    def _record_failure(self, pair: tuple[bytes, str], now: float) -> None:
        if self.policy.max_failures:
            failures = self._pairs.get(pair)
            if failures is None:
                self._pairs[pair] = _Failures(1, now)
            else:
                failures.count += 1
                failures.last = now
                self._pairs.move_to_end(pair)
            while len(self._pairs) > self.policy.max_entries:
                self._pairs.popitem(last=False)
        if self.policy.address_max_failures:
            address = pair[1]
            marks = self._addresses.get(address)
            if marks is None:
                marks = self._addresses[address] = array("d")
            else:
                self._addresses.move_to_end(address)
            marks.append(now)
            while len(self._addresses) > self.policy.max_entries:
                self._addresses.popitem(last=False)

    def _forget(self, now: float) -> None:
        """Drop entries that can no longer refuse anything, oldest first (amortised O(1) per call)."""
        forget_after = max(self.policy.forget_after, self.policy.max_delay)
        while self._pairs:
            failures = next(iter(self._pairs.values()))
            if now - failures.last < forget_after:
                break
            self._pairs.popitem(last=False)
        while self._addresses:
            marks = next(iter(self._addresses.values()))
            if marks and now - marks[-1] < self.policy.address_window:
                break
            self._addresses.popitem(last=False)
