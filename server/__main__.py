"""``python -m server``: the game server process, as a GameLift fleet launches it.

The whole GameLift flow of a server process is in :func:`run`, top to bottom; the callbacks it registers live in
``server/gamelift_integration.py``::

    InitSDK            connect to GameLift (GAMELIFT_SDK_* set by the GameLift Agent, or by gamelift-local)
    ProcessReady       "I can host a game session": the port players connect to, the log paths, the callbacks
      OnStartGameSession   read GameProperties and MatchmakerData, start the game, ActivateGameSession
      per player           AcceptPlayerSession, DescribePlayerSessions (PlayerData), ..., RemovePlayerSession
      OnHealthCheck        the tick loop is alive and keeping up
      OnProcessTerminate   tell players, end before the termination time
    ProcessEnding      the game is over (last round played, session empty, or terminated); exit 0, and GameLift
                       starts a fresh process in this one's place

There is no standalone mode: locally the server runs under ``gamelift-local``, which provides the same SDK
endpoint, so the code path is the one that runs on real GameLift.

Ports: ``--port N``, else the port gamelift-local reserved for this process (``GAMELIFT_LOCAL_SERVER_PORT``), else
the first free port of ``--port-range A-B`` (what a real fleet's launch parameters pass: its inbound permission
range). The port actually bound is the one reported in ProcessReady.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from sdk import gamelift_server as gl
from server import logs, net
from server.gamelift_integration import EndReason, GameServer

log = logging.getLogger("server")

PORT_ENV = "GAMELIFT_LOCAL_SERVER_PORT"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m server", description="Arena game server for GameLift.")
    parser.add_argument("--port", type=int, help="listen on this port")
    parser.add_argument("--port-range", help="listen on the first free port of FROM-TO (e.g. 33430-33630)")
    parser.add_argument("--host", default="0.0.0.0", help="address to listen on (default: all)")
    parser.add_argument("--log-dir", type=Path, help="where logs go and what ProcessReady reports "
                        "(default: logs/<process id> under the working directory)")
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--empty-timeout", type=float, default=120.0,
                        help="end a game session nobody joined within this many seconds (default 120)")
    return parser.parse_args(argv)


def ports_to_try(options: argparse.Namespace, environ: dict[str, str] | os._Environ[str] = os.environ) -> list[int]:
    """Which ports to try, in order (see the module docstring). Raises ValueError when none is given."""
    if options.port is not None:
        if not 0 <= options.port <= 65535:
            raise ValueError(f"--port {options.port} is not a port")
        return [options.port]
    reserved = environ.get(PORT_ENV, "")
    if reserved.isdigit():
        return [int(reserved)]
    if options.port_range:
        return list(net.parse_port_range(options.port_range))
    raise ValueError(f"no port: pass --port N or --port-range FROM-TO (or run under gamelift-local, which sets "
                     f"{PORT_ENV})")


async def run(options: argparse.Namespace) -> int:
    log_dir = (options.log_dir or logs.default_log_dir()).resolve()
    sdk = gl.get_default_sdk()
    server = GameServer(sdk, log_dir, empty_timeout=options.empty_timeout)

    # Players connect straight to this process (the "green arrow"): open the port before telling GameLift about it.
    listener = await net.listen(server.handle_connection, options.host, ports_to_try(options))
    log.info("event=listening host=%s port=%d log_dir=%s", options.host, listener.port, log_dir)

    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, server.request_end, EndReason.SIGNAL)

    # 1. InitSDK: open the WebSocket to GameLift's SDK endpoint. Where it is and who this process is come from the
    #    environment the GameLift Agent (managed fleets, Anywhere) or gamelift-local sets: GAMELIFT_SDK_*.
    await sdk.init_sdk_from_environment()

    # 2. ProcessReady: this process can host a game session. GameLift sends players to this port, collects the files
    #    under log_paths when the game session ends (GetGameSessionLogUrl), and calls these back:
    await sdk.process_ready(gl.ProcessParameters(
        port=listener.port,
        log_parameters=gl.LogParameters(log_paths=logs.log_paths(log_dir)),
        on_start_game_session=server.on_start_game_session,  # 3. a game session is placed here: start, activate
        on_update_game_session=server.on_update_game_session,  # FlexMatch backfill updated the matchmaker data
        on_process_terminate=server.on_process_terminate,  # GameLift wants the process back
        on_health_check=server.on_health_check,  # every minute: healthy?
    ))
    log.info("event=process_ready port=%d", listener.port)

    # 4-5. Players come and go (server.handle_connection: AcceptPlayerSession ... RemovePlayerSession) until the game
    #      ends: last round over, everyone left, OnProcessTerminate, or a signal.
    reason = await server.ended
    log.info("event=ending reason=%s", reason)
    listener.close()
    await server.wind_down(reason)  # players told and closed; their player sessions removed

    # 6. ProcessEnding: the game session is over and this process is about to exit. GameLift ends the game session,
    #    collects the logs, and starts a new process in this one's place.
    try:
        await sdk.process_ending()
    except gl.GameLiftError as exc:
        log.error("event=process_ending_failed error=%s", exc)
    await sdk.destroy()
    await listener.wait_closed()
    log.info("event=exit code=0")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    try:
        ports_to_try(options)
    except ValueError as exc:
        print(f"python -m server: {exc}", file=sys.stderr)
        return 2
    logs.configure((options.log_dir or logs.default_log_dir()).resolve(), options.log_level)
    try:
        return asyncio.run(run(options))
    except gl.GameLiftError as exc:
        # InitSDK or ProcessReady failed: without GameLift there is nothing to host. GameLift sees the exit and
        # records the failure as a fleet event.
        log.error("event=gamelift_failed error=%s", exc)
        return 1
    except OSError as exc:
        log.error("event=listen_failed error=%s", exc)
        return 1


if __name__ == "__main__":
    sys.exit(main())
