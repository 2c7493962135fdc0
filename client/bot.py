"""A headless player: the same API client, connection and match code as the window, with a pilot instead of hands.

``Bot`` is a plain asyncio object, so tests, ``python -m client --bots N`` and Locust users all
drive it the same way::

    async with Bot("bot-1", "bot-password", config) as bot:
        await bot.login()
        seat = await bot.quick_play()
        await bot.join(seat)
        await bot.play(rounds=1, seconds=60)
    print(bot.report().summary())

Every step can also be run on its own (e.g. a test joins with a forged seat, or plays until it
sees another ship move). Inputs go out at the server's tick rate from a drift-free schedule.
"""

from __future__ import annotations

import asyncio
import logging
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

from client.api import GameApi, Login, Seat
from client.app_state import ConnectionClosed, RoundEnded
from client.config import ClientConfig
from client.errors import ApiError, ClientError
from client.match import Match
from client.net import GameConnection
from client.steering import Pilot

log = logging.getLogger("client.bot")

# Quick play answers these when it is worth waiting and asking again.
RETRYABLE = {"no_capacity", "rate_limited", "upstream_unavailable", "upstream_timeout"}


@dataclass
class BotReport:
    name: str
    ok: bool = False
    error: str | None = None
    game_session_id: str | None = None
    placement: str | None = None
    tier: str | None = None
    ship_id: int | None = None
    rounds_finished: int = 0
    score: int = 0
    tags: int = 0
    deaths: int = 0
    others_seen: list[str] = field(default_factory=list)
    others_moved: dict[str, float] = field(default_factory=dict)
    snapshots: int = 0
    inputs: int = 0
    corrections: int = 0
    max_correction: float = 0.0
    ping_ms: int | None = None
    closed: str | None = None
    seconds: float = 0.0
    winner: str | None = None

    def summary(self) -> str:
        if not self.ok and self.error:
            return f"{self.name}: FAILED: {self.error}"
        session = (self.game_session_id or "?").rsplit("/", 1)[-1]
        moved = ", ".join(f"{n} {d:.0f}u" for n, d in sorted(self.others_moved.items())) or "nobody"
        parts = [
            f"{self.name}: session {session} ({self.placement}, {self.tier})",
            f"ship {self.ship_id}",
            f"{self.rounds_finished} round(s)",
            f"score {self.score} (tags {self.tags}, tagged {self.deaths})",
            f"saw {moved} move",
            f"{self.snapshots} snapshots, {self.inputs} inputs, {self.corrections} corrections"
            f" (max {self.max_correction:.1f}u)",
            f"ping {self.ping_ms if self.ping_ms is not None else '--'} ms",
        ]
        if self.winner:
            parts.append(f"winner {self.winner}")
        if self.closed:
            parts.append(f"closed: {self.closed}")
        return "; ".join(parts)


class Bot:
    def __init__(
        self,
        name: str,
        password: str,
        config: ClientConfig | None = None,
        *,
        api: GameApi | None = None,
        seed: int | None = None,
        pilot: Pilot | None = None,
    ) -> None:
        self.name = name
        self.password = password
        self.config = config or ClientConfig()
        self.api = api or GameApi(self.config.backend_url, self.config.auth_url, self.config.http_timeout)
        self.pilot = pilot or Pilot(seed=zlib.crc32(name.encode()) if seed is None else seed)
        self.login_info: Login | None = None
        self.seat: Seat | None = None
        self.connection: GameConnection | None = None
        self.match: Match | None = None
        self.rounds_finished = 0
        self.error: str | None = None
        self.started = time.monotonic()

    async def __aenter__(self) -> Bot:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.leave()
        await self.api.close()

    # -- the flow ------------------------------------------------------------------------------
    async def login(self) -> Login:
        """Log in, signing the account up first if it does not exist yet."""
        self.login_info = await self.api.sign_up_or_login(self.name, self.password)
        return self.login_info

    async def quick_play(self, attempts: int = 5) -> Seat:
        """A seat from the backend; waits and retries while servers are busy or the rate limit is spent."""
        for attempt in range(1, attempts + 1):
            try:
                self.seat = await self.api.quick_play()
                return self.seat
            except ApiError as exc:
                if exc.code not in RETRYABLE or attempt == attempts:
                    raise
                delay = min(10.0, exc.retry_after or attempt)
                log.info("event=quickplay_retry bot=%s code=%s delay=%.1f", self.name, exc.code, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def join(self, seat: Seat) -> Match:
        """Connect to the game server with the seat's player session id; the match once WELCOME arrives."""
        if seat.port is None:
            raise ClientError("The backend gave a seat without a port.")
        self.seat = seat
        self.connection = GameConnection(seat.url, seat.player_session_id, connect_timeout=self.config.connect_timeout)
        welcome = await self.connection.open()
        self.match = Match(welcome, interpolation_delay=self.config.interpolation_delay)
        self.connection.start()
        return self.match

    async def play(
        self,
        *,
        rounds: int | None = 1,
        seconds: float | None = None,
        until: Callable[[Match], bool] | None = None,
    ) -> None:
        """Fly until ``rounds`` rounds have ended, ``seconds`` have passed, ``until(match)`` holds, or the
        connection closes, whichever comes first."""
        if self.connection is None or self.match is None:
            raise ClientError("join a game first")
        conn, match = self.connection, self.match
        period = 1.0 / match.rules.tick_rate
        start = time.monotonic()
        next_tick = start
        while True:
            while not conn.inbox.empty():
                for event in match.handle(conn.inbox.get_nowait()):
                    if isinstance(event, RoundEnded):
                        self.rounds_finished += 1
                    if isinstance(event, ConnectionClosed):
                        return
            now = time.monotonic()
            if rounds is not None and self.rounds_finished >= rounds:
                return
            if seconds is not None and now - start >= seconds:
                return
            if until is not None and until(match):
                return
            intent = self.pilot.decide(*match.bot_view(now)) if match.alive else self.pilot.idle()
            conn.send(match.make_input(intent))
            next_tick += period
            if next_tick < now - 0.5:
                next_tick = now  # stalled (a busy machine): do not send a burst to catch up
            await asyncio.sleep(max(0.0, next_tick - time.monotonic()))

    async def leave(self) -> None:
        if self.connection is not None and self.connection.closed is None:
            await self.connection.close()
        if self.connection is not None and self.match is not None:
            while not self.connection.inbox.empty():
                self.match.handle(self.connection.inbox.get_nowait())

    async def run(self, *, rounds: int | None = 1, seconds: float | None = None) -> BotReport:
        """Log in, quick play, join, play, leave: a report whatever happened."""
        try:
            await self.login()
            seat = await self.quick_play()
            await self.join(seat)
            await self.play(rounds=rounds, seconds=seconds)
        except ClientError as exc:
            self.error = exc.message
        except Exception as exc:  # a bot reports, it does not crash the others
            log.exception("event=bot_failed bot=%s", self.name)
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            await self.leave()
        return self.report()

    def report(self) -> BotReport:
        report = BotReport(self.name, ok=self.error is None and self.match is not None, error=self.error)
        report.seconds = time.monotonic() - self.started
        if self.seat is not None:
            report.game_session_id, report.placement, report.tier = (
                self.seat.game_session_id,
                self.seat.placement,
                self.seat.tier,
            )
        match = self.match
        if match is not None:
            stats = match.stats
            report.ship_id = match.my_id
            report.rounds_finished = self.rounds_finished
            report.score, report.tags, report.deaths = match.score, stats.tags, stats.deaths
            report.others_seen = sorted(name for i, name in match.names.items() if i != match.my_id)
            report.others_moved = {match.names.get(i, f"player {i}"): d for i, d in stats.others_moved.items()}
            report.snapshots, report.inputs = stats.snapshots, stats.inputs
            report.corrections, report.max_correction = stats.corrections, stats.max_correction
            report.ping_ms = match.ping.millis
            results = match.results_view(time.monotonic())
            report.winner = results.winner if results else None
            if match.closed is not None:
                report.closed = match.closed.message
        return report
