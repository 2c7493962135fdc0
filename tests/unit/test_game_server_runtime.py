"""The server process's pure parts: rate limits, tick health, ports, leave reasons, send queues, build layout."""

from __future__ import annotations

import argparse
import asyncio

import pytest

from server import net
from server import protocol as p
from server.__main__ import PORT_ENV, ports_to_try
from server.logs import log_paths, safe_name
from server.ratelimit import TokenBucket
from server.tick import STALL_SECONDS, TickLoop, TickStats


def test_token_bucket_allows_a_burst_then_the_rate() -> None:
    bucket = TokenBucket(rate=10, burst=5, now=0.0)
    assert [bucket.allow(0.0) for _ in range(6)] == [True] * 5 + [False]
    assert bucket.allow(0.1) and not bucket.allow(0.1)
    assert sum(bucket.allow(1.0 + i / 20) for i in range(20)) <= 5 + 10  # a second later: burst + rate at most


def test_tick_stats_health() -> None:
    stats = TickStats(budget=1 / 30)
    assert not stats.healthy(0.0)  # not running
    stats.running = True
    for i in range(100):
        stats.record(0.002, at=i / 30)
    assert stats.healthy(100 / 30)
    assert not stats.healthy(100 / 30 + STALL_SECONDS + 0.1)  # stalled: not alive
    for i in range(100, 200):
        stats.record(0.050, at=i / 30)  # half the window over budget: overloaded
    assert stats.overloaded(200 / 30) and not stats.healthy(200 / 30)
    fresh = TickStats(budget=1 / 30, running=True)
    fresh.record(0.001, at=0.0)
    fresh.record_skip(10, at=0.0)
    assert fresh.overloaded(5.0) and not fresh.overloaded(11.0)
    assert fresh.percentile(0.5) == 0.001


def test_tick_loop_ticks_at_its_rate_and_stops() -> None:
    async def run() -> int:
        count = 0

        def tick() -> None:
            nonlocal count
            count += 1

        loop = TickLoop(tick, rate=100)
        loop.start()
        await asyncio.sleep(0.25)
        assert loop.stats.healthy()
        await loop.stop()
        assert loop.done and not loop.stats.running
        return count

    assert 10 <= asyncio.run(run()) <= 40


def test_a_failing_tick_ends_the_loop_and_health() -> None:
    async def run() -> TickLoop:
        def tick() -> None:
            raise RuntimeError("bug")

        loop = TickLoop(tick, rate=100)
        loop.start()
        await asyncio.sleep(0.05)
        return loop

    loop = asyncio.run(run())
    assert loop.done and not loop.stats.healthy()


def options(**values: object) -> argparse.Namespace:
    return argparse.Namespace(**{"port": None, "port_range": None, **values})


def test_ports_in_order_of_precedence() -> None:
    assert ports_to_try(options(port=7777, port_range="1-2"), {PORT_ENV: "9"}) == [7777]
    assert ports_to_try(options(port_range="33430-33432"), {PORT_ENV: "33431"}) == [33431]
    assert ports_to_try(options(port_range="33430-33432"), {}) == [33430, 33431, 33432]
    with pytest.raises(ValueError, match="no port"):
        ports_to_try(options(), {})
    with pytest.raises(ValueError, match="FROM-TO"):
        net.parse_port_range("33430")
    with pytest.raises(ValueError, match="1 <= FROM"):
        net.parse_port_range("9-1")


def test_listen_takes_the_first_free_port() -> None:
    async def run() -> tuple[int, int]:
        async def handler(ws: object) -> None:
            return None

        first = await net.listen(handler, "127.0.0.1", [0])
        taken = first.port
        second = await net.listen(handler, "127.0.0.1", [taken, 0])
        try:
            with pytest.raises(OSError, match="no free port"):
                await net.listen(handler, "127.0.0.1", [taken])
            return taken, second.port
        finally:
            first.close()
            second.close()
            await first.wait_closed()
            await second.wait_closed()

    taken, other = asyncio.run(run())
    assert other != taken


@pytest.mark.parametrize(("code", "reason"), [
    (None, p.LeaveReason.LEFT),
    (p.CloseCode.GAME_OVER, p.LeaveReason.LEFT),
    (p.CloseCode.SLOW_CONSUMER, p.LeaveReason.SLOW),
    (p.CloseCode.RATE_LIMITED, p.LeaveReason.KICKED),
    (p.CloseCode.PROTOCOL_ERROR, p.LeaveReason.KICKED),
])
def test_leave_reasons(code: p.CloseCode | None, reason: p.LeaveReason) -> None:
    assert net._leave_reason(code) is reason


class SlowSocket:
    """A WebSocket whose peer never reads: every send waits."""

    remote_address = ("127.0.0.1", 5)

    def __init__(self) -> None:
        self.sent: list[bytes] = []
        self.closed: tuple[int, str] | None = None
        self.gate = asyncio.Event()

    async def send(self, frame: bytes) -> None:
        await self.gate.wait()
        self.sent.append(frame)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        self.closed = (code, reason)


def test_a_slow_connection_skips_snapshots_then_is_dropped_without_blocking() -> None:
    async def run() -> tuple[SlowSocket, net.Connection, list[bool]]:
        ws = SlowSocket()
        connection = net.Connection(ws)  # type: ignore[arg-type]
        results = [connection.send(b"\x84" + bytes(20), droppable=True) for _ in range(net.QUEUE_FRAMES + 5)]
        assert connection.closing is None  # skipping, not dropped yet
        for _ in range(net.SLOW_SKIP_LIMIT):
            connection.send(b"\x84" + bytes(20), droppable=True)
        assert connection.close_code is p.CloseCode.SLOW_CONSUMER
        ws.gate.set()
        await asyncio.wait_for(connection.wait_closed(), 2)
        return ws, connection, results

    ws, connection, results = asyncio.run(run())
    assert results.count(True) == net.QUEUE_FRAMES and results.count(False) == 5
    assert ws.closed is not None and ws.closed[0] == p.CloseCode.SLOW_CONSUMER
    assert not connection.send(b"late")


def test_closing_with_flush_delivers_the_goodbye_first() -> None:
    async def run() -> SlowSocket:
        ws = SlowSocket()
        ws.gate.set()
        connection = net.Connection(ws)  # type: ignore[arg-type]
        connection.send(b"goodbye")
        connection.close(p.CloseCode.GAME_OVER, flush=True)
        await asyncio.wait_for(connection.wait_closed(), 2)
        return ws

    ws = asyncio.run(run())
    assert ws.sent == [b"goodbye"] and ws.closed == (p.CloseCode.GAME_OVER, "game over")


def test_log_files_are_named_safely(tmp_path) -> None:
    assert safe_name("arn:aws:gamelift:us-west-2::gamesession/fleet-1/gsess-1") == "gsess-1"
    assert safe_name("a b/c?d") == "c_d"
    assert log_paths(tmp_path) == [str(tmp_path / "server.log"), str(tmp_path / "game-session.log")]
