"""``python -m client --bots N``: N bots log in (signing up on first use), quick play, play, and say what happened."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from client.bot import Bot, BotReport
from client.config import ClientConfig


async def run_bots(
    config: ClientConfig,
    count: int,
    *,
    prefix: str = "bot",
    password: str = "bot-password-1",
    rounds: int | None = 1,
    seconds: float | None = None,
    stagger: float = 0.2,
    echo: Callable[[str], None] | None = None,
) -> list[BotReport]:
    """Run ``count`` bots side by side; a report per bot, in order, whatever each one met."""

    async def one(index: int) -> BotReport:
        await asyncio.sleep(index * stagger)
        async with Bot(f"{prefix}-{index + 1}", password, config) as bot:
            if echo:
                echo(f"{bot.name}: logging in and looking for a game")
            report = await bot.run(rounds=rounds, seconds=seconds)
            if echo:
                echo(report.summary())
            return report

    return list(await asyncio.gather(*(one(i) for i in range(count))))


def print_reports(reports: list[BotReport], echo: Callable[[str], None] = print) -> None:
    sessions: dict[str, list[str]] = {}
    for r in reports:
        if r.game_session_id:
            sessions.setdefault(r.game_session_id.rsplit("/", 1)[-1], []).append(r.name)
    ok = sum(r.ok for r in reports)
    echo(
        f"{ok} of {len(reports)} bots played; sessions: "
        + ("; ".join(f"{s}: {', '.join(names)}" for s, names in sessions.items()) or "none")
    )
    best = max((r for r in reports if r.ok), key=lambda r: r.score, default=None)
    if best is not None and best.score > 0:
        echo(f"top scorer: {best.name} with {best.score}")
