"""Request ids and request deadlines: cheap to make, unique, and every request times out at its own deadline even
though all of them share one timer."""

from __future__ import annotations

import asyncio
import re
import time

import pytest

import sdk.gamelift_server as gl
from sdk.gamelift_server.correlation import PendingRequests, RequestIds

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def test_request_ids_are_unique_version_4_uuids() -> None:
    ids = RequestIds()
    drawn = [ids.next() for _ in range(10_000)]
    assert all(UUID4.match(i) for i in drawn)
    assert len(set(drawn)) == len(drawn)
    assert RequestIds().next()[:24] != ids.next()[:24]  # another SDK instance, another prefix


def test_overdue_and_next_deadline_skip_waiters_that_are_done() -> None:
    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        pending = PendingRequests()
        early, late, answered = loop.create_future(), loop.create_future(), loop.create_future()
        pending.add("a", "X", early, 10.0)
        pending.add("b", "X", late, 30.0)
        pending.add("c", "X", answered, 5.0)
        answered.set_result(None)
        assert pending.overdue(20.0) == [early]
        assert pending.next_deadline() == 10.0
        pending.discard("a")
        assert pending.next_deadline() == 30.0 and pending.overdue(20.0) == []

    asyncio.run(scenario())


class SilentTransport:
    """Takes every frame and never answers: each request can only time out."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def send_now(self, frame: bytes) -> bool:
        self.sent.append(frame)
        return True

    def reconnect_soon(self, reason: str) -> None:
        pass

    async def close(self) -> None:
        pass


def test_a_shorter_deadline_after_a_longer_one_still_fires_on_time() -> None:
    async def scenario() -> None:
        timings = gl.Timings(request_timeout=3.0, activate_timeout=0.1, timeout_reconnect_threshold=0)
        sdk = gl.GameLiftServerSdk(environ={}, timings=timings)
        sdk.state.initialize("p", "h", "fleet-1")
        sdk.state.mark_ready()
        transport = SilentTransport()
        sdk._transport = transport  # type: ignore[assignment]
        slow = asyncio.create_task(sdk.get_compute_certificate())  # waits up to 3 s
        await asyncio.sleep(0)
        started = time.monotonic()
        with pytest.raises(gl.ProcessNotReady) as caught:
            await sdk.process_ready(gl.ProcessParameters(port=7777))  # ActivateServerProcess: 0.1 s
        assert time.monotonic() - started < 1.0
        assert isinstance(caught.value.__cause__, gl.ServiceCallFailed)
        assert not slow.done() and len(transport.sent) == 2
        slow.cancel()
        await sdk.destroy()

    asyncio.run(scenario())
