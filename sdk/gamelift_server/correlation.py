"""Matching replies to requests, and noticing when replies stop coming.

Replies can arrive in any order (the service handles requests concurrently), so each request waits on its own waiter
filed under its RequestId. A waiter is anything future-like (``asyncio.Future``, ``concurrent.futures.Future``): this
module only calls ``done``, ``set_result`` and ``set_exception``, so it stays free of I/O and event loops.

:class:`TimeoutCounter` is the half-open-socket detector of Go 5.4.1+: a TCP connection can die without either side
seeing a close, and then requests simply go unanswered. Two consecutive request timeouts, with no inbound frame
in between, mean "reconnect".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

from .errors import InternalServiceException, error_for_status
from .messages import Reply

log = logging.getLogger("gamelift_server")


class Waiter(Protocol):
    def done(self) -> bool: ...
    def set_result(self, result: Any, /) -> None: ...
    def set_exception(self, exception: BaseException, /) -> None: ...


@dataclass
class _Pending:
    action: str
    waiter: Waiter


class PendingRequests:
    def __init__(self) -> None:
        self._pending: dict[str, _Pending] = {}

    def __len__(self) -> int:
        return len(self._pending)

    def __contains__(self, request_id: object) -> bool:
        return request_id in self._pending

    def add(self, request_id: str, action: str, waiter: Waiter) -> None:
        if request_id in self._pending:
            raise InternalServiceException(f"request {request_id} is already waiting for a reply")
        self._pending[request_id] = _Pending(action, waiter)

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
