"""Game session logs: what a server process wrote while it hosted a session, zipped when the process ends.

The real service uploads the files under a process's LogPaths when its game session ends and keeps them 14 days;
GetGameSessionLogUrl hands out a link to them. Here the zip holds the process's stdout and stderr (captured by the
launcher) and every file under its LogPaths (from ProcessReady, and the fleet's own LogPaths), and lives under
``<data_dir>/logs/game-sessions/<fleet>/[<location>/]<gsess-id>.zip``, which the emulator serves at the URL
GetGameSessionLogUrl returns (``/_emulator/logs/game-sessions/...``).

Zips are written when the hosting process exits (its files are complete then). A download asked for before that
waits for it a little (``wait_for``). They are deleted on the emulator's clock: by the game session service's log
retention (``remove``, 14 days after the session ended by default), with the session when its own retention runs
out, and all at once on a reset.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import time
import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from infra.emulator.emulator import Emulator

log = logging.getLogger("gamelift_local.logs")

# Files beyond this total are left out of a zip (and listed in its manifest), so a runaway log cannot fill the disk.
MAX_ZIP_INPUT_BYTES = 64 * 1024 * 1024
MANIFEST = "gamelift-local-manifest.txt"


def relative_key(game_session_id: str) -> str | None:
    """The part of a game session ARN after ``gamesession/`` (fleet id, optional location, session key)."""
    if ":gamesession/" not in game_session_id:
        return None
    key = game_session_id.split(":gamesession/", 1)[1]
    parts = PurePosixPath(key).parts
    if not parts or any(p in ("..", ".", "") or p.startswith("/") for p in parts):
        return None
    return "/".join(parts)


def root_of(data_dir: str) -> Path:
    """Where game session log zips live under the emulator's data directory."""
    return Path(data_dir).resolve() / "logs" / "game-sessions"


def remove(root: Path, game_session_id: str) -> bool:
    """Delete a session's zip, and the folders it leaves empty; False when it had none.

    Most sessions (simulated or Anywhere processes) have none: one failed
    unlink is all they cost.
    """
    key = relative_key(game_session_id)
    if key is None:
        return False
    target = root / f"{key}.zip"
    try:
        target.unlink()
    except FileNotFoundError:
        return False
    except OSError:
        log.warning("game_session=%s could not delete its logs at %s", game_session_id, target, exc_info=True)
        return False
    # The fleet's (and location's) folder, once its last zip is gone.
    folder = target.parent
    while folder != root and folder.is_relative_to(root):
        try:
            folder.rmdir()
        except OSError:
            break
        folder = folder.parent
    return True


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files named by ``paths``: files as they are, directories walked; missing ones skipped."""
    out: list[Path] = []
    for path in paths:
        if path.is_file():
            out.append(path)
        elif path.is_dir():
            for root, _dirs, files in os.walk(path):
                out.extend(Path(root) / name for name in sorted(files))
    return list(dict.fromkeys(out))


def write_zip(target: Path, entries: list[tuple[Path, str]]) -> Path:
    """Zip ``entries`` (file, name in the archive) into ``target`` atomically; returns ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".zip.partial")
    total = 0
    included: list[str] = []
    skipped: list[str] = []
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for source, name in entries:
            try:
                size = source.stat().st_size
                if total + size > MAX_ZIP_INPUT_BYTES:
                    skipped.append(f"{name} ({size} bytes: over the {MAX_ZIP_INPUT_BYTES} byte limit)")
                    continue
                archive.write(source, name)
                total += size
                included.append(name)
            except OSError as exc:
                skipped.append(f"{name} ({exc.strerror or exc})")
        lines = [f"collected by gamelift-local at {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}"]
        lines += [f"included: {name}" for name in included]
        lines += [f"skipped: {s}" for s in skipped]
        archive.writestr(MANIFEST, "\n".join(lines) + "\n")
    partial.replace(target)
    return target


class LogCollector:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self._pending: dict[str, asyncio.Future[Path | None]] = {}

    @property
    def root(self) -> Path:
        return root_of(self.emulator.config.data_dir)

    def path_for(self, game_session_id: str) -> Path | None:
        key = relative_key(game_session_id)
        return self.root / f"{key}.zip" if key else None

    def expect(self, game_session_id: str) -> None:
        """A process now hosts this session: its logs will come when the process exits."""
        key = relative_key(game_session_id)
        if key is None or key in self._pending:
            return
        try:
            self._pending[key] = asyncio.get_running_loop().create_future()
        except RuntimeError:
            pass

    async def collect(self, game_session_id: str, entries: list[tuple[Path, str]]) -> Path | None:
        """Zip the files a session's process left (in a worker thread); waiters are woken either way."""
        key = relative_key(game_session_id)
        target = self.path_for(game_session_id)
        result: Path | None = None
        try:
            if target is not None:
                result = await asyncio.to_thread(write_zip, target, entries)
                log.info("game_session=%s logs collected into %s (%d files)", game_session_id, result, len(entries))
                if not self._wanted(game_session_id):
                    # Deleted (or past its log retention) while the zip was being written: no purge comes again.
                    remove(self.root, game_session_id)
                    result = None
        except OSError:
            log.exception("game_session=%s log collection failed", game_session_id)
        finally:
            waiter = self._pending.pop(key, None) if key else None
            if waiter is not None and not waiter.done():
                waiter.set_result(result)
        return result

    def _wanted(self, game_session_id: str) -> bool:
        sessions = getattr(self.emulator, "game_sessions", None)
        return sessions is None or sessions.keeps_logs(game_session_id)

    def abandon(self, game_session_id: str) -> None:
        key = relative_key(game_session_id)
        waiter = self._pending.pop(key, None) if key else None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def wait_for(self, key: str, timeout: float) -> Path | None:
        """The zip for ``<fleet>/[<location>/]<gsess>`` (the URL's tail), waiting up to ``timeout`` for one on its
        way; None when there is none.

        Retention needs no check here: a zip past it has been deleted (on the emulator's clock, which a file's
        modification time knows nothing of).
        """
        parts = PurePosixPath(key).parts
        if not parts or any(p in ("..", ".") for p in parts) or key.startswith("/"):
            return None
        target = self.root / f"{'/'.join(parts)}.zip"
        waiter = self._pending.get("/".join(parts))
        if waiter is not None:
            try:
                await asyncio.wait_for(asyncio.shield(waiter), timeout)
            except TimeoutError:
                return None
        return target if target.is_file() else None

    def reset(self) -> None:
        """A reset forgets every game session, so their zips go too: no retention would ever delete them."""
        for waiter in self._pending.values():
            if not waiter.done():
                waiter.set_result(None)
        self._pending.clear()
        root = self.root
        if root.exists():
            doomed = root.with_name(f"game-sessions.reset-{os.getpid()}-{id(self)}")
            with contextlib.suppress(OSError):
                root.rename(doomed)
                shutil.rmtree(doomed, ignore_errors=True)
