"""The child side of the ready-file protocol, shared by every service's ``serve``.

A service binds its port (0 picks a free one), then writes ``{"port", "url", "pid"}`` to the ready
file atomically (write, then rename), so a parent polling for the file never reads half of it. It
then runs until SIGINT or SIGTERM and cleans up, so Ctrl-C and ``ServiceProcess.stop`` leave
nothing behind.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Protocol

from aiohttp import web


def write_ready_file(path: str, port: int, url: str) -> None:
    tmp = Path(path + ".tmp")
    tmp.write_text(json.dumps({"port": port, "url": url, "pid": os.getpid()}))
    tmp.replace(path)


async def until_signalled() -> None:
    """Wait for SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


class Front(Protocol):
    """A protocol factory in front of an aiohttp app (e.g. the emulator's API fast path)."""

    def __call__(self) -> asyncio.Protocol: ...

    def close(self) -> None:
        """Close the connections it still serves itself (the ones it handed to aiohttp close with the app)."""


async def serve_app(
    app: web.Application,
    host: str,
    port: int,
    ready_file: str | None = None,
    on_listening: Callable[[str, int], None] | None = None,
    front: Callable[[web.Server], Front] | None = None,
) -> None:
    """Serve ``app`` on host:port until signalled; announce the bound port once listening.

    With ``front``, connections are accepted by the protocol it builds (given aiohttp's
    own protocol factory to hand connections to) instead of by aiohttp directly.
    """
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    listener: asyncio.Server | None = None
    own_front: Front | None = None
    if front is None:
        site = web.TCPSite(runner, host, port, reuse_address=True)
        await site.start()
        bound = runner.addresses[0][1]
    else:
        assert runner.server is not None
        own_front = front(runner.server)
        listener = await asyncio.get_running_loop().create_server(own_front, host, port, reuse_address=True)
        bound = listener.sockets[0].getsockname()[1]
    url = f"http://{host}:{bound}"
    if on_listening is not None:
        on_listening(url, bound)
    if ready_file:
        write_ready_file(ready_file, bound, url)
    try:
        await until_signalled()
    finally:
        if listener is not None and own_front is not None:
            listener.close()
            own_front.close()
        await runner.cleanup()


def run_until_stopped(main: Coroutine[object, object, None]) -> int:
    """Run a service's ``serve`` coroutine; Ctrl-C is a normal way to stop it (exit code 0)."""
    try:
        asyncio.run(main)
    except KeyboardInterrupt:
        pass
    return 0
