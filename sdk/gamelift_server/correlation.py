"""Matching replies to requests, and noticing when replies stop coming.

Replies can arrive in any order (the service handles requests concurrently), so each request waits on its own waiter
filed under its RequestId, with the deadline after which it stops waiting. A waiter is anything future-like
(``asyncio.Future``, ``concurrent.futures.Future``): this module only calls ``done``, ``set_result`` and
``set_exception``, so it stays free of I/O and event loops; the caller runs the clock (``overdue``, ``next_deadline``).

:class:`TimeoutCounter` is the half-open-socket detector of Go 5.4.1+: a TCP connection can die without either side
seeing a close, and then requests simply go unanswered. Two consecutive request timeouts, with no inbound frame
in between, mean "reconnect".
"""

from __future__ import annotations

import itertools
import logging
import math
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

from .errors import InternalServiceException, error_for_status
from .messages import Reply

log = logging.getLogger("gamelift_server")


class Waiter(Protocol):
    def done(self) -> bool: ...
    def set_result(self, result: Any, /) -> None: ...
    def set_exception(self, exception: BaseException, /) -> None: ...


@dataclass(slots=True)
class _Pending:
    action: str
    waiter: Waiter
    deadline: float


class RequestIds:
    """RequestIds that are UUIDs (as Go's, version 4 in form) and unique for the SDK instance's life.

    The first 80 bits of one random UUID, drawn once, then a 48-bit counter from a random start: formatting a counter
    costs a tenth of drawing a fresh UUID, and each request id still differs from every other this instance sends
    (correlation needs no more; a RequestId is echoed, never interpreted).
    """

    def __init__(self) -> None:
        random = uuid.uuid4()
        text = str(random)
        self._prefix = text[:24]  # 8-4-4-4- of a v4 UUID: version and variant bits stay as drawn
        self._counter = itertools.count(random.int & 0xFFFFFFFFFFFF)

    def next(self) -> str:
        return f"{self._prefix}{next(self._counter) & 0xFFFFFFFFFFFF:012x}"


class PendingRequests:
    def __init__(self) -> None:
        self._pending: dict[str, _Pending] = {}

    def __len__(self) -> int:
        return len(self._pending)

    def __contains__(self, request_id: object) -> bool:
        return request_id in self._pending

    def add(self, request_id: str, action: str, waiter: Waiter, deadline: float = math.inf) -> None:
        """File ``waiter`` under ``request_id``; ``deadline`` (any clock, the caller's) is when it stops waiting."""
        if request_id in self._pending:
            raise InternalServiceException(f"request {request_id} is already waiting for a reply")
        self._pending[request_id] = _Pending(action, waiter, deadline)

    def overdue(self, now: float) -> list[Waiter]:
        """The waiters whose deadline has passed and that are still waiting (they stay filed until discarded)."""
        return [p.waiter for p in self._pending.values() if p.deadline <= now and not p.waiter.done()]

    def next_deadline(self) -> float | None:
        """The earliest deadline of a waiter still waiting, if any."""
        waiting = [p.deadline for p in self._pending.values() if not p.waiter.done()]
        return min(waiting) if waiting else None

    def resolve(self, reply: Reply) -> bool:
        """Hand ``reply`` to its waiter: the Reply on success, the mapped GameLiftError otherwise.

        Returns False when nobody waits for it (late reply after a timeout, or a RequestId we never sent).
        """
        pending = self._pending.pop(reply.request_id, None)
        if pending is None:
            return False
        if reply.action and reply.action != pending.action:
            # Go ignores the Action of a reply and so does this SDK; the C++ SDK would misparse it, so say so.
            log.warning("event=reply_action_mismatch request_id=%s sent=%s got=%s", reply.request_id,
                        pending.action, reply.action)
        if pending.waiter.done():
            return True
        if reply.ok:
            pending.waiter.set_result(reply)
        else:
            pending.waiter.set_exception(error_for_status(reply.status_code, reply.error_message))
        return True

    def discard(self, request_id: str) -> None:
        self._pending.pop(request_id, None)

    def fail_all(self, error: BaseException) -> None:
        pending, self._pending = self._pending, {}
        for entry in pending.values():
            if not entry.waiter.done():
                entry.waiter.set_exception(error)


class TimeoutCounter:
    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self.consecutive = 0

    def inbound(self) -> None:
        """Any frame proves the socket alive."""
        self.consecutive = 0

    def timed_out(self) -> bool:
        """Count one timeout; True (and start counting afresh) when the threshold is reached."""
        self.consecutive += 1
        if self.threshold > 0 and self.consecutive >= self.threshold:
            self.consecutive = 0
            return True
        return False
