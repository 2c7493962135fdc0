"""``python -m client``: the game window, or ``--bots N`` headless players, or ``--screenshots DIR``.

Services come from ``--backend-url`` / ``CLIENT_BACKEND_URL`` (default http://127.0.0.1:9082) and
``--auth-url`` / ``CLIENT_AUTH_URL`` (default http://127.0.0.1:9081).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from client.config import ClientConfig


def _parser() -> argparse.ArgumentParser:
    d = ClientConfig()
    parser = argparse.ArgumentParser(
        prog="python -m client", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend-url", default=d.backend_url, help="the game backend (env CLIENT_BACKEND_URL)")
    parser.add_argument("--auth-url", default=d.auth_url, help="the login service (env CLIENT_AUTH_URL)")
    parser.add_argument("--username", default=os.environ.get("CLIENT_USERNAME"), help="prefill the login screen")
    parser.add_argument("--password", default=os.environ.get("CLIENT_PASSWORD"), help="with --username: log in at once")
    parser.add_argument("--width", type=int, default=d.width)
    parser.add_argument("--height", type=int, default=d.height)
    parser.add_argument("--fps", type=int, default=d.fps)
    parser.add_argument(
        "--interpolation-delay",
        type=float,
        default=d.interpolation_delay,
        help="seconds other ships are drawn in the past (default 0.1)",
    )
    bots = parser.add_argument_group("headless bots")
    bots.add_argument("--bots", type=int, metavar="N", help="run N bots instead of opening a window")
    bots.add_argument("--bot-prefix", default="bot", help="bot usernames are PREFIX-1 ... PREFIX-N")
    bots.add_argument(
        "--bot-password",
        default=os.environ.get("CLIENT_BOT_PASSWORD", "bot-password-1"),
        help="bot accounts' password (created on first use)",
    )
    bots.add_argument("--rounds", type=int, default=1, help="rounds each bot plays before leaving (0: no limit)")
    bots.add_argument("--seconds", type=float, default=None, help="leave after this long even mid-round")
    bots.add_argument("--stagger", type=float, default=0.2, help="seconds between bot starts")
    parser.add_argument("--screenshots", metavar="DIR", help="render every screen to PNGs in DIR and exit")
    parser.add_argument("--log-level", default=d.log_level)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    config = ClientConfig(
        backend_url=args.backend_url,
        auth_url=args.auth_url,
        width=args.width,
        height=args.height,
        fps=args.fps,
        interpolation_delay=args.interpolation_delay,
        log_level=args.log_level,
    )
    if args.screenshots:
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
        from client.showcase import render_all

        for name, path in render_all(Path(args.screenshots), (config.width, config.height)).items():
            print(f"{name}: {path}")
        return 0
    if args.bots is not None:
        if args.bots < 1:
            print("--bots needs at least 1", file=sys.stderr)
            return 2
        from client.bots import print_reports, run_bots

        try:
            reports = asyncio.run(
                run_bots(
                    config,
                    args.bots,
                    prefix=args.bot_prefix,
                    password=args.bot_password,
                    rounds=args.rounds or None,
                    seconds=args.seconds,
                    stagger=args.stagger,
                    echo=print,
                )
            )
        except KeyboardInterrupt:
            return 130
        print_reports(reports)
        return 0 if all(r.ok for r in reports) else 1
    from client.app import main as window

    return window(config, args.username, args.password)
