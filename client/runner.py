"""The window's asyncio loop, on a thread of its own.

Threading model of the pygame client: pygame owns the main thread (it must, on some platforms,
and its frame pacing sleeps); all networking (HTTP to the services, the game WebSocket, pings)
runs on one asyncio event loop in a daemon thread. They meet in two places only:

- the UI starts work with ``submit(coro)`` and polls the returned future once per frame
  (``future.done()``): never ``result()`` while it is pending, so a frame never waits on the network;
- the game connection puts what it receives on a thread-safe queue that the frame drains, and
  the frame hands inputs back with ``call_soon`` (``loop.call_soon_threadsafe``).

Bots need none of this: they are plain coroutines on whatever loop runs them, with the same
connection and API code.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")


class NetworkThread:
    def __init__(self, name: str = "client-network") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._started = threading.Event()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(self._started.set)
        self.loop.run_forever()
        # Let cancelled tasks finish their clean-up (close sockets) before the loop goes.
        pending = asyncio.all_tasks(self.loop)
        for task in pending:
            task.cancel()
        if pending:
            self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        self.loop.close()

    def start(self) -> NetworkThread:
        self._thread.start()
        self._started.wait(5)
        return self

    def submit(self, coro: Coroutine[Any, Any, T]) -> Future[T]:
        """Run ``coro`` on the network loop; poll the future from the UI, do not wait on it."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def call_soon(self, callback: Callable[..., object], *args: object) -> None:
        self.loop.call_soon_threadsafe(callback, *args)

    def stop(self, timeout: float = 5.0) -> None:
        if self._thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout)
